"""The one app object: the settings, the windows (main windows, comparisons, phase diagrams), the recovery prompt,
and the one channel through which the app tells people about errors and asks them questions.

Someone at the screen (`interactive`) gets a dialog that does not block the event loop; a scripted run
(`featlearn-gui ... --quit`, the tests) has nobody to ask: an error is one line on stderr and sets the exit code
(2 for input, 3 for a diverged run), questions take their safe answer (discard a scripted run's work, restore
nothing), and confirmations go to stdout.

    app = App(settings, interactive=False)
    window = app.new_window(renderer="projected")
"""

from __future__ import annotations

import sys

from PySide6 import QtCore, QtWidgets

from featlearn_gui.exit_codes import EXIT_INVALID
from featlearn_gui.settings import Settings

Button = QtWidgets.QMessageBox.StandardButton
PROG = "featlearn-gui"


class App(QtCore.QObject):
    """Owns the settings, the windows and the error reporter (see the module docstring).

    Signals
    -------
    error_reported(str, str) : (title, text) of every error reported, dialog or stderr alike.
    """

    error_reported = QtCore.Signal(str, str)
    _current: App | None = None  # the app this process runs: like QApplication.instance(), there is one

    def __init__(self, settings: Settings | None = None, interactive: bool = True) -> None:
        qapp = QtWidgets.QApplication.instance()
        super().__init__(qapp)
        self.settings = settings or Settings()
        self.interactive = interactive
        self.exit_code = 0
        self.windows: list[QtWidgets.QMainWindow] = []  # main windows: the first one, comparisons, sweep cells
        self.phase_windows: list[QtWidgets.QMainWindow] = []
        self._boxes: list[QtWidgets.QMessageBox] = []  # messages on screen
        App._current = self
        if qapp is not None:
            qapp.aboutToQuit.connect(self.close_all)  # no worker outlives the app

    @classmethod
    def instance(cls) -> App:
        """The app of this process (one made on first use, interactive, when nothing made one)."""
        if cls._current is None:
            cls._current = App()
        return cls._current

    # --- windows ----------------------------------------------------------------------------------------------

    def new_window(self, renderer: str | None = None, restore: bool = True):
        """A main window of this app (not shown yet), kept until it is destroyed."""
        from featlearn_gui.main_window import MainWindow

        window = MainWindow(self.settings, renderer=renderer, restore=restore, app=self)
        return window

    def add_window(self, window: QtWidgets.QMainWindow, phase: bool = False) -> None:
        kept = self.phase_windows if phase else self.windows
        if window not in kept:
            kept.append(window)
            window.destroyed.connect(self._on_window_destroyed)

    def live_windows(self, phase: bool = False) -> list:
        import shiboken6

        kept = self.phase_windows if phase else self.windows
        kept[:] = [w for w in kept if shiboken6.isValid(w)]
        return list(kept)

    @QtCore.Slot(QtCore.QObject)
    def _on_window_destroyed(self, *_args) -> None:
        self.live_windows()
        self.live_windows(phase=True)

    @QtCore.Slot()
    def close_all(self) -> None:
        """Close every phase diagram and main window (each asks about its unsaved work, unless scripted)."""
        for window in self.live_windows(phase=True) + self.live_windows():
            window.close()

    # --- telling and asking -----------------------------------------------------------------------------------

    def report(self, parent: QtWidgets.QWidget | None, title: str, text: str, code: int = EXIT_INVALID) -> None:
        """An error: a dialog for someone at the screen; when scripted, one line on stderr and exit code `code`."""
        self.error_reported.emit(title, text)
        if self.interactive:
            self._show(QtWidgets.QMessageBox.Icon.Warning, title, text, parent)
            return
        print(f"{PROG}: {' '.join(text.split())}", file=sys.stderr)
        self.exit_code = self.exit_code or code

    def inform(self, parent: QtWidgets.QWidget | None, title: str, text: str) -> None:
        """A confirmation (e.g. where an export went): a dialog that does not block, or one line on stdout."""
        if self.interactive:
            self._show(QtWidgets.QMessageBox.Icon.Information, title, text, parent)
            return
        print(f"{PROG}: {' '.join(text.split())}")

    def _show(self, icon, title: str, text: str, parent: QtWidgets.QWidget | None) -> None:
        box = QtWidgets.QMessageBox(icon, title, text, Button.Ok, parent)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        self._boxes.append(box)  # a box without a parent lives only as long as someone holds it
        box.finished.connect(lambda _result, shown=box: self._boxes.remove(shown))
        box.open()  # not exec(): the event loop (and any training) keeps running

    def ask(self, parent: QtWidgets.QWidget | None, title: str, text: str, buttons: dict, default,
            scripted_answer) -> object:
        """A question with buttons named with keyboard mnemonics (Alt+S, Alt+D, Alt+C): the button pressed; a
        scripted run has nobody to ask and takes `scripted_answer`."""
        if not self.interactive:
            return scripted_answer
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Question, title, text, parent=parent)
        for button, label in buttons.items():
            box.addButton(button).setText(label)
        box.setDefaultButton(default)
        box.setEscapeButton(Button.Cancel)
        box.exec()
        return box.standardButton(box.clickedButton())

    # --- the recovery prompt ----------------------------------------------------------------------------------

    def offer_recovery(self, parent: QtWidgets.QWidget | None = None):
        """Runs kept by a featlearn that crashed or was killed: offered once, in a window of their own (returned)."""
        from featlearn_gui import prompts, recovery

        kept = recovery.leftover_runs()
        restored = None
        if kept and prompts.ask_restore(parent, len(kept)):
            restored = self.new_window(restore=False)
            restored.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
            if restored.restore_runs(kept):
                restored.fit_to_screen()
                restored.show()
                recovery.hand_over(kept, restored.recovery)  # the old copies go once the new ones exist
                return restored
            restored.close()
            restored = None
        recovery.discard(kept)
        return restored
