"""The main window's Compare menu: the built-in comparisons (titles, descriptions as tooltips), Open comparison…,
Save comparison… (of the comparison window last opened) and Compare with… (the experiment on screen against
presets, configs or runs). Each comparison opens in its own CompareWindow.
"""

from __future__ import annotations

import functools

from PySide6 import QtCore, QtWidgets

from engine.config import ConfigError
from featlearn_gui import comparison as comparison_mod
from featlearn_gui import prompts
from featlearn_gui.comparison import Comparison, RunEntry

COMPARISON_FILTER = "Comparison (*.toml)"


class CompareMenu(QtCore.QObject):
    """Builds the menu on `window` (a MainWindow) and keeps the comparison windows it opened."""

    def __init__(self, window: QtWidgets.QMainWindow, renderer: str = "auto") -> None:
        super().__init__(window)
        self.window, self.renderer = window, renderer
        self.windows: list[QtWidgets.QMainWindow] = []
        self.menu = QtWidgets.QMenu("&Compare", window)
        bar = window.menuBar()
        run_menu = next((a for a in bar.actions() if a.text() == "&Run"), None)
        if run_menu is not None:
            bar.insertMenu(run_menu, self.menu)  # after Presets, where the issue puts the built-in comparisons
        else:
            bar.addMenu(self.menu)
        self.menu.setToolTipsVisible(True)
        for name in comparison_mod.builtin_names():
            cmp = comparison_mod.builtin(name)
            action = self.menu.addAction(cmp.title)
            action.setToolTip(cmp.description)
            action.triggered.connect(functools.partial(self.open_builtin, name))
        self.menu.addSeparator()
        self.menu.addAction("Compare &with…").triggered.connect(self.pick_dialog)
        self.menu.addAction("Open comparison…").triggered.connect(self.open_dialog)
        self.save_action = self.menu.addAction("Save comparison…")
        self.save_action.triggered.connect(self._on_save_triggered)
        self.menu.aboutToShow.connect(self._on_menu_about_to_show)
        QtWidgets.QApplication.instance().aboutToQuit.connect(self.close_all)  # no worker outlives the app

    # --- opening --------------------------------------------------------------------------------------------

    def show(self, comparison: Comparison) -> QtWidgets.QMainWindow | None:
        from featlearn_gui.compare.compare_window import CompareWindow  # late: the main window starts faster

        try:
            win = CompareWindow(comparison, renderer=self.renderer)
        except ConfigError as exc:
            prompts.show_error(self.window, "Cannot open the comparison", str(exc))
            return None
        win.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        win.destroyed.connect(self._on_window_destroyed)
        self.windows.append(win)
        win.show()
        return win

    def open_builtin(self, name: str) -> QtWidgets.QMainWindow | None:
        return self.show(comparison_mod.builtin(name))

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, "Open a comparison", "", COMPARISON_FILTER)
        if not path:
            return
        try:
            self.show(comparison_mod.load(path))
        except ConfigError as exc:
            prompts.show_error(self.window, "Cannot open the comparison", str(exc))

    def current_entry(self) -> RunEntry | None:
        """The main window's experiment as a comparison entry, when it has a name to save: a preset or a file."""
        state = self.window.state
        if state.preset_name:
            return RunEntry(state.preset_name, preset=state.preset_name)
        if state.run_path is not None:
            return RunEntry(state.run_path.stem, run=str(state.run_path.resolve()))
        return None

    def pick_dialog(self) -> None:
        from featlearn_gui.compare.compare_picker import ComparePicker

        picker = ComparePicker(self.current_entry(), self.window)
        if picker.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.show(picker.comparison())

    # --- the windows ----------------------------------------------------------------------------------------

    def _live_windows(self) -> list:
        import shiboken6

        self.windows = [w for w in self.windows if shiboken6.isValid(w)]
        return self.windows

    @QtCore.Slot()
    def _on_menu_about_to_show(self) -> None:
        self.save_action.setEnabled(bool(self._live_windows()))

    @QtCore.Slot()
    def _on_save_triggered(self) -> None:
        windows = self._live_windows()
        if windows:
            windows[-1].save_dialog()

    @QtCore.Slot(QtCore.QObject)
    def _on_window_destroyed(self, *_args) -> None:
        self._live_windows()

    @QtCore.Slot()
    def close_all(self) -> None:
        for win in list(self._live_windows()):
            win.close()
