"""The comparison's one model: its runs, the shared step cursor, playback and speed.

The cursor is a step, not an index: runs recorded at different intervals or of different lengths each show their
last snapshot at or before it (`CompareRun.index_at`), so they stay in lock-step and a finished shorter run stays
at its last step. Holds no widgets and no threads; `CompareSession` drives the workers from it.

Signals
-------
step_changed(int)       the cursor moved to this step
playing_changed(bool)
speed_changed(int)      training steps per frame (0: as fast as possible)
runs_changed()          a run's status changed or its history grew
"""

from __future__ import annotations

from PySide6 import QtCore

from featlearn_gui.compare.compare_run import CompareRun
from featlearn_gui.state import DEFAULT_SPEED


class CompareState(QtCore.QObject):
    step_changed = QtCore.Signal(int)
    playing_changed = QtCore.Signal(bool)
    speed_changed = QtCore.Signal(int)
    runs_changed = QtCore.Signal()

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.description = ""
        self.runs: list[CompareRun] = []
        self._step = 0
        self.following = True  # the cursor rides the live edge (the frontier) as the runs train
        self._playing = False
        self._speed = DEFAULT_SPEED

    def set_runs(self, runs: list[CompareRun]) -> None:
        self.runs = runs
        for run in runs:
            run.changed.connect(self._on_run_changed)
        self._step, self.following = 0, True
        self.runs_changed.emit()
        self.step_changed.emit(0)

    # --- the cursor -----------------------------------------------------------------------------------------

    @property
    def step(self) -> int:
        return self._step

    @property
    def frontier(self) -> int:
        """The live edge: the slowest run still training (all of them have reached it), else the longest run."""
        training = [run.last_step for run in self.runs if run.trainable]
        if training:
            return min(training)
        return max((run.last_step for run in self.runs), default=0)

    @property
    def last_step(self) -> int:
        """The furthest any run has recorded: the end of the slider."""
        return max((run.last_step for run in self.runs), default=0)

    def recorded_steps(self) -> list[int]:
        """Every step some run recorded (and announced), in order: where ← and → stop."""
        steps: set[int] = set()
        for run in self.runs:
            steps.update(int(s) for s in run.history.steps[: run.count])
        return sorted(steps)

    def set_step(self, step: int) -> None:
        """Move the cursor (clamped to what was recorded); at or past the frontier it follows the live edge."""
        step = min(max(int(step), 0), self.last_step)
        self.following = step >= self.frontier
        if step != self._step:
            self._step = step
            self.step_changed.emit(step)

    def follow(self) -> None:
        """Ride the live edge again (End, or play catching up with training)."""
        self.following = True
        self._move_to_frontier()

    def _move_to_frontier(self) -> None:
        frontier = self.frontier
        if frontier != self._step:
            self._step = frontier
            self.step_changed.emit(frontier)

    # --- playback -------------------------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self._playing

    def set_playing(self, playing: bool) -> None:
        if playing != self._playing:
            self._playing = playing
            self.playing_changed.emit(playing)

    def toggle_playing(self) -> None:
        self.set_playing(not self._playing)

    @property
    def speed(self) -> int:
        return self._speed

    def set_speed(self, speed: int) -> None:
        if speed != self._speed:
            self._speed = int(speed)
            self.speed_changed.emit(self._speed)

    # --- runs -----------------------------------------------------------------------------------------------

    @QtCore.Slot()
    def _on_run_changed(self) -> None:
        if self.following:
            self._move_to_frontier()
        self.runs_changed.emit()
