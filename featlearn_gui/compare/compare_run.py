"""One run of a comparison: its history, its training worker (none for a run read from a file), and its status.

The worker's signals arrive here, in the GUI thread (this object lives there), and become `changed`: the views
and the session read the status and the history from this object, never from the worker.

Signals
-------
changed()   the status changed or the history grew
"""

from __future__ import annotations

from PySide6 import QtCore

from engine.config import RunConfig
from engine.history import RunHistory
from engine.trainer import Diverged, Trainer
from featlearn_gui.session import MainThreadCollector
from featlearn_gui.worker import TrainingWorker

# ready: waits for play or →; running: training; paused / stopped: by its own controls; finished: reached its
# last step; failed: diverged or a device error (the history up to there stays); loaded: read from a run file.
STATUSES = ("ready", "running", "paused", "stopped", "finished", "failed", "loaded")


class CompareRun(QtCore.QObject):
    changed = QtCore.Signal()

    def __init__(self, label: str, source: RunConfig | RunHistory, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.differences = ("", "")  # (short, full): what sets this run apart; see differences.describe
        self.worker: TrainingWorker | None = None
        self.message = ""
        if isinstance(source, RunHistory):
            self.history, self.status = source, "loaded"
            self.message = f"read from a file: {len(source)} snapshots up to step {int(source.steps[-1]):,}"
        else:
            self.history, self.status = self._start(source)
        self.count = len(self.history)  # snapshots announced to the GUI so far

    @property
    def config(self) -> RunConfig:
        return self.history.config

    def _start(self, config: RunConfig) -> tuple[RunHistory, str]:
        trainer = Trainer(config)
        history = trainer.new_history()
        try:
            history.append(next(trainer.run(until=0)))  # step 0 at once, so the view has something to draw
        except (Diverged, RuntimeError) as exc:
            self.message = f"cannot start the run: {exc}"
            return history, "failed"
        worker = TrainingWorker(trainer, history, config.optim.steps)
        worker.progressed.connect(self._on_worker_progressed)
        worker.run_finished.connect(self._on_worker_run_finished)
        worker.run_failed.connect(self._on_worker_run_failed)
        self.worker = worker
        MainThreadCollector.hold()  # released in shutdown(); see MainThreadCollector for why
        worker.start()
        return history, "ready"

    # --- state ----------------------------------------------------------------------------------------------

    @property
    def last_step(self) -> int:
        """The last step announced to the GUI (the worker may have recorded more since)."""
        return int(self.history.steps[self.count - 1]) if self.count else 0

    def index_at(self, step: int) -> int:
        """The snapshot this run shows when the shared cursor is at `step`: its last one at or before it."""
        return min(self.history.index_at_step(step), max(self.count - 1, 0))

    @property
    def trainable(self) -> bool:
        """Still able to train when granted steps (neither done nor held by its own controls)."""
        return self.worker is not None and self.status in ("ready", "running")

    @property
    def done(self) -> bool:
        return self.status in ("stopped", "finished", "failed", "loaded")

    def set_status(self, status: str, message: str = "") -> None:
        if (status, message) != (self.status, self.message):
            self.status, self.message = status, message
            self.changed.emit()

    # --- its own controls -----------------------------------------------------------------------------------

    def pause(self) -> None:
        if self.worker is not None and self.status in ("ready", "running"):
            self.worker.hold()
            self.set_status("paused", f"paused at step {self.worker.step:,}")

    def resume(self, playing: bool) -> None:
        if self.status == "paused":
            self.set_status("running" if playing else "ready")

    def stop(self) -> None:
        """End training for good (its history stays); the thread is gone when this returns."""
        if self.worker is not None and not self.done:
            self.shutdown()
            self.set_status("stopped", f"stopped at step {self.last_step:,}")

    def set_max_steps(self, steps: int) -> None:
        """Train to `steps` at most (this run's own optim.steps stays the limit)."""
        if self.worker is not None:
            self.worker.set_stop_conditions(min(steps, self.config.optim.steps), 0.0)

    def shutdown(self) -> bool:
        """Stop the worker within a second; True when no thread is left."""
        worker, self.worker = self.worker, None
        if worker is None:
            return True
        stopped = worker.stop(1000)
        MainThreadCollector.release()
        worker.progressed.disconnect(self._on_worker_progressed)
        worker.run_finished.disconnect(self._on_worker_run_finished)
        worker.run_failed.disconnect(self._on_worker_run_failed)
        self._note_growth()
        return stopped

    # --- the worker -----------------------------------------------------------------------------------------

    def _note_growth(self) -> bool:
        count = len(self.history)
        grew, self.count = count != self.count, count
        return grew

    @QtCore.Slot()
    def _on_worker_progressed(self) -> None:
        if self.worker is not None:
            self.worker.acknowledge()  # before reading, so a snapshot appended meanwhile is announced again
        if self._note_growth():
            self.changed.emit()

    @QtCore.Slot(str)
    def _on_worker_run_finished(self, reason: str) -> None:
        self._note_growth()
        self.set_status("finished", reason)

    @QtCore.Slot(str)
    def _on_worker_run_failed(self, message: str) -> None:
        self._note_growth()
        self.set_status("failed", message)
