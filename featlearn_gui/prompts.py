"""What the app says to people and asks them, through the one app object (featlearn_gui.application.App): a
dialog when someone is at the screen, one line on stderr and an exit code when the run is scripted.

Panels and file actions call these functions with the widget the dialog belongs to; whether anyone is there to
answer is the app's to know (`App.interactive`), not theirs. Tests replace `ask_discard` / `ask_save` with
monkeypatch to exercise both answers.
"""

from __future__ import annotations

from PySide6 import QtWidgets

from featlearn_gui.exit_codes import EXIT_INVALID

Button = QtWidgets.QMessageBox.StandardButton


def _app():
    from featlearn_gui.application import App

    return App.instance()


def ask_discard(parent: QtWidgets.QWidget | None, what: str) -> bool:
    """May the unsaved run be discarded for `what` (e.g. "load the preset paper")? Scripted: yes."""
    answer = _app().ask(parent, "Discard the current run?", f"The run on screen is not saved. Discard it to {what}?",
                        {Button.Discard: "&Discard", Button.Cancel: "&Cancel"}, Button.Cancel, Button.Discard)
    return answer == Button.Discard


def ask_save(parent: QtWidgets.QWidget | None) -> str:
    """Before closing with an unsaved run: "save", "discard" or "cancel". Scripted: discard (nobody's work)."""
    answer = _app().ask(parent, "Save the run?", "The run on screen is not saved. Save it before closing?",
                        {Button.Save: "&Save", Button.Discard: "&Discard", Button.Cancel: "&Cancel"}, Button.Save,
                        Button.Discard)
    return {Button.Save: "save", Button.Discard: "discard"}.get(answer, "cancel")


def ask_restore(parent: QtWidgets.QWidget | None, count: int) -> bool:
    """featlearn did not close cleanly last time: restore the `count` unsaved runs it kept? Scripted: no."""
    answer = _app().ask(parent, "Restore unsaved runs?",
                        f"featlearn closed unexpectedly and kept {count} unsaved run{'s' * (count != 1)}. Restore "
                        f"{'them' if count != 1 else 'it'} in a window of {'their' if count != 1 else 'its'} own?",
                        {Button.Yes: "&Restore", Button.No: "&Discard"}, Button.Yes, Button.No)
    return answer == Button.Yes


def show_error(parent: QtWidgets.QWidget | None, title: str, text: str, code: int = EXIT_INVALID) -> None:
    """An error for the person (a dialog), or for the script (one line on stderr, exit code `code`)."""
    _app().report(parent, title, text, code)


def confirm(parent: QtWidgets.QWidget | None, title: str, text: str) -> None:
    """A confirmation, e.g. where an export went (a dialog that does not block, or a line on stdout)."""
    _app().inform(parent, title, text)
