"""The training thread: drives one engine Trainer, appends its frozen snapshots to the RunHistory, and says so.

The GUI grants the worker a budget of steps (play: `speed` steps per frame; step: one more snapshot; free: no
limit) through thread-safe methods; the loop checks its flags between snapshots, never inside the engine.
Progress is announced with `progressed`, throttled to 30 Hz (the sphere's frame rate: each announcement costs the
GUI thread, and so the GIL, a round of model updates), and only after the GUI acknowledged the previous
announcement (`acknowledge`), so a slow GUI sees the latest state instead of a queue of stale ones.

Signals (emitted from the training thread; connect them to slots of GUI-thread QObjects, never to lambdas)
-------
progressed()        new snapshots are in the history
run_finished(str)   the run stopped by itself: the reason, naming the step
run_failed(str)     divergence or a device error: the message, naming the step; the history stays valid
"""

from __future__ import annotations

import math
import threading
import time

import torch
from PySide6 import QtCore

from engine.history import RunHistory
from engine.trainer import Diverged, Trainer

NOTIFY_INTERVAL_S = 1.0 / 30.0
# A paced run may lag behind its grants (a slow device, a big model); unspent budget beyond this many frames'
# worth is dropped, so the animation never lurches ahead to catch up.
MAX_BACKLOG_FRAMES = 4


class TrainingWorker(QtCore.QThread):
    progressed = QtCore.Signal()
    run_finished = QtCore.Signal(str)
    run_failed = QtCore.Signal(str)

    def __init__(self, trainer: Trainer, history: RunHistory, max_steps: int, loss_threshold: float = 0.0,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.trainer = trainer
        self.history = history
        self._cond = threading.Condition()
        self._stopping = False
        self._free = False
        self._target = -1  # train while the last recorded step is below this
        self._max_steps = max_steps
        self._loss_threshold = loss_threshold
        self._done = False  # reached a stop condition; new conditions may lift it
        self._failed = False
        self._step = trainer.step  # last recorded step, published for the GUI
        self._notify_pending = False
        self._announced: tuple | None = None  # the stop last reported, so each is reported once

    # --- control, callable from any thread ------------------------------------------------------------------

    def grant(self, steps: int) -> None:
        """Allow `steps` more training steps (a frame of play at speed `steps`)."""
        with self._cond:
            base = max(self._target, self._step)
            self._target = min(base + steps, self._step + MAX_BACKLOG_FRAMES * max(steps, 1))
            self._cond.notify()

    def grant_snapshot(self) -> None:
        """Allow training up to the next recorded snapshot (a press of → at the live edge)."""
        with self._cond:
            self._target = max(self._target, self._step + 1)
            self._cond.notify()

    def set_free_running(self, free: bool) -> None:
        """Train as fast as the device allows (speed Max, scripted runs, the benchmark)."""
        with self._cond:
            self._free = free
            self._cond.notify()

    def hold(self) -> None:
        """Pause after the snapshot in progress: forget any unspent budget."""
        with self._cond:
            self._free = False
            self._target = self._step
            self._cond.notify()

    def set_stop_conditions(self, max_steps: int, loss_threshold: float) -> None:
        with self._cond:
            self._max_steps, self._loss_threshold = max_steps, loss_threshold
            self._done = False  # re-evaluated against the new conditions after the next snapshot
            self._cond.notify()

    def stop(self, timeout_ms: int = 1000) -> bool:
        """End the loop and wait for the thread; True when it has stopped."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        return self.wait(QtCore.QDeadlineTimer(timeout_ms))

    def acknowledge(self) -> None:
        """The GUI handled `progressed`; call before reading the history so nothing appended later is missed."""
        self._notify_pending = False

    @property
    def step(self) -> int:
        return self._step

    @property
    def free_running(self) -> bool:
        return self._free

    @property
    def idle(self) -> bool:
        """Waiting for a grant, finished or failed (not merely between two snapshots)."""
        with self._cond:
            return self._failed or not self._may_train()

    # --- the loop -------------------------------------------------------------------------------------------

    def _may_train(self) -> bool:
        if self._done or self._failed or self._step >= self._max_steps:
            return False
        return self._free or self._step < self._target

    def run(self) -> None:
        torch.set_num_threads(1)  # the GUI needs the other core; default threading collapses throughput
        generator, generator_until = None, None
        last_notify = 0.0
        while True:
            with self._cond:
                if not self._may_train() and not self._stopping:
                    self._notify(force=True)
                while not self._stopping and not self._may_train():
                    self._finish_if_done()  # also when new stop conditions are met already (stop at this step)
                    self._cond.wait()
                if self._stopping:
                    return
                until = self._max_steps
            if generator is None or generator_until != until:
                generator, generator_until = self.trainer.run(until=until), until
            try:
                snap = next(generator)
            except StopIteration:
                generator = None
                with self._cond:
                    self._step = max(self._step, until)
                continue
            except Diverged as exc:
                self._fail(str(exc))
                continue
            except (RuntimeError, MemoryError) as exc:  # CUDA out of memory and other device errors
                self._fail(f"training stopped at step {self.trainer.step}: device error: {exc}")
                continue
            self.history.append(snap)
            with self._cond:
                self._step = snap.step
                threshold = self._loss_threshold
                if threshold > 0 and snap.loss <= threshold:
                    self._done = True
            now = time.perf_counter()
            if now - last_notify >= NOTIFY_INTERVAL_S and self._notify():
                last_notify = now

    def _notify(self, force: bool = False) -> bool:
        if self._notify_pending and not force:
            return False
        self._notify_pending = True
        self.progressed.emit()
        return True

    def _finish_if_done(self) -> None:
        """Announce why the run stopped, once per stop (caller holds the lock)."""
        if self._failed or self._announced == (self._step, self._max_steps, self._loss_threshold):
            return
        snap_loss = self.history.snapshot(-1).loss if len(self.history) else math.nan
        if self._step >= self._max_steps:
            reason = f"reached the maximum of {self._max_steps} steps"
        elif self._done:
            reason = f"loss {snap_loss:.3g} reached the threshold {self._loss_threshold:g} at step {self._step}"
        else:
            return
        self._announced = (self._step, self._max_steps, self._loss_threshold)
        self.run_finished.emit(reason)

    def _fail(self, message: str) -> None:
        with self._cond:
            self._failed = True
        self._notify(force=True)
        self.run_failed.emit(message)
