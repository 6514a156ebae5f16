"""Drives training from the GUI model: owns the worker thread and the frame clock that paces playback.

Play at the live edge grants the worker `speed` steps per frame; play with the cursor in the past replays the
history at the same speed while the run keeps training behind it (like live television paused and resumed).
"""

from __future__ import annotations

import dataclasses
import gc
import time
from pathlib import Path

from PySide6 import QtCore

from engine.config import ConfigError, RunConfig
from engine.history import RunHistory
from engine.trainer import Diverged, Trainer
from featlearn_gui.state import AppState
from featlearn_gui.throttle import LoadGovernor
from featlearn_gui.worker import TrainingWorker

FRAME_MS = 16  # ~60 Hz
THROUGHPUT_WINDOW_S = 0.25  # also the load governor's window


class MainThreadCollector:
    """While a training thread runs, Python's cyclic garbage collector runs only in the GUI thread, between events.

    Automatic collection runs in whichever thread happens to allocate past the threshold: the training thread would
    destroy garbage Qt objects (the plot items of a replaced run, a closed window) from the wrong thread, and the GUI
    thread could destroy a widget in the middle of its own paint event; both crash Qt at random. Sessions `hold()`
    the collector while they own a worker and `tick()` it from their frame clock, which collects the generations
    CPython would have collected by now.
    """

    _holders = 0
    _was_enabled = True

    @classmethod
    def hold(cls) -> None:
        if cls._holders == 0:
            cls._was_enabled = gc.isenabled()
            gc.disable()
        cls._holders += 1

    @classmethod
    def release(cls) -> None:
        cls._holders = max(cls._holders - 1, 0)
        if cls._holders == 0 and cls._was_enabled:
            gc.enable()

    @classmethod
    def tick(cls) -> None:
        if cls._holders == 0:
            return
        (young, middle, old), (t0, t1, t2) = gc.get_count(), gc.get_threshold()
        if young > t0:
            gc.collect(2 if middle >= t1 and old >= t2 else 1 if middle >= t1 else 0)


class Session(QtCore.QObject):
    """Connects an AppState to a TrainingWorker; `shutdown()` before the application quits."""

    def __init__(self, state: AppState, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.worker: TrainingWorker | None = None
        self._holding_gc = False
        self.device_name = ""
        self._loading = False
        self._clock = QtCore.QTimer(self)
        self._clock.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._clock.setInterval(FRAME_MS)
        self._clock.timeout.connect(self._on_clock_tick)
        self._rate_mark = (time.perf_counter(), 0)
        self.governor = LoadGovernor()
        state.config_changed.connect(self._on_state_config_changed)
        state.reset_requested.connect(self._on_state_reset_requested)
        state.new_seed_requested.connect(self._on_state_new_seed_requested)
        state.step_requested.connect(self._on_state_step_requested)
        state.playing_changed.connect(self._on_state_playing_changed)
        state.speed_changed.connect(self._on_state_speed_changed)
        state.stop_conditions_changed.connect(self._on_state_stop_conditions_changed)

    # --- runs -----------------------------------------------------------------------------------------------

    def start_run(self, config: RunConfig | None = None) -> bool:
        """Replace the run on screen with a fresh one at step 0, its worker waiting for play or step."""
        self.stop_worker()
        config = config or self.state.config
        try:
            trainer = Trainer(config)
            history = trainer.new_history()
            history.append(next(trainer.run(until=0)))  # step 0 at once, so the views have something to draw
        except (ConfigError, Diverged, RuntimeError) as exc:
            self.state.set_status("failed", f"cannot start the run: {exc}")
            return False
        self.device_name = str(trainer.device)
        self.state.set_history(history, saved=True)
        self.state.set_status("paused", "")
        self._attach_worker(trainer, history)
        return True

    def load_history(self, history: RunHistory, path: Path) -> None:
        """Show a run read from a file, browsable at once; play or → continues its training where it stopped."""
        self.stop_worker()
        self.state.set_playing(False)
        self._loading = True  # show the run's config in the panels without starting a run from it
        try:
            self.state.set_config(history.config)
        finally:
            self._loading = False
        self.state.set_history(history, saved=True, path=path)
        summary = f"{path.name}: {len(history)} snapshots up to step {int(history.steps[-1])}"
        try:
            trainer = Trainer.resume(history)
        except (ConfigError, ValueError, RuntimeError) as exc:  # e.g. saved on a GPU this machine lacks
            self.device_name = "file"
            self.state.set_status("loaded", f"{summary}; it cannot be continued here: {exc}")
            self._clock.start()
            return
        self.device_name = str(trainer.device)
        self.state.set_status("loaded", summary)
        self._attach_worker(trainer, history)

    def _attach_worker(self, trainer: Trainer, history: RunHistory) -> None:
        """Start the training thread for `history`, waiting for play or step."""
        worker = TrainingWorker(trainer, history, self.state.max_steps, self.state.loss_threshold)
        worker.progressed.connect(self._on_worker_progressed)
        worker.run_finished.connect(self._on_worker_run_finished)
        worker.run_failed.connect(self._on_worker_run_failed)
        self.worker = worker
        if not self._holding_gc:
            MainThreadCollector.hold()
            self._holding_gc = True
        worker.start()
        if self.state.playing:
            self._on_state_playing_changed(True)
        self._clock.start()

    def train_to(self, step: int) -> None:
        """Train as fast as possible up to `step` (scripted runs and the benchmark)."""
        self.state.set_stop_conditions(step, self.state.loss_threshold)
        if self.worker is not None:
            self.worker.set_free_running(True)
            self.state.set_status("running")

    def stop_worker(self) -> bool:
        """Stop the training thread (within a second) and keep its history; True when no thread is left."""
        worker, self.worker = self.worker, None
        if worker is None:
            return True
        stopped = worker.stop(1000)
        worker.progressed.disconnect(self._on_worker_progressed)
        worker.run_finished.disconnect(self._on_worker_run_finished)
        worker.run_failed.disconnect(self._on_worker_run_failed)
        if self._holding_gc:
            self._holding_gc = False
            MainThreadCollector.release()
        self.state.note_growth()
        return stopped

    def shutdown(self) -> bool:
        self._clock.stop()
        return self.stop_worker()

    # --- requests from the model ----------------------------------------------------------------------------

    @QtCore.Slot(object)
    def _on_state_config_changed(self, config: RunConfig) -> None:
        if not self._loading:
            self.start_run(config)

    @QtCore.Slot()
    def _on_state_reset_requested(self) -> None:
        self.start_run(self.state.config)

    @QtCore.Slot()
    def _on_state_new_seed_requested(self) -> None:
        config = dataclasses.replace(self.state.config, seed=self.state.config.seed + 1)
        self.state.set_config(config, preset_name=self.state.preset_name)

    @QtCore.Slot(int)
    def _on_state_step_requested(self, delta: int) -> None:
        self.state.set_playing(False)
        if delta > 0 and self.state.at_live_edge and self.worker is not None:
            self.worker.grant_snapshot()  # the cursor follows the new snapshot when it arrives
        else:
            self.state.set_index(self.state.index + delta)

    @QtCore.Slot(bool)
    def _on_state_playing_changed(self, playing: bool) -> None:
        if self.worker is None:
            return
        if playing:
            self.worker.set_free_running(self.state.speed == 0)
            if not self.worker.idle or self.state.status == "paused":
                self.state.set_status("running")
        else:
            self.worker.hold()
            if self.state.status == "running":
                self.state.set_status("paused")

    @QtCore.Slot(int)
    def _on_state_speed_changed(self, speed: int) -> None:
        if self.worker is not None and self.state.playing:
            self.worker.set_free_running(speed == 0)

    @QtCore.Slot()
    def _on_state_stop_conditions_changed(self) -> None:
        if self.worker is not None:
            self.worker.set_stop_conditions(self.state.max_steps, self.state.loss_threshold)
            if self.state.status == "finished":
                self.state.set_status("running" if self.state.playing else "paused")

    # --- the worker -----------------------------------------------------------------------------------------

    @QtCore.Slot()
    def _on_worker_progressed(self) -> None:
        if self.worker is not None:
            self.worker.acknowledge()  # before reading, so a snapshot appended meanwhile is announced again
        self.state.note_growth()

    @QtCore.Slot(str)
    def _on_worker_run_finished(self, reason: str) -> None:
        self.state.note_growth()
        self.state.set_status("finished", reason)

    @QtCore.Slot(str)
    def _on_worker_run_failed(self, message: str) -> None:
        self.state.note_growth()
        self.state.set_playing(False)
        self.state.set_status("failed", message)

    # --- the frame clock ------------------------------------------------------------------------------------

    @QtCore.Slot()
    def _on_clock_tick(self) -> None:
        MainThreadCollector.tick()
        self._update_throughput()
        state = self.state
        if not state.playing:
            return
        speed = state.speed
        if self.worker is not None and speed > 0:
            self.worker.grant(speed)  # the run keeps training behind a cursor that replays the past
        if not state.at_live_edge:
            self._replay(speed)
        elif self.worker is None or (self.worker.idle and state.status in ("finished", "failed")):
            state.set_playing(False)  # the end of a finished run: nothing more to show

    def _replay(self, speed: int) -> None:
        history = self.state.history
        if history is None:
            return
        stride = speed if speed > 0 else 5 * history.config.record.every
        index = min(history.index_at_step(self.state.step + stride), self.state.count - 1)
        self.state.set_index(max(index, self.state.index + 1))

    def _update_throughput(self) -> None:
        now = time.perf_counter()
        then, step_then = self._rate_mark
        if now - then < THROUGHPUT_WINDOW_S:
            return
        step = self.worker.step if self.worker is not None else step_then
        rate = max(step - step_then, 0) / (now - then)
        self._rate_mark = (now, step)
        worker = self.worker
        self.governor.update(active=worker is not None and worker.free_running and not worker.idle)
        if rate != self.state.throughput:
            self.state.set_throughput(rate)
