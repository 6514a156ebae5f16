"""The comparison window: assembles one RunView per run (shared camera), the overlaid plots, the metrics table
and the shared transport, with menus to open, save and export the comparison.

Nothing here decides anything about training: the session paces the runs, the state holds the cursor. The
window only redraws, on one frame clock (≤ 30 fps), whatever changed since the last frame.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from engine.config import ConfigError
from featlearn_gui import comparison as comparison_mod
from featlearn_gui import prompts
from featlearn_gui.actions import add_action
from featlearn_gui.compare.compare_plots import ComparePlots
from featlearn_gui.compare.compare_session import CompareSession
from featlearn_gui.compare.compare_state import CompareState
from featlearn_gui.compare.compare_transport import CompareTransport
from featlearn_gui.compare.metrics_table import MetricsTable
from featlearn_gui.compare.run_view import RunView
from featlearn_gui.comparison import Comparison
from featlearn_gui.export.figures import RUN_COLORS
from featlearn_gui.scene import ViewOptions
from featlearn_gui.session import MainThreadCollector
from featlearn_gui.throttle import LoadGovernor, Throttle

# Redraws go through featlearn_gui.throttle, like the main window's: each view, the plots and the table paint in
# their own pass of the event loop, never all at once. While training runs flat out, painting competes with
# every training thread for the GIL, so the load governor stretches these intervals (up to 5x).
SPHERE_MS = 33  # each sphere at most 30 times a second
PLOT_MS = 100
TABLE_MS = 500
GOVERNOR_MS = 250
# Whole paths make the contrast: feature-learning neurons travel onto the teachers, lazy ones stay put, and
# without weight decay the far ones keep wandering. "recent" is the main window's default length.
TRAILS = {"off": ViewOptions(), "recent": ViewOptions(trails=True),
          "whole run": ViewOptions(trails=True, trail_length=1_000_000)}
DEFAULT_TRAILS = "whole run"
COMPARISON_FILTER = "Comparison (*.toml)"
DEFAULT_SIZE = (1600, 1000)
Key = QtGui.QKeySequence


class CompareWindow(QtWidgets.QMainWindow):
    """Signals: comparison_opened() (a comparison replaced the one on screen)."""

    comparison_opened = QtCore.Signal()

    def __init__(self, comparison: Comparison, overrides: list[str] = (), renderer: str = "auto",
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = CompareState(parent=self)
        self.session = CompareSession(self.state, parent=self)
        self.overrides, self.renderer = list(overrides), renderer
        self.options = TRAILS[DEFAULT_TRAILS]
        self.views: list[RunView] = []
        self.governor = LoadGovernor()
        self._sphere_throttle = self._plot_throttle = self._table_throttle = None  # made with the views they redraw
        self._opening = False
        self._clock = QtCore.QTimer(self)
        self._clock.setInterval(GOVERNOR_MS)
        self._clock.timeout.connect(self._on_governor_timeout)
        self.state.step_changed.connect(self._on_state_changed)
        self.state.runs_changed.connect(self._on_state_changed)
        self._build_menus()
        self.resize(*DEFAULT_SIZE)
        self.open_comparison(comparison)

    # --- building -------------------------------------------------------------------------------------------

    def open_comparison(self, comparison: Comparison) -> None:
        """Show `comparison` (ConfigError, nothing replaced, when one of its runs cannot be loaded)."""
        self._opening = True
        try:
            self.session.open(comparison, self.overrides)
        finally:
            self._opening = False
        colours = [RUN_COLORS[i % len(RUN_COLORS)] for i in range(len(self.state.runs))]
        self.views = [RunView(run, colour, self.renderer) for run, colour in zip(self.state.runs, colours)]
        for view in self.views:
            view.view.camera_changed.connect(functools.partial(self._on_view_camera_changed, view))
            view.pause_toggled.connect(functools.partial(self._on_view_pause_toggled, view))
            view.stop_requested.connect(functools.partial(self._on_view_stop_requested, view))
        self.plots = ComparePlots(self.state, colours)
        self.table = MetricsTable(self.state.runs, colours)
        self.transport = CompareTransport(self.session)
        # Bound methods only: Throttle holds them weakly, so no cycle keeps a closed window alive.
        self._sphere_throttle = Throttle(SPHERE_MS, self._draw_views, self)
        self._plot_throttle = Throttle(PLOT_MS, self.plots.refresh, self.plots)
        self._table_throttle = Throttle(TABLE_MS, self.table.refresh, self.table)
        self.setCentralWidget(self._layout_content(comparison))
        self.setWindowTitle(f"featlearn — {comparison.title}")
        self.flush()
        if self.views:
            self._share_camera(self.views[0])  # every view starts from the first one's camera (facing its teachers)
        self._clock.start()
        self.comparison_opened.emit()

    def _layout_content(self, comparison: Comparison) -> QtWidgets.QWidget:
        heading = QtWidgets.QLabel(f"<b style='font-size:13pt'>{comparison.title}</b>"
                                   f"&nbsp;&nbsp;<span style='color:#444'>{comparison.description}</span>")
        heading.setWordWrap(True)
        heading.setContentsMargins(8, 4, 8, 0)
        spheres = QtWidgets.QWidget()
        grid = QtWidgets.QGridLayout(spheres)
        grid.setContentsMargins(0, 0, 0, 0)
        columns = len(self.views) if len(self.views) <= 3 else (len(self.views) + 1) // 2
        for i, view in enumerate(self.views):
            grid.addWidget(view, i // columns, i % columns)
        for c in range(columns):
            grid.setColumnStretch(c, 1)  # equal widths: equal spheres
        # Spheres across the full width (a sphere is as big as its view is narrow), the plots in a row beneath.
        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        splitter.addWidget(spheres)
        splitter.addWidget(self.plots)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([600, 280])
        self.table.setMaximumHeight(self.table.preferred_height())
        content = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(heading)
        column.addWidget(splitter, 1)
        column.addWidget(self.table)
        column.addWidget(self.transport)
        return content

    def _action(self, menu: QtWidgets.QMenu, text: str, slot, shortcut=None, tip: str = "") -> QtGui.QAction:
        return add_action(self, menu, text, slot, shortcut, tip)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Open comparison…", self.open_dialog, Key.StandardKey.Open)
        self._action(file_menu, "&Save comparison…", self.save_dialog, Key.StandardKey.Save,
                     "Save the list of runs (TOML) to reopen later")
        file_menu.addSeparator()
        self._action(file_menu, "Export &animation…", functools.partial(self.export_dialog, ".mp4"), "Ctrl+E",
                     "All runs side by side in one video (MP4, GIF or PNG frames)")
        self._action(file_menu, "Export &figures…", functools.partial(self.export_dialog, ".svg"),
                     tip="The overlaid plots as a figure (SVG, PDF or PNG)")
        file_menu.addSeparator()
        self._action(file_menu, "&Close", self.close, Key.StandardKey.Close)
        run_menu = bar.addMenu("&Run")
        self._action(run_menu, "&Play / pause", self.state.toggle_playing, "Space")
        self._action(run_menu, "Step &forward", self.session.step_forward, "Right")
        self._action(run_menu, "Step &back", self.session.step_back, "Left")
        self._action(run_menu, "First step", functools.partial(self.state.set_step, 0), "Home")
        self._action(run_menu, "Latest step", self.state.follow, "End")
        view_menu = bar.addMenu("&View")
        self._action(view_menu, "Reset &camera", self._on_reset_camera_triggered, "Ctrl+0")
        trails_menu = view_menu.addMenu("&Trails")
        group = QtGui.QActionGroup(self)
        self.trail_actions = {}
        for name in TRAILS:
            action = trails_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name == DEFAULT_TRAILS)
            action.triggered.connect(functools.partial(self.set_trails, name))
            group.addAction(action)
            self.trail_actions[name] = action

    # --- redrawing -----------------------------------------------------------------------------------------

    @QtCore.Slot()
    def _on_state_changed(self, *_args) -> None:
        if self._opening or self._plot_throttle is None:
            return  # a comparison is being opened: its views do not exist yet
        if any(view.needs_draw(self.state.step, self.options) for view in self.views):
            self._sphere_throttle.request()
        self._plot_throttle.request()
        self._table_throttle.request()
        self.table.refresh(grown=False)  # a status change shows at once; the numbers follow at 2 Hz

    def _draw_views(self) -> None:
        for view in self.views:
            if view.needs_draw(self.state.step, self.options):
                view.draw(self.state.step, self.options)

    @QtCore.Slot()
    def _on_governor_timeout(self) -> None:
        state = self.state
        flat_out = state.playing and state.speed == 0 and any(run.trainable for run in state.runs)
        self.governor.update(active=flat_out)
        MainThreadCollector.tick()  # garbage is collected here, in the GUI thread, while workers run

    def flush(self) -> None:
        """Draw everything now (scripted screenshots, tests)."""
        for view in self.views:
            view.draw(self.state.step, self.options)
        self.plots.refresh()
        self.table.refresh()

    # --- handlers -------------------------------------------------------------------------------------------

    def _on_view_camera_changed(self, source: RunView) -> None:
        self._share_camera(source)

    def _share_camera(self, source: RunView) -> None:
        azimuth, elevation, distance = source.view.camera()
        for view in self.views:
            if view is not source:
                view.view.set_camera(azimuth, elevation, distance)  # does not emit: no echo

    def _on_view_pause_toggled(self, view: RunView, paused: bool) -> None:
        if paused:
            self.session.pause_run(view.run)
        else:
            self.session.resume_run(view.run)

    def _on_view_stop_requested(self, view: RunView) -> None:
        view.run.stop()

    def _on_reset_camera_triggered(self) -> None:
        if self.views:
            self.views[0].view.reset_camera()  # emits camera_changed: the others follow

    def set_trails(self, name: str) -> None:
        """"off", "recent" or "whole run": the paths drawn behind the neurons in every view."""
        self.options = TRAILS[name]
        self.trail_actions[name].setChecked(True)
        self._on_state_changed()

    # --- files and export -----------------------------------------------------------------------------------

    @property
    def comparison(self) -> Comparison | None:
        return self.session.comparison

    def open_path(self, path: str | Path) -> bool:
        try:
            self.open_comparison(comparison_mod.load(path))
        except ConfigError as exc:
            prompts.show_error(self, "Cannot open the comparison", str(exc))
            return False
        return True

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open a comparison", "", COMPARISON_FILTER)
        if path:
            self.open_path(path)

    def save(self, path: str | Path) -> bool:
        """Write the comparison's TOML; config and run paths are rewritten relative to the new file."""
        path = Path(path)
        try:
            comparison_mod.save(comparison_mod.rebased(self.comparison, path.parent), path)
        except OSError as exc:
            prompts.show_error(self, "Cannot save the comparison", f"{path}: {exc}")
            return False
        return True

    def save_dialog(self) -> None:
        name = self.comparison.title.lower().replace(" ", "-") + ".toml"
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save the comparison", name, COMPARISON_FILTER)
        if path:
            self.save(path if path.endswith(".toml") else path + ".toml")

    def export_runs(self) -> list[tuple[str, object]]:
        """(label, RunHistory) of every run, left to right: what an export shows side by side."""
        return [(run.label, run.history) for run in self.state.runs]

    def export_dialog(self, suffix: str = ".mp4") -> QtWidgets.QDialog:
        from featlearn_gui.export.dialog import ExportDialog

        camera = self.views[0].view.camera if self.views else None
        dialog = ExportDialog(self.export_runs, self, current_step=lambda: self.state.step, camera=camera)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        name = self.comparison.title.lower().replace(" ", "-")
        current = Path(dialog.path_edit.text() or name)
        dialog.path_edit.setText(str(current.with_name(current.stem or name).with_suffix(suffix)))
        if suffix == ".svg":
            dialog.figure.setCurrentText("all")
        dialog.open()
        return dialog

    # --- closing --------------------------------------------------------------------------------------------

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self._clock.stop()
        self.session.shutdown()
        event.accept()
