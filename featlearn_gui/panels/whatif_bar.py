"""A strip above a run's sphere while one of its teachers is moved by hand: what the certificate says, and, once
the teacher is dropped, what to do with it (run from step 0, branch the current students, or put it back)."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

CERTIFIED_STYLE = "QFrame { background: #e8f5e9; border: 1px solid #2e7d32; border-radius: 3px; }"
NOT_CERTIFIED_STYLE = "QFrame { background: #fff3e0; border: 1px solid #e65100; border-radius: 3px; }"
REFUSED_STYLE = "QFrame { background: #fdecea; border: 1px solid #d32f2f; border-radius: 3px; }"
ACTIONS = ("run", "branch", "cancel")


class WhatIfBar(QtWidgets.QFrame):
    """Signals: chosen(str): "run", "branch" or "cancel"."""

    chosen = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAutoFillBackground(True)
        self.label = QtWidgets.QLabel()
        self.label.setWordWrap(True)
        self.label.setStyleSheet("QLabel { border: none; }")
        self.buttons = {
            "run": QtWidgets.QPushButton("Run with this teacher"),
            "branch": QtWidgets.QPushButton("Branch with this teacher"),
            "cancel": QtWidgets.QPushButton("Put it back"),
        }
        self.buttons["run"].setToolTip("A new run beside this one, from step 0, against the moved teacher")
        self.buttons["branch"].setToolTip("A branch of this run at the step on screen: its students go on against "
                                          "the moved teacher")
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(8, 3, 4, 3)
        row.addWidget(self.label, 1)
        for name in ACTIONS:
            self.buttons[name].clicked.connect(lambda _checked=False, n=name: self.chosen.emit(n))
            row.addWidget(self.buttons[name])
        self.hide()

    def show_verdict(self, text: str, certified: bool, refused: bool, released: bool) -> None:
        """While dragging only the verdict; once released the choices too (a refused position only goes back)."""
        self.label.setText(text)
        self.setStyleSheet(REFUSED_STYLE if refused else CERTIFIED_STYLE if certified else NOT_CERTIFIED_STYLE)
        for name in ("run", "branch"):
            self.buttons[name].setVisible(released)
            self.buttons[name].setEnabled(not refused)
        self.buttons["cancel"].setVisible(released)
        host = self.parentWidget()
        if host is not None:  # across the top of the sphere it floats over
            self.setFixedWidth(max(host.width() - 8, 100))
            self.adjustSize()
            self.move(4, 4)
        self.show()
        self.raise_()
