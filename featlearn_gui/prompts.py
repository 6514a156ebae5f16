"""Questions the app asks people, in one place so that scripted runs and tests can answer them.

`INTERACTIVE = False` (set by `featlearn-gui --quit` and by the tests) answers without a dialog: a scripted run
has nobody to ask and no work of a person's to lose. Tests replace `ask_discard` / `ask_save` with monkeypatch
to exercise both answers.
"""

from __future__ import annotations

from PySide6 import QtWidgets

INTERACTIVE = True

Button = QtWidgets.QMessageBox.StandardButton


def _ask(parent: QtWidgets.QWidget | None, title: str, text: str, buttons: dict, default) -> object:
    """A question with buttons named with keyboard mnemonics (Alt+S, Alt+D, Alt+C); the button pressed."""
    box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Question, title, text, parent=parent)
    for button, label in buttons.items():
        box.addButton(button).setText(label)
    box.setDefaultButton(default)
    box.setEscapeButton(Button.Cancel)
    box.exec()
    return box.standardButton(box.clickedButton())


def ask_discard(parent: QtWidgets.QWidget | None, what: str) -> bool:
    """May the unsaved run be discarded for `what` (e.g. "load the preset paper")?"""
    if not INTERACTIVE:
        return True
    answer = _ask(parent, "Discard the current run?", f"The run on screen is not saved. Discard it to {what}?",
                  {Button.Discard: "&Discard", Button.Cancel: "&Cancel"}, Button.Cancel)
    return answer == Button.Discard


def ask_save(parent: QtWidgets.QWidget | None) -> str:
    """Before closing with an unsaved run: "save", "discard" or "cancel"."""
    if not INTERACTIVE:
        return "discard"
    answer = _ask(parent, "Save the run?", "The run on screen is not saved. Save it before closing?",
                  {Button.Save: "&Save", Button.Discard: "&Discard", Button.Cancel: "&Cancel"}, Button.Save)
    return {Button.Save: "save", Button.Discard: "discard"}.get(answer, "cancel")


def ask_restore(parent: QtWidgets.QWidget | None, count: int) -> bool:
    """featlearn did not close cleanly last time: restore the `count` unsaved runs it kept?"""
    if not INTERACTIVE:
        return False
    answer = _ask(parent, "Restore unsaved runs?",
                  f"featlearn closed unexpectedly and kept {count} unsaved run{'s' * (count != 1)}. Restore "
                  f"{'them' if count != 1 else 'it'} in a window of {'their' if count != 1 else 'its'} own?",
                  {Button.Yes: "&Restore", Button.No: "&Discard"}, Button.Yes)
    return answer == Button.Yes


def show_error(parent: QtWidgets.QWidget | None, title: str, text: str) -> None:
    if INTERACTIVE:
        QtWidgets.QMessageBox.warning(parent, title, text)
