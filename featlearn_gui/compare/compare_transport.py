"""The comparison's one transport: play/pause, step, Home/End, a slider over steps and the speed, shared by every
run. Keyboard shortcuts live on the window's actions, which call the same methods.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from featlearn_gui.compare.compare_session import CompareSession
from featlearn_gui.state import SPEEDS

Icon = QtWidgets.QStyle.StandardPixmap


class CompareTransport(QtWidgets.QWidget):
    def __init__(self, session: CompareSession, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.state = session, session.state
        state = self.state
        self.first_button = self._button(Icon.SP_MediaSkipBackward, "First step (Home)", self._on_first_clicked)
        self.back_button = self._button(Icon.SP_MediaSeekBackward, "Previous recorded step (←)", session.step_back)
        self.play_button = self._button(Icon.SP_MediaPlay, "Play / pause every run (Space)", state.toggle_playing)
        self.forward_button = self._button(Icon.SP_MediaSeekForward,
                                           "Next recorded step; at the end, train every run one more snapshot (→)",
                                           session.step_forward)
        self.last_button = self._button(Icon.SP_MediaSkipForward, "Latest step all runs reached (End)", state.follow)
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setToolTip("Scrub every run to the same step; training continues behind it")
        self.slider.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # arrow keys belong to the window's actions
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.step_label = QtWidgets.QLabel()
        self.step_label.setMinimumWidth(150)
        self.speed_box = QtWidgets.QComboBox()
        for speed in SPEEDS:
            self.speed_box.addItem(f"{speed} steps/frame" if speed else "max speed", speed)
        self.speed_box.setToolTip("Training steps per frame for every run (about 60 frames per second)")
        self.speed_box.setCurrentIndex(SPEEDS.index(state.speed))
        self.speed_box.currentIndexChanged.connect(self._on_speed_box_changed)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        for b in (self.first_button, self.back_button, self.play_button, self.forward_button, self.last_button):
            row.addWidget(b)
        row.addWidget(self.slider, 1)
        row.addWidget(self.step_label)
        row.addWidget(QtWidgets.QLabel("Speed"))
        row.addWidget(self.speed_box)
        state.step_changed.connect(self._on_state_changed)
        state.runs_changed.connect(self._on_state_changed)
        state.playing_changed.connect(self._on_state_playing_changed)
        state.speed_changed.connect(self._on_state_speed_changed)
        self._on_state_changed()

    def _button(self, icon: Icon, tip: str, slot) -> QtWidgets.QToolButton:
        b = QtWidgets.QToolButton()
        b.setIcon(self.style().standardIcon(icon))
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.setIconSize(QtCore.QSize(20, 20))
        b.clicked.connect(slot)
        return b

    @QtCore.Slot()
    def _on_first_clicked(self) -> None:
        self.state.set_step(0)

    @QtCore.Slot()
    def _on_state_changed(self, *_args) -> None:
        last, step = self.state.last_step, self.state.step
        self.slider.blockSignals(True)
        self.slider.setRange(0, last)
        self.slider.setValue(step)
        self.slider.blockSignals(False)
        every = min((run.config.record.every for run in self.state.runs), default=1)
        self.slider.setSingleStep(every)
        self.slider.setPageStep(10 * every)
        self.step_label.setText(f"step {step:,} / {last:,}")

    @QtCore.Slot(int)
    def _on_slider_value_changed(self, value: int) -> None:
        self.state.set_step(value)

    @QtCore.Slot(bool)
    def _on_state_playing_changed(self, playing: bool) -> None:
        self.play_button.setIcon(self.style().standardIcon(Icon.SP_MediaPause if playing else Icon.SP_MediaPlay))

    @QtCore.Slot(int)
    def _on_speed_box_changed(self, i: int) -> None:
        self.state.set_speed(self.speed_box.itemData(i))

    @QtCore.Slot(int)
    def _on_state_speed_changed(self, speed: int) -> None:
        self.speed_box.blockSignals(True)
        self.speed_box.setCurrentIndex(SPEEDS.index(speed))
        self.speed_box.blockSignals(False)
