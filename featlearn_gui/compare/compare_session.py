"""Trains the runs of a comparison in lock-step: one TrainingWorker per run, paced by one frame clock.

Each frame of play grants `speed` steps to every run still training, but never to one already a frame ahead of
the slowest: a big model and a small one advance together, and the shared cursor (the slowest run's last step,
`CompareState.frontier`) shows all of them at the same step. A run paused, stopped, finished or failed drops out
of the pacing, so the others carry on without it.
"""

from __future__ import annotations

from PySide6 import QtCore

from engine.config import ConfigError, RunConfig, apply_overrides
from engine.history import RunFileError
from featlearn_gui.compare.compare_run import CompareRun
from featlearn_gui.compare.compare_state import CompareState
from featlearn_gui.compare.differences import describe
from featlearn_gui.comparison import Comparison

FRAME_MS = 16  # ~60 Hz, like the main window's session: `speed` is in training steps per frame at this rate
REPLAY_SNAPSHOTS = 5  # at max speed, replaying the past moves this many recordings per frame


def load_runs(comparison: Comparison, overrides: list[str] = ()) -> list[tuple[str, object]]:
    """(label, RunConfig or RunHistory) of each entry; `overrides` (KEY=VALUE) apply to the configs only.

    Raises ConfigError naming the run that cannot be loaded.
    """
    loaded = []
    for entry in comparison.runs:
        try:
            source = entry.load(comparison.base)
            if isinstance(source, RunConfig) and overrides:
                source = apply_overrides(source, list(overrides))
        except (ConfigError, RunFileError) as exc:
            raise ConfigError(f"run {entry.label!r}: {exc}") from None
        loaded.append((entry.label, source))
    return loaded


class CompareSession(QtCore.QObject):
    """Connects a CompareState to the runs' workers; `shutdown()` before the window goes."""

    def __init__(self, state: CompareState, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.comparison: Comparison | None = None
        self._clock = QtCore.QTimer(self)
        self._clock.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._clock.setInterval(FRAME_MS)
        self._clock.timeout.connect(self._on_clock_tick)
        state.playing_changed.connect(self._on_state_playing_changed)
        state.speed_changed.connect(self._on_state_speed_changed)

    @property
    def runs(self) -> list[CompareRun]:
        return self.state.runs

    def open(self, comparison: Comparison, overrides: list[str] = ()) -> None:
        """Replace the runs on screen with the comparison's, each at step 0 (ConfigError if one cannot load)."""
        loaded = load_runs(comparison, overrides)  # everything loads before anything is replaced
        self.shutdown()
        self.state.set_playing(False)
        for run in self.runs:
            run.deleteLater()
        runs = []
        try:
            for label, source in loaded:
                runs.append(CompareRun(label, source, parent=self))
        except (ConfigError, RuntimeError) as exc:  # e.g. device = "cuda" where there is none
            for run in runs:
                run.shutdown()
            raise ConfigError(f"run {label!r}: {exc}") from None
        for run, text in zip(runs, describe([run.config for run in runs])):
            run.differences = text
        self.comparison = comparison
        self.state.title, self.state.description = comparison.title, comparison.description
        self.state.set_runs(runs)
        self._clock.start()

    def train_to(self, step: int) -> None:
        """Train every run as fast as it goes, up to `step` or its own last step (scripted runs)."""
        for run in self.runs:
            run.set_max_steps(step)
        self.state.set_speed(0)
        self.state.set_playing(True)

    def shutdown(self) -> bool:
        """Stop every worker (each within a second); True when no thread is left."""
        self._clock.stop()
        return all([run.shutdown() for run in self.runs])

    # --- the transport --------------------------------------------------------------------------------------

    def step_forward(self) -> None:
        """The next recorded step; at the live edge, train every lagging run to its next snapshot."""
        state = self.state
        state.set_playing(False)
        later = [s for s in state.recorded_steps() if s > state.step]
        if state.following and any(run.trainable for run in self.runs):
            for run in self.runs:
                if run.trainable and run.worker.step <= state.frontier:
                    run.worker.grant_snapshot()  # the cursor follows when the slowest one arrives
        elif later:
            state.set_step(later[0])

    def step_back(self) -> None:
        state = self.state
        state.set_playing(False)
        earlier = [s for s in state.recorded_steps() if s < state.step]
        state.set_step(earlier[-1] if earlier else 0)

    def pause_run(self, run: CompareRun) -> None:
        run.pause()

    def resume_run(self, run: CompareRun) -> None:
        run.resume(self.state.playing)
        if self.state.playing and run.worker is not None:
            run.worker.set_free_running(self.state.speed == 0)

    # --- requests from the model ----------------------------------------------------------------------------

    @QtCore.Slot(bool)
    def _on_state_playing_changed(self, playing: bool) -> None:
        for run in self.runs:
            if not run.trainable:
                continue
            if playing:
                run.worker.set_free_running(self.state.speed == 0)
                run.set_status("running")
            else:
                run.worker.hold()
                run.set_status("ready")

    @QtCore.Slot(int)
    def _on_state_speed_changed(self, speed: int) -> None:
        if self.state.playing:
            for run in self.runs:
                if run.trainable:
                    run.worker.set_free_running(speed == 0)

    # --- the frame clock ------------------------------------------------------------------------------------

    @QtCore.Slot()
    def _on_clock_tick(self) -> None:
        state = self.state
        if not state.playing:
            return
        training = [run for run in self.runs if run.trainable]
        if state.speed > 0 and training:
            slowest = min(run.worker.step for run in training)
            for run in training:
                if run.worker.step < slowest + state.speed:  # a run a frame ahead waits for the others
                    run.worker.grant(state.speed)
        if not state.following:
            self._replay()
        elif all(run.done for run in self.runs) and state.step >= state.frontier:
            state.set_playing(False)  # every run is done and on screen (a paused one may still resume)

    def _replay(self) -> None:
        """Play through the past at `speed` while the runs keep training ahead of the cursor."""
        state = self.state
        every = min(run.config.record.every for run in self.runs)
        stride = state.speed if state.speed > 0 else REPLAY_SNAPSHOTS * every
        target = state.step + stride
        if target >= state.frontier:
            state.follow()
        else:
            state.set_step(target)
