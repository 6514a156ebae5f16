"""Questions the app asks people, in one place so that scripted runs and tests can answer them.

`INTERACTIVE = False` (set by `featlearn-gui --quit` and by the tests) answers without a dialog: a scripted run
has nobody to ask and no work of a person's to lose. Tests replace `ask_discard` / `ask_save` with monkeypatch
to exercise both answers.
"""

from __future__ import annotations

from PySide6 import QtWidgets

INTERACTIVE = True

Button = QtWidgets.QMessageBox.StandardButton


def ask_discard(parent: QtWidgets.QWidget | None, what: str) -> bool:
    """May the unsaved run be discarded for `what` (e.g. "load the preset paper")?"""
    if not INTERACTIVE:
        return True
    answer = QtWidgets.QMessageBox.question(
        parent,
        "Discard the current run?",
        f"The run on screen is not saved. Discard it to {what}?",
        Button.Discard | Button.Cancel,
        Button.Cancel,
    )
    return answer == Button.Discard


def ask_save(parent: QtWidgets.QWidget | None) -> str:
    """Before closing with an unsaved run: "save", "discard" or "cancel"."""
    if not INTERACTIVE:
        return "discard"
    answer = QtWidgets.QMessageBox.question(
        parent,
        "Save the run?",
        "The run on screen is not saved. Save it before closing?",
        Button.Save | Button.Discard | Button.Cancel,
        Button.Save,
    )
    return {Button.Save: "save", Button.Discard: "discard"}.get(answer, "cancel")


def show_error(parent: QtWidgets.QWidget | None, title: str, text: str) -> None:
    if INTERACTIVE:
        QtWidgets.QMessageBox.warning(parent, title, text)
