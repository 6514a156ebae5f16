"""File → Open sweep… and Run sweep… of a main window, and what a phase diagram's cell opens: its runs, side by side
in a new main window (the one model of N runs), to watch them train again or browse them.

The phase windows stay open beside the main window; the app object keeps them (they have no parent) and closes
them when the application quits.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from engine.config import ConfigError
from featlearn_gui import prompts
from featlearn_gui.comparisons.file import Comparison, RunEntry

SWEEP_FILTER = "Sweep (*.toml)"


class SweepMenu(QtCore.QObject):
    """What File → Open sweep… and Run sweep… of `window` do (featlearn_gui.actions lists the entries)."""

    def __init__(self, window: QtWidgets.QMainWindow) -> None:
        super().__init__(window)
        self.window = window

    def open(self, path: str | Path):
        """The phase window of a results folder, a sweep TOML or a built-in sweep (ConfigError if none)."""
        from featlearn_gui.sweep.phase_window import open_sweep  # late: Dask and matplotlib load only when asked

        phase = open_sweep(path)
        phase.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        phase.runs_open_requested.connect(self.open_runs)
        self.window.app.add_window(phase, phase=True)  # the app closes it when it quits
        phase.show()
        return phase

    def open_runs(self, paths: list, title: str = "", labels: list | None = None) -> None:
        """A cell's run files, side by side in a new window, each labelled by its axis values."""
        labels = labels or [Path(path).stem[:12] for path in paths]
        entries = tuple(RunEntry(label, run=str(path)) for label, path in zip(labels, paths))
        self.window.compare_menu.show(Comparison(title or "Sweep runs", entries,
                                                 f"{len(entries)} runs of the phase diagram"))

    def open_dialog(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self.window, "Open a sweep's results folder")
        if folder:
            self._try(self.open, folder)

    def run_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, "Run a sweep", "", SWEEP_FILTER)
        if path:
            phase = self._try(self.open, path)
            if phase is not None:
                phase.start_sweep()

    def _try(self, how, path):
        try:
            return how(path)
        except ConfigError as exc:
            prompts.show_error(self.window, "Cannot open the sweep", str(exc))
            return None
