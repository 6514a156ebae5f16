"""The main window: assembles the model of N runs, the session, the panels, the docks, the menus and shortcuts.

One window shows N runs: their spheres side by side with a shared camera, one curve per run in every plot, the
selected run in the Experiment and certificate panels, and a table of final metrics when N > 1. With one run it
is the single-run app. Nothing here decides anything about training or display: behaviour lives in the model, the
session, the file actions and the panels. The window only persists its layout and asks before closing over
unsaved work.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from engine.config import ConfigError
from engine.metrics import spans_input_space
from featlearn_gui import prompts, view_state
from featlearn_gui.actions import build_menus
from featlearn_gui.application import App
from featlearn_gui.branching import Brancher
from featlearn_gui.comparisons.file import Comparison, RunEntry
from featlearn_gui.comparisons.menu import CompareMenu
from featlearn_gui.files import FileActions
from featlearn_gui.guide import HelpDialog, TourController
from featlearn_gui.model import DEFAULT_SPEED, AppModel, Run
from featlearn_gui.panels.certificate_panel import CertificatePanel
from featlearn_gui.panels.experiment import ExperimentPanel
from featlearn_gui.panels.metrics_table import MetricsTable
from featlearn_gui.panels.spheres_panel import SpheresPanel
from featlearn_gui.panels.status_bar import StatusBits
from featlearn_gui.panels.time_plot_panel import TimePlotPanel
from featlearn_gui.panels.transport import TransportPanel
from featlearn_gui.panels.view_options import ViewOptionsPanel
from featlearn_gui.plots import DOCKS
from featlearn_gui.recovery import RecoveryKeeper
from featlearn_gui.scene import ViewOptions
from featlearn_gui.screen_fit import fit_to_screen, fit_to_size
from featlearn_gui.session import Session
from featlearn_gui.settings import Settings
from featlearn_gui.sweep.sweep_menu import SweepMenu
from featlearn_gui.teacher_drag import TeacherDrag

DEFAULT_SIZE = (1600, 1000)  # on screens with room for it; see featlearn_gui.screen_fit
MINIMUM_SIZE = (960, 560)  # 1600 × 1000 at 150 % is 1067 × 667 logical pixels: this leaves room for a title bar
Area = QtCore.Qt.DockWidgetArea
Key = QtGui.QKeySequence


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, settings: Settings | None = None, renderer: str | None = None, restore: bool = True,
                 app: App | None = None) -> None:
        super().__init__()
        self.setWindowTitle("featlearn")
        self.app = app or App.instance()  # the settings' and the windows' owner, and the one error reporter
        self.settings = settings or self.app.settings
        self.app.add_window(self)
        self.model = AppModel()
        self.session = Session(self.model, parent=self)
        self.files = FileActions(self.model, self.session, self.settings, parent=self)

        self.heading = QtWidgets.QLabel()
        self.heading.setWordWrap(True)
        self.heading.setContentsMargins(8, 4, 8, 0)
        self.spheres = SpheresPanel(self.model, self.session, renderer or self.settings.renderer())
        self.table = MetricsTable(self.model)
        self.transport = TransportPanel(self.model, self.session)
        central = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        for widget, stretch in ((self.heading, 0), (self.spheres, 1), (self.table, 0), (self.transport, 0)):
            column.addWidget(widget, stretch)
        self.setCentralWidget(central)
        # Keyboard focus starts on the spheres, which leave every key to the window's shortcuts (a focused step box
        # would take ←, → and End for its own text).
        self.spheres.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.spheres.setFocus()

        self.experiment = ExperimentPanel(self.model, self.files)
        self.view_options = ViewOptionsPanel(self.model)
        self.plots = {name: TimePlotPanel(self.model, keys) for name, _title, keys in DOCKS}
        self.certificate = CertificatePanel(self.model)
        self._build_docks()
        self.status_bits = StatusBits(self.model, self.statusBar())
        self.recovery = RecoveryKeeper(self.model, self)
        self.brancher = Brancher(self.model, self.session, self)
        self.spheres.branch_requested.connect(self.brancher.request)
        self.teacher_drag = TeacherDrag(self.model, self.spheres, self.brancher, self)
        self.experiment.pending_teacher = self.teacher_drag  # its teacher fields edit a teacher moved by hand
        self.teacher_drag.draft_changed.connect(self.experiment.show_pending_teacher)
        self.recovery.failed.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.compare_menu = CompareMenu(self)
        self.sweep_menu = SweepMenu(self)
        self.tour = TourController(self.model, self.spheres, self)
        self.help_dialog: HelpDialog | None = None
        self._build_menus()
        self.resize(*DEFAULT_SIZE)
        self.setMinimumSize(*MINIMUM_SIZE)  # smaller squashes the docks, and the saved layout with them
        self._default_layout = self.saveState()

        self.transport.reset_clicked.connect(self._on_transport_reset_clicked)
        self.transport.new_seed_clicked.connect(self._on_transport_new_seed_clicked)
        self.session.frame.connect(self.draw_frame)
        self.model.runs_changed.connect(self._on_model_runs_changed)
        self.model.run_changed.connect(self._on_model_run_changed)
        self.model.events.title.connect(self._on_model_runs_changed)
        self.model.speed = self.settings.speed()
        self.model.log_time = self.settings.log_time()
        self.model.options = self.settings.view_options()
        self._on_model_runs_changed()
        if restore:
            self._restore_layout()

    def _build_docks(self) -> None:
        self.setCorner(QtCore.Qt.Corner.BottomLeftCorner, Area.LeftDockWidgetArea)
        self.setCorner(QtCore.Qt.Corner.BottomRightCorner, Area.RightDockWidgetArea)
        self.docks = {
            "experiment": self._dock("Experiment", self.experiment, Area.LeftDockWidgetArea),
            "view": self._dock("View", self.view_options, Area.LeftDockWidgetArea),
        }
        for name, title, _keys in DOCKS:
            self.docks[name] = self._dock(title, self.plots[name], Area.RightDockWidgetArea)
        self.docks["certificate"] = self._dock("Certificate along the teacher path", self.certificate,
                                               Area.BottomDockWidgetArea)
        self.tabifyDockWidget(self.docks["experiment"], self.docks["view"])
        self.docks["experiment"].raise_()
        self.tabifyDockWidget(self.docks["captured"], self.docks["span"])  # raised for runs in d > k: see below
        # λ(t) sits beside the certificate, under the spheres; the other plots stack on the right.
        self.addDockWidget(Area.BottomDockWidgetArea, self.docks["weight_decay"])
        self.splitDockWidget(self.docks["certificate"], self.docks["weight_decay"], QtCore.Qt.Orientation.Horizontal)
        horizontal, vertical = QtCore.Qt.Orientation.Horizontal, QtCore.Qt.Orientation.Vertical
        self.resizeDocks([self.docks["experiment"]], [330], horizontal)
        self.resizeDocks([self.docks["loss"]], [470], horizontal)
        self.resizeDocks([self.docks["certificate"], self.docks["weight_decay"]], [640, 300], horizontal)
        self.resizeDocks([self.docks["certificate"]], [250], vertical)
        self.resizeDocks([self.docks[k] for k in ("loss", "far_mass", "captured")], [260, 360, 300], vertical)

    def _dock(self, title: str, widget: QtWidgets.QWidget, area: Area) -> QtWidgets.QDockWidget:
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(title)  # saveState/restoreState identify docks by object name
        dock.setWidget(widget)
        dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _build_menus(self) -> None:
        """The menus and shortcuts, from the one table of actions (featlearn_gui.actions)."""
        self.actions_by_key = build_menus(self)
        self.play_action = self.actions_by_key["play"]
        self.recent_menu = self.menus["&File/Open &recent"]
        self.files.recent_changed.connect(self._on_files_recent_changed)
        self._on_files_recent_changed(self.settings.recent_files())
        for name, dock in self.docks.items():  # a dock closed by its own button unticks its entry
            dock.toggleViewAction().toggled.connect(self.actions_by_key[f"dock {name}"].setChecked)
        self.model.events.renderer.connect(self._on_model_renderer_changed)
        self.model.events.log_time.connect(self._on_model_log_time_changed)

    # --- runs -----------------------------------------------------------------------------------------------

    def _make_runs(self, comparison: Comparison, overrides: list[str] = ()) -> list[Run] | None:
        """The comparison's runs, each at step 0 or as recorded; None (after saying why) if one cannot load."""
        runs: list[Run] = []
        try:
            for entry, source in comparison.sources(overrides):
                label = entry.label
                runs.append(self.session.make_run(source, label, origin=comparison.absolute(entry)))
        except ConfigError as exc:
            for run in runs:
                self.session.remove(run)
            prompts.show_error(self, "Cannot open the comparison", str(exc))
            return None
        return runs

    def open_comparison(self, comparison: Comparison, overrides: list[str] = ()) -> bool:
        """Show the comparison's runs in place of this window's (nothing replaced if one cannot load)."""
        runs = self._make_runs(comparison, overrides)
        if runs is None:
            return False
        self.session.set_runs(runs, comparison.title, comparison.description)
        view = {**view_state.COMPARISON_OPTIONS, **comparison.view}
        renderer = view.pop("renderer", None)
        self.model.options = dataclasses.replace(self.model.options, **view)
        if renderer is not None:
            self.model.renderer = renderer
        return True

    def restore_runs(self, paths: list[Path]) -> bool:
        """Show run files kept by a window that crashed: unsaved again (they are not where the person put them)."""
        entries = tuple(RunEntry(path.stem.partition("-")[2] or path.stem, run=str(path)) for path in paths)
        if not self.open_comparison(Comparison("Recovered runs", entries, "kept from a window that closed "
                                               "unexpectedly: save the ones you want")):
            return False
        for run in self.model.runs:
            run.path, run.source, run.saved = None, ("", ""), False
        return True

    def add_runs(self, comparison: Comparison) -> bool:
        """Add the comparison's runs beside the ones on screen (Compare with…)."""
        runs = self._make_runs(comparison)
        for run in runs or []:
            self.session.add(run)
        return runs is not None

    def remove_selected(self) -> None:
        run = self.model.selected
        if run is None or len(self.model.runs) < 2:
            return
        if not run.has_unsaved_work or prompts.ask_discard(self, f"remove {run.label}"):
            self.session.remove(run)

    def move_selected(self, delta: int) -> None:
        runs, run = self.model.runs, self.model.selected
        if run is None:
            return
        i = runs.index(run)
        j = min(max(i + delta, 0), len(runs) - 1)
        if j != i:
            runs.move(i, j + (1 if j > i else 0))  # EventedList.move inserts before `dest_index`

    def rename_selected(self) -> None:
        run = self.model.selected
        if run is None:
            return
        label, ok = QtWidgets.QInputDialog.getText(self, "Rename run", "Name:", text=run.label)
        if ok and label.strip():
            run.label = label.strip()

    def _on_transport_reset_clicked(self) -> None:
        self._restart(self.session.restart)

    def _on_transport_new_seed_clicked(self) -> None:
        self._restart(self.session.new_seed)

    def _restart(self, how) -> None:
        if self.model.selected is None:
            return
        try:
            how(self.model.selected)
        except ConfigError as exc:
            prompts.show_error(self, "Cannot restart the run", str(exc))

    # --- export ---------------------------------------------------------------------------------------------

    def export_dialog(self, suffix: str | None = None) -> QtWidgets.QDialog:
        """File → Export…: a picture of what the window shows (`view_state`); `suffix` (".mp4", ".svg", ...)
        preselects the kind of file."""
        from featlearn_gui.export.dialog import ExportDialog  # imported on demand: export pulls in imageio

        dialog = ExportDialog(self.view_state, self, current_step=lambda: self.model.step,
                              settings=self.settings.qsettings)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        if suffix is not None:
            dialog.path_edit.setText(str(Path(dialog.path_edit.text()).with_suffix(suffix)))
            if suffix == ".svg":
                dialog.figure.setCurrentText("all")
        dialog.open()
        return dialog

    def view_state(self) -> view_state.ViewState:
        """What the window shows, frozen: every run recorded so far (left to right, a run still training as far as
        it has come), the view options, the renderer, the camera and the title. Exports render this."""
        runs = tuple(Run(run.label, view_state.freeze(run.history, run.count), colour=run.colour, status="loaded")
                     for run in self.model.runs if run.count)
        camera = self.spheres.view.camera()[:2] if self.spheres.views else None
        return view_state.ViewState(runs, self.model.options, self.model.renderer, camera, title=self.model.title)

    # --- small handlers that only route to the model --------------------------------------------------------

    def _on_model_runs_changed(self, *_args) -> None:
        model, several = self.model, len(self.model.runs) > 1
        self.table.setVisible(several)
        if several:
            self.table.refresh()
        self.heading.setVisible(bool(model.title))
        self.heading.setText(f"<b style='font-size:13pt'>{model.title}</b>&nbsp;&nbsp;"
                             f"<span style='color:#444'>{model.description}</span>")
        self.setWindowTitle(f"featlearn — {model.title}" if model.title else "featlearn")
        # The teacher span tells the story of a run whose teachers do not span R^d (the three-stage presets); for
        # the others it is 1 by construction and the captured masses are the story.
        in_span = any(not spans_input_space(run.history.teacher.w) for run in model.runs)
        self.docks["span" if in_span else "captured"].raise_()

    def _on_model_run_changed(self, run: Run, name: str) -> None:
        if len(self.model.runs) > 1 and name in ("status", "label", "differences"):
            self.table.refresh(grown=False)  # a status change shows at once; the numbers follow in the next frame

    def toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def show_help(self) -> None:
        """Help → What am I looking at?: one non-modal window, brought forward when already open."""
        if self.help_dialog is None:
            self.help_dialog = HelpDialog(self.model, self)
        if self.help_dialog.isVisible():
            self.help_dialog.activateWindow()
        else:
            self.help_dialog.show()

    def show_shortcuts(self) -> None:
        rows = [(a.text().replace("&", ""), a.shortcut().toString(Key.SequenceFormat.NativeText))
                for a in self.actions() if not a.shortcut().isEmpty()]
        text = "\n".join(f"{key:>16}   {name}" for name, key in rows)
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.NoIcon, "Keyboard shortcuts", text, parent=self)
        box.setStyleSheet("QLabel { font-family: monospace; }")
        box.open()

    def _on_model_log_time_changed(self, on: bool) -> None:
        self.actions_by_key["log time"].setChecked(on)  # the transport's box may have changed it

    def _on_model_renderer_changed(self, name: str) -> None:
        self.actions_by_key[f"renderer {name}"].setChecked(True)

    @QtCore.Slot(list)
    def _on_files_recent_changed(self, paths: list) -> None:
        self.recent_menu.clear()
        for path in paths:
            self.recent_menu.addAction(path).triggered.connect(lambda _checked=False, p=path: self.files.open_path(p))
        self.recent_menu.setEnabled(bool(paths))

    @QtCore.Slot()
    def draw_frame(self) -> None:
        """One frame of the frame clock: every panel at the cursor, in one pass (the cursor cannot move meanwhile:
        messages from the training processes wait in the event loop). Panels skip what did not change."""
        self.spheres.draw()
        for panel in (*self.plots.values(), self.certificate):
            panel.draw_frame()
        if len(self.model.runs) > 1:
            self.table.refresh()
        self.transport.draw_frame()

    def flush_redraws(self) -> None:
        """Draw the frame now, without waiting for the clock (before a screenshot)."""
        self.draw_frame()

    # --- persistence and the screen -------------------------------------------------------------------------

    def fit_to_screen(self) -> None:
        """Fit the window (its restored size, or the default) into its screen's available area, with the compact
        dock arrangement where the full one does not fit (featlearn_gui.screen_fit)."""
        fit_to_screen(self)

    def fit_to_size(self, width: int, height: int) -> None:
        """Scripted runs: exactly this size, whatever the screen (compact docks if the full ones need more)."""
        fit_to_size(self, QtCore.QSize(width, height))

    def _restore_layout(self) -> None:
        geometry, layout = self.settings.window_geometry(), self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if layout is not None:
            self.restoreState(layout)

    def save_settings(self) -> None:
        self.settings.set_window(self.saveGeometry(), self.saveState())
        self.settings.set_view_options(self.model.options)
        self.settings.set_speed(self.model.speed)
        self.settings.set_log_time(self.model.log_time)
        self.settings.set_renderer(self.model.renderer)
        if self.model.selected is not None and len(self.model.runs) == 1:
            self.settings.set_last_preset(self.model.selected.preset_name)
        self.settings.sync()

    def restore_defaults(self) -> None:
        self.settings.restore_defaults()
        self.restoreState(self._default_layout)
        for dock in self.docks.values():
            dock.show()
        self.model.options = ViewOptions()
        self.model.speed = DEFAULT_SPEED
        self.model.log_time = False
        self.model.renderer = "auto"
        self.spheres.reset_camera()
        self.fit_to_screen()  # the default layout may need the compact docks on this screen
        self.statusBar().showMessage("Defaults restored", 3000)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 (Qt override)
        unsaved = [run for run in self.model.runs if run.has_unsaved_work]
        if unsaved:
            self.model.playing = False
            answer = prompts.ask_save(self)
            if answer == "cancel" or (answer == "save"
                                      and not all(self.files.save_run_dialog(run) for run in unsaved)):
                event.ignore()
                return
        if not self.model.title:  # a comparison window leaves the main window's layout and options alone
            self.save_settings()
        self.session.shutdown()
        self.recovery.close()  # closed on purpose: nothing to recover
        event.accept()
