"""The main window: assembles the model of N runs, the session, the panels, the docks, the menus and shortcuts.

One window shows N runs: their spheres side by side with a shared camera, one curve per run in every plot, the
selected run in the Experiment and certificate panels, and a table of final metrics when N > 1. With one run it
is the single-run app. Nothing here decides anything about training or display: behaviour lives in the model, the
session, the file actions and the panels. The window only persists its layout and asks before closing over
unsaved work.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from engine import presets
from engine.config import ConfigError
from featlearn_gui import prompts
from featlearn_gui.actions import add_action
from featlearn_gui.comparisons.file import Comparison, RunEntry
from featlearn_gui.comparisons.menu import CompareMenu
from featlearn_gui.files import FileActions
from featlearn_gui.guide import add_help_actions
from featlearn_gui.model import DEFAULT_SPEED, SPEEDS, AppModel, Run
from featlearn_gui.palette import RENDERERS
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
from featlearn_gui.session import Session
from featlearn_gui.settings import Settings
from featlearn_gui.sweep.sweep_menu import SweepMenu
from featlearn_gui.throttle import Throttle

DEFAULT_SIZE = (1600, 1000)
MINIMUM_SIZE = (960, 600)
TABLE_MS = 500  # the metrics table recomputes its numbers at most twice a second
# Whole paths make a comparison's contrast: feature-learning neurons travel onto the teachers, lazy ones stay put.
COMPARISON_OPTIONS = {"trails": True, "trail_length": 1_000_000}
Area = QtCore.Qt.DockWidgetArea
Key = QtGui.QKeySequence


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, settings: Settings | None = None, renderer: str | None = None, restore: bool = True) -> None:
        super().__init__()
        self.setWindowTitle("featlearn")
        self.settings = settings or Settings()
        self.model = AppModel()
        self.session = Session(self.model, parent=self)
        governor = self.session.governor
        self.files = FileActions(self.model, self.session, self.settings, parent=self)

        self.heading = QtWidgets.QLabel()
        self.heading.setWordWrap(True)
        self.heading.setContentsMargins(8, 4, 8, 0)
        self.spheres = SpheresPanel(self.model, self.session, renderer or self.settings.renderer())
        self.table = MetricsTable(self.model)
        self._table_throttle = Throttle(TABLE_MS, self.table.refresh, self.table, governor=governor)
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
        self.plots = {name: TimePlotPanel(self.model, keys, governor) for name, _title, keys in DOCKS}
        self.certificate = CertificatePanel(self.model, governor)
        self._build_docks()
        self.status_bits = StatusBits(self.model, self.statusBar())
        self.recovery = RecoveryKeeper(self.model, self)
        self.recovery.failed.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self._build_menus()
        self.compare_menu = CompareMenu(self)
        self.sweep_menu = SweepMenu(self, self.menuBar().actions()[0].menu(), self.sweep_anchor)
        self.resize(*DEFAULT_SIZE)
        self.setMinimumSize(*MINIMUM_SIZE)  # smaller squashes the docks, and the saved layout with them
        self._default_layout = self.saveState()

        self.transport.reset_clicked.connect(self._on_transport_reset_clicked)
        self.transport.new_seed_clicked.connect(self._on_transport_new_seed_clicked)
        self.model.runs.events.connect(self._on_model_runs_changed)
        self.model.run_changed.connect(self._on_model_run_changed)
        self.model.events.title.connect(self._on_model_runs_changed)
        self.model.speed = self.settings.speed()
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

    def _action(self, menu: QtWidgets.QMenu, text: str, slot, shortcut=None, tip: str = "") -> QtGui.QAction:
        return add_action(self, menu, text, slot, shortcut, tip)

    def _build_menus(self) -> None:
        model, session, files, bar = self.model, self.session, self.files, self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Open config or run…", files.open_dialog, Key.StandardKey.Open,
                     "Open a config (.toml) or a run (.npz) in place of the selected run")
        self.recent_menu = file_menu.addMenu("Open &recent")
        files.recent_changed.connect(self._on_files_recent_changed)
        self._on_files_recent_changed(self.settings.recent_files())
        file_menu.addSeparator()
        self._action(file_menu, "&Save run…", files.save_run_dialog, Key.StandardKey.Save,
                     "Save the selected run (.npz)")
        self._action(file_menu, "Save &config…", files.save_config_dialog, "Ctrl+Shift+S", "Save the experiment (TOML)")
        file_menu.addSeparator()
        self._action(file_menu, "&Export…", self.export_dialog, "Ctrl+E",
                     "Animation (MP4, GIF, PNG frames), figures (PNG, SVG, PDF) or data (CSV) of the runs so far")
        file_menu.addSeparator()
        self.sweep_anchor = self._action(file_menu, "&Close window", self.close, Key.StandardKey.Close)
        self._action(file_menu, "&Quit", QtWidgets.QApplication.closeAllWindows, Key.StandardKey.Quit)

        preset_menu = bar.addMenu("&Presets")
        preset_menu.setToolTipsVisible(True)
        for name in presets.names():
            self._action(preset_menu, name, functools.partial(files.load_preset, name), tip=presets.description(name))

        run_menu = bar.addMenu("&Run")
        self.play_action = self._action(run_menu, "&Play / pause", model.toggle_playing, "Space")
        self._action(run_menu, "Step &forward", session.step_forward, "Right",
                     "Next recorded step; at the end of the history, train one more snapshot")
        self._action(run_menu, "Step &back", session.step_back, "Left")
        self._action(run_menu, "First step", functools.partial(model.set_step, 0), "Home")
        self._action(run_menu, "Latest step", model.follow, "End")
        run_menu.addSeparator()
        self._action(run_menu, "Faster", functools.partial(self._on_speed_triggered, 1), "]")
        self._action(run_menu, "Slower", functools.partial(self._on_speed_triggered, -1), "[")
        run_menu.addSeparator()
        self._action(run_menu, "&Reset", self.transport.reset_button.click, "Ctrl+R")
        self._action(run_menu, "&New seed", self.transport.seed_button.click, "Ctrl+N")
        run_menu.addSeparator()
        self._action(run_menu, "Select next run", functools.partial(self._on_select_triggered, 1), "Ctrl+Tab")
        self._action(run_menu, "Rename run…", self.rename_selected, "F2")
        self._action(run_menu, "Move run left", functools.partial(self.move_selected, -1), "Ctrl+Shift+Left")
        self._action(run_menu, "Move run right", functools.partial(self.move_selected, 1), "Ctrl+Shift+Right")
        self._action(run_menu, "Remove run", self.remove_selected, "Ctrl+Shift+W",
                     "Remove the selected run from this window (the others stay)")

        view_menu = bar.addMenu("&View")
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        renderer_menu = view_menu.addMenu("Renderer")
        group = QtGui.QActionGroup(self)
        self.renderer_actions = {}
        for name in RENDERERS:
            action = renderer_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name == model.renderer)
            action.triggered.connect(functools.partial(setattr, model, "renderer", name))
            group.addAction(action)
            self.renderer_actions[name] = action
        model.events.renderer.connect(self._on_model_renderer_changed)
        self._action(view_menu, "Reset &camera", self.spheres.reset_camera, "Ctrl+0")
        self._action(view_menu, "&Full screen", self._on_full_screen_triggered, Key.StandardKey.FullScreen)
        view_menu.addSeparator()
        self._action(view_menu, "Restore &defaults", self.restore_defaults,
                     tip="Forget the saved layout, view options, speed and renderer")
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", self._on_shortcuts_triggered, Key.StandardKey.HelpContents)
        add_help_actions(self, help_menu)  # What am I looking at? and the guided tour

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
        self.model.options = dataclasses.replace(self.model.options, **COMPARISON_OPTIONS, **comparison.view)
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

    def _on_select_triggered(self, delta: int) -> None:
        runs, run = self.model.runs, self.model.selected
        if len(runs) > 1 and run is not None:
            self.model.selected = runs[(runs.index(run) + delta) % len(runs)]

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
        """File → Export…: every run so far, side by side (a run still training exports what it has recorded);
        `suffix` (".mp4", ".svg", ...) preselects the kind of file."""
        from featlearn_gui.export.dialog import ExportDialog  # imported on demand: export pulls in imageio

        camera = self.spheres.view.camera if self.spheres.view is not None else None
        dialog = ExportDialog(self.export_runs, self, current_step=lambda: self.model.step, camera=camera,
                              settings=self.settings.qsettings)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        if suffix is not None:
            name = (self.model.title or "run").lower().replace(" ", "-")
            current = Path(dialog.path_edit.text() or name)
            dialog.path_edit.setText(str(current.with_name(current.stem or name).with_suffix(suffix)))
            if suffix == ".svg":
                dialog.figure.setCurrentText("all")
        dialog.open()
        return dialog

    def export_runs(self) -> list[tuple[str, object]]:
        """(label, RunHistory) of every run, left to right: what an export shows side by side."""
        return [(run.label, run.history) for run in self.model.runs if run.count]

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

    def _on_model_run_changed(self, run: Run, name: str) -> None:
        if len(self.model.runs) > 1:
            if name == "count":
                self._table_throttle.request()
            elif name in ("status", "label", "differences"):
                self.table.refresh(grown=False)  # a status change shows at once; the numbers follow at 2 Hz

    def _on_speed_triggered(self, direction: int) -> None:
        i = SPEEDS.index(self.model.speed) + direction
        self.model.speed = SPEEDS[min(max(i, 0), len(SPEEDS) - 1)]

    def _on_full_screen_triggered(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def _on_shortcuts_triggered(self) -> None:
        rows = [(a.text().replace("&", ""), a.shortcut().toString(Key.SequenceFormat.NativeText))
                for a in self.actions() if not a.shortcut().isEmpty()]
        text = "\n".join(f"{key:>16}   {name}" for name, key in rows)
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.NoIcon, "Keyboard shortcuts", text, parent=self)
        box.setStyleSheet("QLabel { font-family: monospace; }")
        box.open()

    def _on_model_renderer_changed(self, name: str) -> None:
        self.renderer_actions[name].setChecked(True)

    @QtCore.Slot(list)
    def _on_files_recent_changed(self, paths: list) -> None:
        self.recent_menu.clear()
        for path in paths:
            self.recent_menu.addAction(path).triggered.connect(functools.partial(self.files.open_path, path))
        self.recent_menu.setEnabled(bool(paths))

    def flush_redraws(self) -> None:
        """Draw everything that is waiting for its throttle (before a screenshot)."""
        self.spheres.flush()
        for panel in (*self.plots.values(), self.certificate):
            panel.throttle.flush()
        if len(self.model.runs) > 1:
            self.table.refresh()

    # --- persistence ----------------------------------------------------------------------------------------

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
        self.model.renderer = "auto"
        self.spheres.reset_camera()
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
