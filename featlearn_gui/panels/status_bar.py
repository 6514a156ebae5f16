"""Status bar bits: the step on screen, training speed, the selected run's device and loss, and why it stopped."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from featlearn_gui.model import AppModel, Run
from featlearn_gui.panels.steady_size import hold_size

STATUS_COLOURS = {"failed": "#c62828", "finished": "#2e7d32", "running": "#0277bd"}


class StatusBits(QtCore.QObject):
    """Permanent labels added to a QStatusBar."""

    def __init__(self, model: AppModel, bar: QtWidgets.QStatusBar) -> None:
        super().__init__(bar)
        self.model, self.bar = model, bar
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
        # The step, rate and loss change with every frame: sized once, they do not re-lay out the window each time.
        hold_size(self.step, "step 99,999,999 / 99,999,999")
        hold_size(self.rate, "9,999,999 steps/s", "training idle")
        hold_size(self.loss, "loss -8.888e-888")
        model.events.step.connect(self._on_model_cursor_changed)
        model.events.selected.connect(self._on_model_selected_changed)
        model.events.throughput.connect(self._on_model_throughput_changed)
        model.run_changed.connect(self._on_model_run_changed)
        self._on_model_throughput_changed(0.0)
        self._on_model_selected_changed()

    def _on_model_cursor_changed(self, *_args) -> None:
        run = self.model.selected
        if run is None or run.count == 0:
            return
        self.step.setText(f"step {self.model.step:,} / {self.model.last_step:,}")
        self.loss.setText(f"loss {run.history.snapshot(run.index_at(self.model.step)).loss:.4g}")

    def _on_model_throughput_changed(self, rate: float) -> None:
        self.rate.setText(f"{rate:,.0f} steps/s" if rate > 0 else "training idle")

    def _on_model_run_changed(self, run: Run, name: str) -> None:
        if run is self.model.selected and name in ("status", "message", "label"):
            self._show_status(run)
        if run is self.model.selected and name == "device":  # the training process says so once it is set up
            self.device.setText(f"device: {run.device or 'cpu'}")
        if name == "count":
            self._on_model_cursor_changed()

    def _on_model_selected_changed(self, *_args) -> None:
        run = self.model.selected
        if run is not None:
            self.device.setText(f"device: {run.device or 'cpu'}")
            self._show_status(run)
        self._on_model_cursor_changed()

    def _show_status(self, run: Run) -> None:
        prefix = f"{run.label}: " if len(self.model.runs) > 1 else ""
        text = prefix + run.status + (f": {run.message}" if run.message else "")
        colour = STATUS_COLOURS.get(run.status, "")
        self.message.setStyleSheet(f"color: {colour};" if colour else "")
        self.message.setText(text)
