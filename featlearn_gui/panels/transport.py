"""Playback and training controls: play/pause, step, Home/End, the history slider with exact-step entry, speed,
stop conditions, reset and new seed. Reads and writes the AppState only; keyboard shortcuts live on the window's
actions, which drive the same state.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from featlearn_gui import prompts
from featlearn_gui.state import SPEEDS, AppState

Icon = QtWidgets.QStyle.StandardPixmap


class TransportPanel(QtWidgets.QWidget):
    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        style = self.style()

        def button(icon: Icon, tip: str) -> QtWidgets.QToolButton:
            b = QtWidgets.QToolButton()
            b.setIcon(style.standardIcon(icon))
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.setIconSize(QtCore.QSize(20, 20))
            return b

        self.first_button = button(Icon.SP_MediaSkipBackward, "First snapshot (Home)")
        self.back_button = button(Icon.SP_MediaSeekBackward, "Step back through the history (←)")
        self.play_button = button(Icon.SP_MediaPlay, "Play / pause (Space)")
        self.forward_button = button(Icon.SP_MediaSeekForward, "Step forward; at the end, train one more snapshot (→)")
        self.last_button = button(Icon.SP_MediaSkipForward, "Latest snapshot (End)")
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setToolTip("Scrub through the history; training continues behind it")
        self.slider.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # arrow keys belong to the window's step actions
        self.step_box = QtWidgets.QSpinBox()
        self.step_box.setKeyboardTracking(False)
        self.step_box.setToolTip("Go to a step (the last snapshot at or before it)")
        self.step_box.setMinimumWidth(80)
        self.last_label = QtWidgets.QLabel("/ 0")
        self.last_label.setMinimumWidth(64)

        self.speed_box = QtWidgets.QComboBox()
        for speed in SPEEDS:
            self.speed_box.addItem(f"{speed} steps/frame" if speed else "max speed", speed)
        self.speed_box.setToolTip("Training steps per displayed frame (about 60 frames per second)")
        self.max_steps_box = QtWidgets.QSpinBox()
        self.max_steps_box.setRange(0, 100_000_000)
        self.max_steps_box.setSingleStep(1000)
        self.max_steps_box.setKeyboardTracking(False)
        self.max_steps_box.setToolTip("Stop training at this step (optim.steps by default)")
        self.threshold_edit = QtWidgets.QLineEdit()
        self.threshold_edit.setPlaceholderText("off")
        self.threshold_edit.setMaximumWidth(80)
        self.threshold_edit.setToolTip("Stop when the loss falls to this value (empty or 0: off)")
        self.reset_button = QtWidgets.QPushButton("Reset")
        self.reset_button.setToolTip("Restart the run from its initialization (Ctrl+R)")
        self.seed_button = QtWidgets.QPushButton("New seed")
        self.seed_button.setToolTip("Restart with seed + 1: a new initialization (Ctrl+N)")

        top = QtWidgets.QHBoxLayout()
        for b in (self.first_button, self.back_button, self.play_button, self.forward_button, self.last_button):
            top.addWidget(b)
        top.addWidget(self.slider, 1)
        top.addWidget(QtWidgets.QLabel("step"))
        top.addWidget(self.step_box)
        top.addWidget(self.last_label)
        bottom = QtWidgets.QHBoxLayout()
        bottom.addWidget(QtWidgets.QLabel("Speed"))
        bottom.addWidget(self.speed_box)
        bottom.addSpacing(16)
        bottom.addWidget(QtWidgets.QLabel("Stop at step"))
        bottom.addWidget(self.max_steps_box)
        bottom.addWidget(QtWidgets.QLabel("or loss ≤"))
        bottom.addWidget(self.threshold_edit)
        bottom.addStretch(1)
        bottom.addWidget(self.reset_button)
        bottom.addWidget(self.seed_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 4)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addLayout(bottom)

        self.first_button.clicked.connect(self._on_first_clicked)
        self.back_button.clicked.connect(self._on_back_clicked)
        self.play_button.clicked.connect(state.toggle_playing)
        self.forward_button.clicked.connect(self._on_forward_clicked)
        self.last_button.clicked.connect(self._on_last_clicked)
        self.slider.valueChanged.connect(state.set_index)
        self.step_box.valueChanged.connect(self._on_step_box_changed)
        self.speed_box.activated.connect(self._on_speed_box_activated)
        self.max_steps_box.valueChanged.connect(self._on_stop_conditions_edited)
        self.threshold_edit.editingFinished.connect(self._on_stop_conditions_edited)
        self.reset_button.clicked.connect(self._on_reset_clicked)
        self.seed_button.clicked.connect(self._on_seed_clicked)
        state.history_grew.connect(self._on_state_history_grew)
        state.index_changed.connect(self._on_state_index_changed)
        state.playing_changed.connect(self._on_state_playing_changed)
        state.speed_changed.connect(self._on_state_speed_changed)
        state.stop_conditions_changed.connect(self._on_state_stop_conditions_changed)
        self._on_state_speed_changed(state.speed)
        self._on_state_stop_conditions_changed()

    # --- user input -----------------------------------------------------------------------------------------

    def _on_first_clicked(self) -> None:
        self.state.set_index(0)

    def _on_last_clicked(self) -> None:
        self.state.set_index(self.state.count - 1)

    def _on_back_clicked(self) -> None:
        self.state.step_requested.emit(-1)

    def _on_forward_clicked(self) -> None:
        self.state.step_requested.emit(1)

    def _on_step_box_changed(self, step: int) -> None:
        if step != self.state.step:
            self.state.set_step(step)
            self._on_state_index_changed(self.state.index)  # show the recorded step actually reached

    def _on_speed_box_activated(self, row: int) -> None:
        self.state.set_speed(self.speed_box.itemData(row))

    def _on_stop_conditions_edited(self) -> None:
        text = self.threshold_edit.text().strip()
        try:
            threshold = float(text) if text else 0.0
            valid = threshold >= 0
        except ValueError:
            valid = False
        self.threshold_edit.setProperty("invalid", not valid)
        self.threshold_edit.setStyleSheet("" if valid else "border: 1px solid #d32f2f;")
        self.threshold_edit.setToolTip("Stop when the loss falls to this value (empty or 0: off)"
                                       + ("" if valid else f"\n{text!r} is not a number >= 0: not applied"))
        if valid:
            self.state.set_stop_conditions(self.max_steps_box.value(), threshold)

    def _on_reset_clicked(self) -> None:
        if not self.state.has_unsaved_run or prompts.ask_discard(self, "restart it"):
            self.state.reset_requested.emit()

    def _on_seed_clicked(self) -> None:
        if not self.state.has_unsaved_run or prompts.ask_discard(self, "start one with a new seed"):
            self.state.new_seed_requested.emit()

    # --- model events ---------------------------------------------------------------------------------------

    @QtCore.Slot(int)
    def _on_state_history_grew(self, count: int) -> None:
        history = self.state.history
        last = int(history.steps[count - 1]) if count else 0
        with QtCore.QSignalBlocker(self.slider), QtCore.QSignalBlocker(self.step_box):
            self.slider.setRange(0, max(count - 1, 0))
            self.step_box.setRange(0, last)
        self.last_label.setText(f"/ {last}")

    @QtCore.Slot(int)
    def _on_state_index_changed(self, index: int) -> None:
        with QtCore.QSignalBlocker(self.slider), QtCore.QSignalBlocker(self.step_box):
            self.slider.setValue(index)
            self.step_box.setValue(self.state.step)

    @QtCore.Slot(bool)
    def _on_state_playing_changed(self, playing: bool) -> None:
        icon = Icon.SP_MediaPause if playing else Icon.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    @QtCore.Slot(int)
    def _on_state_speed_changed(self, speed: int) -> None:
        self.speed_box.setCurrentIndex(max(self.speed_box.findData(speed), 0))

    @QtCore.Slot()
    def _on_state_stop_conditions_changed(self) -> None:
        with QtCore.QSignalBlocker(self.max_steps_box):
            self.max_steps_box.setValue(self.state.max_steps)
        threshold = self.state.loss_threshold
        self.threshold_edit.setText(f"{threshold:g}" if threshold > 0 else "")
