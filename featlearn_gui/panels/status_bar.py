"""Status bar bits: the step on screen, training speed, device, loss at the cursor, and why a run stopped."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from featlearn_gui.state import AppState

STATUS_COLOURS = {"failed": "#c62828", "finished": "#2e7d32", "running": "#0277bd"}


class StatusBits(QtCore.QObject):
    """Permanent labels added to a QStatusBar; the device name comes from `device_name()` of the session."""

    def __init__(self, state: AppState, bar: QtWidgets.QStatusBar, device_name) -> None:
        super().__init__(bar)
        self.state, self.bar, self._device_name = state, bar, device_name
        self.message = QtWidgets.QLabel()
        self.step = QtWidgets.QLabel()
        self.rate = QtWidgets.QLabel()
        self.device = QtWidgets.QLabel()
        self.loss = QtWidgets.QLabel()
        self.message.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addWidget(self.message, 1)
        for label, width in ((self.step, 150), (self.rate, 120), (self.device, 90), (self.loss, 150)):
            label.setMinimumWidth(width)
            bar.addPermanentWidget(label)
        state.index_changed.connect(self._on_state_index_changed)
        state.history_grew.connect(self._on_state_history_grew)
        state.throughput_changed.connect(self._on_state_throughput_changed)
        state.run_status_changed.connect(self._on_state_run_status_changed)
        state.run_replaced.connect(self._on_state_run_replaced)
        self._on_state_throughput_changed(0.0)

    @QtCore.Slot(int)
    def _on_state_index_changed(self, index: int) -> None:
        history = self.state.history
        if history is None or self.state.count == 0:
            return
        last = int(history.steps[self.state.count - 1])
        self.step.setText(f"step {self.state.step:,} / {last:,}")
        self.loss.setText(f"loss {history.snapshot(index).loss:.4g}")

    @QtCore.Slot(int)
    def _on_state_history_grew(self, count: int) -> None:
        self._on_state_index_changed(self.state.index)

    @QtCore.Slot(float)
    def _on_state_throughput_changed(self, rate: float) -> None:
        self.rate.setText(f"{rate:,.0f} steps/s" if rate > 0 else "training idle")

    @QtCore.Slot()
    def _on_state_run_replaced(self) -> None:
        self.device.setText(f"device: {self._device_name()}")

    @QtCore.Slot(str)
    def _on_state_run_status_changed(self, status: str) -> None:
        text = status + (f": {self.state.message}" if self.state.message else "")
        colour = STATUS_COLOURS.get(status, "")
        self.message.setStyleSheet(f"color: {colour};" if colour else "")
        self.message.setText(text)
