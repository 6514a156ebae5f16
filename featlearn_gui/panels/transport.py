"""Playback and training controls for every run of the window: play/pause, step, Home/End, a slider over the
recorded steps with exact-step entry, speed, stop conditions, and reset / new seed of the selected run.

Reads and writes the AppModel; stepping and restarting go through the Session. Keyboard shortcuts live on the
window's actions, which call the same methods.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from featlearn_gui import prompts
from featlearn_gui.model import LOG_TIME_TIP, SPEEDS, AppModel
from featlearn_gui.panels.steady_size import hold_size, hold_spin_box_size
from featlearn_gui.session import Session

Icon = QtWidgets.QStyle.StandardPixmap


WIDEST_STEP = 99_999_999  # the step box and label are sized for steps up to this (see panels.steady_size)


class TransportPanel(QtWidgets.QWidget):
    """Signals: reset_clicked(), new_seed_clicked() (the window restarts the selected run after asking)."""

    reset_clicked = QtCore.Signal()
    new_seed_clicked = QtCore.Signal()

    def __init__(self, model: AppModel, session: Session, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model, self.session = model, session
        self.first_button = self._button(Icon.SP_MediaSkipBackward, "First step (Home)", self._on_first_clicked)
        self.back_button = self._button(Icon.SP_MediaSeekBackward, "Step back through the history (←)",
                                        session.step_back)
        self.play_button = self._button(Icon.SP_MediaPlay, "Play / pause (Space)", model.toggle_playing)
        self.forward_button = self._button(Icon.SP_MediaSeekForward,
                                           "Step forward; at the end, train one more snapshot (→)",
                                           session.step_forward)
        self.last_button = self._button(Icon.SP_MediaSkipForward, "Latest step (End)", model.follow)
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setToolTip("Scrub through the history; training continues behind it")
        self.slider.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # arrow keys belong to the window's step actions
        self.step_box = QtWidgets.QSpinBox()
        self.step_box.setKeyboardTracking(False)
        self.step_box.setToolTip("Go to a step (each run shows its last snapshot at or before it)")
        self.step_box.setMinimumWidth(80)
        hold_spin_box_size(self.step_box, WIDEST_STEP)  # the range grows every frame while training
        self.last_label = QtWidgets.QLabel("/ 0")
        self.last_label.setMinimumWidth(64)
        hold_size(self.last_label, f"/ {WIDEST_STEP}")
        self.speed_box = QtWidgets.QComboBox()
        for speed in SPEEDS:
            self.speed_box.addItem(f"{speed:,} steps/s" if speed else "max speed", speed)
        self.speed_box.setToolTip("Training steps per second of playback; max speed trains as fast as it can")
        self.log_box = QtWidgets.QCheckBox("log")
        self.log_box.setToolTip(f"Log time (L). {LOG_TIME_TIP}")
        self.max_steps_box = QtWidgets.QSpinBox()
        self.max_steps_box.setRange(0, 100_000_000)
        self.max_steps_box.setSingleStep(1000)
        self.max_steps_box.setKeyboardTracking(False)
        self.max_steps_box.setToolTip("Stop training at this step (each run's optim.steps by default)")
        self.threshold_edit = QtWidgets.QLineEdit()
        self.threshold_edit.setPlaceholderText("off")
        self.threshold_edit.setMaximumWidth(80)
        self.threshold_edit.setToolTip("Stop when the loss falls to this value (empty or 0: off)")
        self.reset_button = QtWidgets.QPushButton("Reset")
        self.reset_button.setToolTip("Restart the selected run from its initialization (Ctrl+R)")
        self.seed_button = QtWidgets.QPushButton("New seed")
        self.seed_button.setToolTip("Restart the selected run with seed + 1: a new initialization (Ctrl+N)")
        self._icon = Icon.SP_MediaPlay
        self._lay_out()
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.step_box.valueChanged.connect(self._on_step_box_changed)
        self.speed_box.activated.connect(self._on_speed_box_activated)
        self.log_box.toggled.connect(self._on_log_box_toggled)
        self.max_steps_box.valueChanged.connect(self._on_stop_conditions_edited)
        self.threshold_edit.editingFinished.connect(self._on_stop_conditions_edited)
        self.reset_button.clicked.connect(self._on_reset_clicked)
        self.seed_button.clicked.connect(self._on_seed_clicked)
        # Any change of the model marks the transport stale; the frame clock redraws it (`draw_frame`) with the
        # other panels, so the slider shows the step the spheres show.
        self._stale = True
        for signal in (model.events, model.run_changed, model.runs_changed):
            signal.connect(self._on_model_changed)
        self._sync()

    def _button(self, icon: Icon, tip: str, slot) -> QtWidgets.QToolButton:
        b = QtWidgets.QToolButton()
        b.setIcon(self.style().standardIcon(icon))
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.setIconSize(QtCore.QSize(20, 20))
        b.clicked.connect(slot)
        return b

    def _lay_out(self) -> None:
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
        bottom.addWidget(self.log_box)
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

    # --- user input -----------------------------------------------------------------------------------------

    def _on_first_clicked(self) -> None:
        self.model.set_step(0)

    def _on_slider_value_changed(self, value: int) -> None:
        self.model.set_step(value)
        self._sync()  # the slider and the box snap to the recorded step at once

    def _on_step_box_changed(self, step: int) -> None:
        if step != self.model.step:
            self.model.set_step(step)
        self._sync()

    def _on_speed_box_activated(self, row: int) -> None:
        self.model.speed = self.speed_box.itemData(row)

    def _on_log_box_toggled(self, on: bool) -> None:
        self.model.log_time = on

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
            selected = self.model.selected
            steps = self.max_steps_box.value()
            own = selected is not None and self.model.max_steps is None and steps == selected.config.optim.steps
            self.model.max_steps = None if own else steps
            self.model.loss_threshold = threshold

    def _on_reset_clicked(self) -> None:
        self._restart_selected("restart it", self.reset_clicked)

    def _on_seed_clicked(self) -> None:
        self._restart_selected("start one with a new seed", self.new_seed_clicked)

    def _restart_selected(self, what: str, signal) -> None:
        run = self.model.selected
        if run is not None and (not run.has_unsaved_work or prompts.ask_discard(self, what)):
            signal.emit()

    # --- model events ---------------------------------------------------------------------------------------

    def _on_model_changed(self, *_args) -> None:
        self._stale = True

    def draw_frame(self) -> None:
        if self._stale:
            self._sync()

    @property
    def drawn_step(self) -> int:
        """The step the slider shows."""
        return self.slider.value()

    def _sync(self, *_args) -> None:
        self._stale = False
        model = self.model
        last, every = model.last_step, model.record_every
        with QtCore.QSignalBlocker(self.slider), QtCore.QSignalBlocker(self.step_box):
            self.slider.setRange(0, last)
            self.slider.setSingleStep(every)
            self.slider.setPageStep(10 * every)
            self.slider.setValue(model.step)
            self.step_box.setRange(0, last)
            if not self.step_box.hasFocus():  # the person may be typing a step
                self.step_box.setValue(model.step)
        self.last_label.setText(f"/ {last}")
        icon = Icon.SP_MediaPause if model.playing else Icon.SP_MediaPlay
        if icon != self._icon:
            self._icon = icon
            self.play_button.setIcon(self.style().standardIcon(icon))
        self.speed_box.setCurrentIndex(max(self.speed_box.findData(model.speed), 0))
        with QtCore.QSignalBlocker(self.log_box):
            self.log_box.setChecked(model.log_time)
        steps = model.max_steps if model.max_steps is not None else (model.config.optim.steps if model.config else 0)
        if not self.max_steps_box.hasFocus():
            with QtCore.QSignalBlocker(self.max_steps_box):
                self.max_steps_box.setValue(steps)
        if not self.threshold_edit.hasFocus() and not self.threshold_edit.property("invalid"):
            self.threshold_edit.setText(f"{model.loss_threshold:g}" if model.loss_threshold > 0 else "")
