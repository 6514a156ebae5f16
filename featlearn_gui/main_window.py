"""The main window: assembles the model, the session, the panels, the docks, the menus and their shortcuts.

Nothing here decides anything about training or display; behaviour lives in the state, the session, the file
actions and the panels. The window only persists its layout and asks before closing over an unsaved run.
"""

from __future__ import annotations

import functools

from PySide6 import QtCore, QtGui, QtWidgets

from engine import presets
from featlearn_gui import prompts
from featlearn_gui.actions import add_action
from featlearn_gui.compare.compare_menu import CompareMenu
from featlearn_gui.files import FileActions
from featlearn_gui.panels.banner import FailureBanner
from featlearn_gui.panels.captured_panel import CapturedPanel
from featlearn_gui.panels.certificate_panel import CertificatePanel
from featlearn_gui.panels.experiment import ExperimentPanel
from featlearn_gui.panels.far_mass_panel import FarMassPanel
from featlearn_gui.panels.loss_panel import LossPanel
from featlearn_gui.panels.sphere_panel import SpherePanel
from featlearn_gui.panels.status_bar import StatusBits
from featlearn_gui.panels.transport import TransportPanel
from featlearn_gui.panels.view_options import ViewOptionsPanel
from featlearn_gui.panels.weight_decay_panel import WeightDecayPanel
from featlearn_gui.scene import ViewOptions
from featlearn_gui.session import Session
from featlearn_gui.settings import RENDERERS, Settings
from featlearn_gui.state import DEFAULT_SPEED, SPEEDS, AppState

DEFAULT_SIZE = (1600, 1000)
Area = QtCore.Qt.DockWidgetArea
Key = QtGui.QKeySequence


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, settings: Settings | None = None, renderer: str | None = None, restore: bool = True) -> None:
        super().__init__()
        self.setWindowTitle("featlearn")
        self.settings = settings or Settings()
        self.state = AppState(parent=self)
        self.session = Session(self.state, parent=self)
        self.files = FileActions(self.state, self.session, self.settings, parent=self)

        self.sphere = SpherePanel(self.state, renderer or self.settings.renderer())
        self.banner = FailureBanner(self.state)
        self.transport = TransportPanel(self.state)
        central = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addWidget(self.sphere, 1)
        column.addWidget(self.transport)
        self.setCentralWidget(central)

        self.experiment = ExperimentPanel(self.state, self.files)
        self.view_options = ViewOptionsPanel(self.state)
        self.loss = LossPanel(self.state)
        self.far_mass = FarMassPanel(self.state)
        self.captured = CapturedPanel(self.state)
        self.certificate = CertificatePanel(self.state)
        self.weight_decay = WeightDecayPanel(self.state)
        self.setCorner(QtCore.Qt.Corner.BottomLeftCorner, Area.LeftDockWidgetArea)
        self.setCorner(QtCore.Qt.Corner.BottomRightCorner, Area.RightDockWidgetArea)
        self.docks = {
            "experiment": self._dock("Experiment", self.experiment, Area.LeftDockWidgetArea),
            "view": self._dock("View", self.view_options, Area.LeftDockWidgetArea),
            "loss": self._dock("Loss and objective", self.loss, Area.RightDockWidgetArea),
            "far_mass": self._dock("Far mass and max active angle", self.far_mass, Area.RightDockWidgetArea),
            "captured": self._dock("Captured mass per teacher", self.captured, Area.RightDockWidgetArea),
            "certificate": self._dock("Certificate along the teacher path", self.certificate,
                                      Area.BottomDockWidgetArea),
            "weight_decay": self._dock("Weight decay λ", self.weight_decay, Area.BottomDockWidgetArea),
        }
        self.tabifyDockWidget(self.docks["experiment"], self.docks["view"])
        self.docks["experiment"].raise_()
        self.splitDockWidget(self.docks["certificate"], self.docks["weight_decay"], QtCore.Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["experiment"]], [330], QtCore.Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["loss"]], [470], QtCore.Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["certificate"], self.docks["weight_decay"]], [640, 300],
                         QtCore.Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["certificate"]], [250], QtCore.Qt.Orientation.Vertical)
        self.resizeDocks([self.docks[k] for k in ("loss", "far_mass", "captured")], [260, 360, 300],
                         QtCore.Qt.Orientation.Vertical)
        self.status_bits = StatusBits(self.state, self.statusBar(), lambda: self.session.device_name)
        self._build_menus()
        self.compare_menu = CompareMenu(self, renderer or self.settings.renderer())
        self.resize(*DEFAULT_SIZE)
        self._default_layout = self.saveState()

        self.state.set_speed(self.settings.speed())
        self.state.set_options(self.settings.view_options())
        if restore:
            self._restore_layout()

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
        state, files, bar = self.state, self.files, self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Open config or run…", files.open_dialog, Key.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        files.recent_changed.connect(self._on_files_recent_changed)
        self._on_files_recent_changed(self.settings.recent_files())
        file_menu.addSeparator()
        self._action(file_menu, "&Save run…", files.save_run_dialog, Key.StandardKey.Save, "Save the run (.npz)")
        self._action(file_menu, "Save &config…", files.save_config_dialog, "Ctrl+Shift+S", "Save the experiment (TOML)")
        file_menu.addSeparator()
        self._action(file_menu, "&Export…", self.export_dialog, "Ctrl+E",
                     "Animation (MP4, GIF, PNG frames), figures (PNG, SVG, PDF) or data (CSV) of the run so far")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, Key.StandardKey.Quit)

        preset_menu = bar.addMenu("&Presets")
        preset_menu.setToolTipsVisible(True)
        for name in presets.names():
            self._action(preset_menu, name, functools.partial(files.load_preset, name), tip=presets.description(name))

        run_menu = bar.addMenu("&Run")
        self.play_action = self._action(run_menu, "&Play / pause", state.toggle_playing, "Space")
        self._action(run_menu, "Step &forward", functools.partial(state.step_requested.emit, 1), "Right",
                     "Next snapshot; at the end of the history, train one more")
        self._action(run_menu, "Step &back", functools.partial(state.step_requested.emit, -1), "Left")
        self._action(run_menu, "First snapshot", functools.partial(state.set_index, 0), "Home")
        self._action(run_menu, "Latest snapshot", self._on_last_triggered, "End")
        run_menu.addSeparator()
        self._action(run_menu, "Faster", functools.partial(self._on_speed_triggered, 1), "]")
        self._action(run_menu, "Slower", functools.partial(self._on_speed_triggered, -1), "[")
        run_menu.addSeparator()
        self._action(run_menu, "&Reset", self.transport.reset_button.click, "Ctrl+R")
        self._action(run_menu, "&New seed", self.transport.seed_button.click, "Ctrl+N")

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
            action.setChecked(name == state.renderer)
            action.triggered.connect(functools.partial(state.request_renderer, name))
            group.addAction(action)
            self.renderer_actions[name] = action
        state.renderer_changed.connect(self._on_state_renderer_changed)
        self._action(view_menu, "Reset &camera", self.sphere.view.reset_camera, "Ctrl+0")
        self._action(view_menu, "&Full screen", self._on_full_screen_triggered, Key.StandardKey.FullScreen)
        view_menu.addSeparator()
        self._action(view_menu, "Restore &defaults", self.restore_defaults,
                     tip="Forget the saved layout, view options, speed and renderer")
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", self._on_shortcuts_triggered, Key.StandardKey.HelpContents)

    def export_dialog(self) -> QtWidgets.QDialog:
        """File → Export…: the run so far (a run still training exports what it has recorded)."""
        from featlearn_gui.export.dialog import ExportDialog  # imported on demand: export pulls in imageio

        dialog = ExportDialog(self._export_runs, self, current_step=self._current_step, camera=self.sphere.view.camera,
                              settings=self.settings.qsettings)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _export_runs(self) -> list:
        return [(self.state.preset_name or "run", self.state.history)]

    def _current_step(self) -> int:
        return self.state.step

    # --- small handlers that only route to the model --------------------------------------------------------

    def _on_last_triggered(self) -> None:
        self.state.set_index(self.state.count - 1)

    def _on_speed_triggered(self, direction: int) -> None:
        i = SPEEDS.index(self.state.speed) + direction
        self.state.set_speed(SPEEDS[min(max(i, 0), len(SPEEDS) - 1)])

    def _on_full_screen_triggered(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def _on_shortcuts_triggered(self) -> None:
        rows = [(a.text().replace("&", ""), a.shortcut().toString(Key.SequenceFormat.NativeText))
                for a in self.actions() if not a.shortcut().isEmpty()]
        text = "\n".join(f"{key:>14}   {name}" for name, key in rows)
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.NoIcon, "Keyboard shortcuts", text, parent=self)
        box.setStyleSheet("QLabel { font-family: monospace; }")
        box.open()

    @QtCore.Slot()
    def _on_state_renderer_changed(self) -> None:
        self.renderer_actions[self.state.renderer].setChecked(True)

    @QtCore.Slot(list)
    def _on_files_recent_changed(self, paths: list) -> None:
        self.recent_menu.clear()
        for path in paths:
            self.recent_menu.addAction(path).triggered.connect(functools.partial(self.files.open_path, path))
        self.recent_menu.setEnabled(bool(paths))

    def flush_redraws(self) -> None:
        """Draw everything that is waiting for its throttle (before a screenshot)."""
        for panel in (self.sphere, self.loss, self.far_mass, self.captured, self.certificate, self.weight_decay):
            panel.throttle.flush()

    # --- persistence ----------------------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry, layout = self.settings.window_geometry(), self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if layout is not None:
            self.restoreState(layout)

    def save_settings(self) -> None:
        self.settings.set_window(self.saveGeometry(), self.saveState())
        self.settings.set_view_options(self.state.options)
        self.settings.set_speed(self.state.speed)
        self.settings.set_renderer(self.state.renderer)
        self.settings.set_last_preset(self.state.preset_name)
        self.settings.sync()

    def restore_defaults(self) -> None:
        self.settings.restore_defaults()
        self.restoreState(self._default_layout)
        for dock in self.docks.values():
            dock.show()
        self.state.set_options(ViewOptions())
        self.state.set_speed(DEFAULT_SPEED)
        self.state.request_renderer("auto")
        self.sphere.view.reset_camera()
        self.statusBar().showMessage("Defaults restored", 3000)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if self.state.has_unsaved_run:
            self.state.set_playing(False)
            answer = prompts.ask_save(self)
            if answer == "cancel" or (answer == "save" and not self.files.save_run_dialog()):
                event.ignore()
                return
        self.save_settings()
        self.session.shutdown()
        event.accept()
