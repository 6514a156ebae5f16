"""The GUI's side of one run's training process: starts the job, sends commands, turns pipe messages into signals.

The engine's loop runs in a training process (featlearn_gui.training_process, taken from the app's pool); its
snapshots land in a SharedHistory that this process reads as numpy views, and only counts, status and errors
come back on the pipe. A socket notifier wakes the GUI thread when a message arrives, so nothing here blocks or
polls, and no Python thread competes with the GUI for the interpreter lock.

Signals (emitted in the GUI thread)
-------
progressed(int)     the history holds this many complete snapshots now
run_finished(str)   the run stopped by itself: the reason, naming the step
run_failed(str)     divergence, a device error or the process dying: the message; the history stays valid
device_known(str)   the device the process trains on
run_unusable(str)   the process cannot train this run (its device is missing, its teacher does not match): why
"""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6 import QtCore

from featlearn_gui.shared_history import Block, SharedHistory
from featlearn_gui.worker_pool import Worker, WorkerPool

_JOBS = itertools.count(1)


class TrainingWorker(QtCore.QObject):
    progressed = QtCore.Signal(int)
    run_finished = QtCore.Signal(str)
    run_failed = QtCore.Signal(str)
    device_known = QtCore.Signal(str)
    run_unusable = QtCore.Signal(str)

    def __init__(self, history: SharedHistory, max_steps: int, loss_threshold: float, pool: WorkerPool,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.history, self.pool = history, pool
        self.job = next(_JOBS)
        self._paths = {history.block.path}  # files to remove once mapped here, or when the job ends
        self._step = int(history.steps[-1]) if len(history) else 0
        self._pace: tuple[int, bool] = (-1, False)
        self.worker: Worker | None = pool.acquire()
        self.worker.send("train", self.job, history.config, history.teacher, history.block.path,
                         history.block.layout, len(history), max_steps, loss_threshold)
        self._notifier = QtCore.QSocketNotifier(self.worker.conn.fileno(), QtCore.QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_notifier_activated)

    # --- commands -------------------------------------------------------------------------------------------

    def pace(self, target: int, free: bool = False) -> None:
        """Train while the last recorded step is below `target` (the next snapshot at or past it ends the
        stretch), or as fast as the device goes (`free`)."""
        if (target, free) != self._pace and self.worker is not None:
            self._pace = (target, free)
            self.worker.send("pace", self.job, target, free)

    def hold(self) -> None:
        """Pause after the snapshot in progress."""
        self.pace(-1, False)

    def grant_snapshot(self) -> None:
        """Train up to the next recorded snapshot (→ at the live edge)."""
        self.pace(self._step + 1, False)

    def set_stop_conditions(self, max_steps: int, loss_threshold: float) -> None:
        if self.worker is not None:
            self.worker.send("stop_at", self.job, max_steps, loss_threshold)

    def stop(self) -> None:
        """End the job (the process finishes the snapshot in progress and returns to the pool); the history stays."""
        worker, self.worker = self.worker, None
        if worker is None:
            return
        self._read()  # what arrived so far still counts
        self._close_notifier()
        worker.send("stop", self.job)
        self.pool.release(worker)
        self._remove_files()

    @property
    def step(self) -> int:
        """The last step the process announced."""
        return self._step

    @property
    def running(self) -> bool:
        return self.worker is not None

    @property
    def free_running(self) -> bool:
        return self._pace[1]

    # --- messages -------------------------------------------------------------------------------------------

    @QtCore.Slot()
    def _on_notifier_activated(self, *_args) -> None:
        self._read()

    def _read(self) -> None:
        worker = self.worker
        if worker is None:
            return
        try:
            while worker.conn.poll():
                message = worker.conn.recv()
                if message[0] == self.job:
                    self._handle(message[1], message[2:])
                elif message[0] is None:
                    self.pool.note(worker, message)
                if self.worker is None:
                    return
        except (EOFError, OSError):
            self._died(worker)

    def _handle(self, kind: str, args: tuple) -> None:
        if kind == "count":
            self._step = int(args[1])
            self.history.publish(int(args[0]))
            self.progressed.emit(len(self.history))
        elif kind == "attached":
            self._remove_files()  # both processes have mapped it: the file is no longer needed
            self.device_known.emit(args[0])
        elif kind == "grown":
            block = Block(Path(args[0]), args[1], create=False)
            self._paths.add(block.path)
            self.history.adopt(block)
            block.unlink()  # only this one: a later generation may already exist, not yet announced
        elif kind == "finished":
            self.run_finished.emit(args[0])
        elif kind == "failed":
            self.run_failed.emit(args[0])
        elif kind == "unusable":
            self.run_unusable.emit(args[0])

    def _died(self, worker: Worker) -> None:
        self.worker = None
        self._close_notifier()
        worker.process.join(1.0)
        code = worker.process.exitcode
        self.pool.discard(worker)
        self.pool.fill()
        self._remove_files()
        n = len(self.history)
        self.run_failed.emit(f"the training process ended unexpectedly (exit code {code}) after step {self._step:,}; "
                             f"the {n} snapshots trained so far are kept")

    def _close_notifier(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)  # unregistered now: the next job's notifier may watch the same pipe
            self._notifier.activated.disconnect(self._on_notifier_activated)
            self._notifier.deleteLater()
            self._notifier = None

    def _remove_files(self) -> None:
        """Remove this run's shared files (the mappings stay): those we know, and any grown block announced late."""
        for path in list(self._paths):
            for sibling in path.parent.glob(path.name.rsplit(".g", 1)[0] + ".g*"):
                sibling.unlink(missing_ok=True)
            self._paths.discard(path)
