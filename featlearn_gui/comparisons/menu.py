"""The Compare menu of a window: the built-in comparisons (titles, descriptions as tooltips), Open comparison…,
Save comparison… (the runs of this window) and Compare with… (add runs beside the ones on screen).

A built-in or opened comparison opens in a new window (the same MainWindow class, holding the comparison's runs):
a comparison is a document of its own, and opening it must neither discard nor bury the run on screen.
Compare with… adds runs to this window, beside the run the person is looking at.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from engine.config import ConfigError
from featlearn_gui import prompts
from featlearn_gui.comparisons import file as comparison_file
from featlearn_gui.comparisons.file import Comparison, RunEntry

COMPARISON_FILTER = "Comparison (*.toml)"


class CompareMenu(QtCore.QObject):
    """What the Compare menu of `window` (a MainWindow) does (featlearn_gui.actions lists its entries); the windows
    it opens belong to the app (featlearn_gui.application.App)."""

    def __init__(self, window: QtWidgets.QMainWindow) -> None:
        super().__init__(window)
        self.window = window

    # --- opening in a new window ----------------------------------------------------------------------------

    def show(self, comparison: Comparison) -> QtWidgets.QMainWindow | None:
        window = self.window.app.new_window(renderer=self.window.model.renderer, restore=False)
        if not window.open_comparison(comparison):
            window.session.shutdown()
            window.deleteLater()
            return None
        window.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        window.fit_to_screen()
        window.show()
        return window

    def open_builtin(self, name: str) -> QtWidgets.QMainWindow | None:
        return self.show(comparison_file.builtin(name))

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, "Open a comparison", "", COMPARISON_FILTER)
        if not path:
            return
        try:
            self.show(comparison_file.load(path))
        except ConfigError as exc:
            prompts.show_error(self.window, "Cannot open the comparison", str(exc))

    # --- this window's runs ---------------------------------------------------------------------------------

    def pick_dialog(self) -> None:
        from featlearn_gui.comparisons.picker import ComparePicker

        picker = ComparePicker(self.window)
        if picker.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.window.add_runs(Comparison("", tuple(picker.entries())))

    def comparison(self) -> Comparison:
        """This window's runs as a comparison (ConfigError naming a run that has no file or preset to name)."""
        entries = []
        for run in self.window.model.runs:
            kind, value = run.source if run.source[0] else (("run", str(run.path)) if run.path else ("", ""))
            if not kind:
                raise ConfigError(f"run {run.label!r} was edited in the app: save its run or config first, "
                                  "so the comparison can name it")
            entries.append(RunEntry(run.label, **{kind: value}))
        model = self.window.model
        title = model.title or " vs ".join(entry.label for entry in entries)
        return Comparison(title, tuple(entries), model.description)

    def save(self, path: str | Path) -> bool:
        """Write this window's runs as a comparison TOML; paths are written relative to it where they can be."""
        path = Path(path)
        try:
            comparison_file.save(comparison_file.rebased(self.comparison(), path.parent), path)
        except (ConfigError, OSError) as exc:
            prompts.show_error(self.window, "Cannot save the comparison", f"{path}: {exc}")
            return False
        return True

    def save_dialog(self) -> None:
        name = (self.window.model.title or "comparison").lower().replace(" ", "-") + ".toml"
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Save the comparison", name, COMPARISON_FILTER)
        if path:
            self.save(path if path.endswith(".toml") else path + ".toml")
