"""A dismissible message above the sphere when a run fails: divergence or a device error, naming the step.

Not a modal dialog: the history stays browsable underneath, and nothing waits on the person.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from featlearn_gui.state import AppState


class FailureBanner(QtWidgets.QFrame):
    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setStyleSheet("FailureBanner { background: #fdecea; border: 1px solid #d32f2f; border-radius: 3px; }"
                           "QLabel { color: #611a15; }")
        self.label = QtWidgets.QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QtWidgets.QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        close.clicked.connect(self.hide)
        state.run_status_changed.connect(self._on_state_run_status_changed)
        self.hide()

    @QtCore.Slot(str)
    def _on_state_run_status_changed(self, status: str) -> None:
        if status == "failed":
            self.label.setText(f"<b>The run stopped.</b> {self.state.message}. The history up to there stays "
                               "browsable; change the experiment or press Reset.")
            self.show()
        else:
            self.hide()
