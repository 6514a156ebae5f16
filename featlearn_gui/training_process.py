"""The training process: a spawned Python that imports torch and the engine once, then trains runs one at a time.

A warm process waits (`serve`) for a job: a run's config, teacher and shared history block (featlearn_gui.
shared_history). It resumes the engine's Trainer from the last snapshot in the block and trains while its pacing
allows, appending each snapshot and its derived metrics to the block and sending only counts, status and errors
on its pipe. Commands arrive on the same pipe and are read between snapshots, never inside the engine. When the
job ends (stop, or the GUI going away) the process drops the block and waits for the next job, or exits when
its pipe closes: it never outlives the GUI.

Messages to the GUI are tuples (job, kind, ...):
    (job, "attached", device)      the block is mapped (the GUI may remove its file) and training is set up
    (job, "count", n, step)        n snapshots are complete, the last at `step`
    (job, "grown", path, layout)   the block was full: the rows so far are copied into a new block at `path`
    (job, "finished", reason)      a stop condition holds (reported once per stop)
    (job, "failed", message)       divergence or a device error; the history up to there stays valid
    (job, "unusable", reason)      the run cannot be trained here (e.g. device = "cuda" without one)
    (job, "stopped",)              the job ended; the process is free
    (None, "ready", pid, cuda)     torch and the engine are imported; whether CUDA is available
    (None, "result", value)        the answer to a call
    (None, "error", kind, message) a call that raised: kind "config" (a ConfigError) or "failed" (any other)
Commands from the GUI:
    ("call", name, args)           between jobs: CALLS[name](*args), what the GUI process would need torch for
    ("train", job, config, teacher, path, layout, count, max_steps, threshold)
    ("pace", job, target, free)    train while the last step is below `target` (or freely)
    ("stop_at", job, max_steps, threshold)
    ("stop", job)                  end the job after the snapshot in progress
    ("quit",)

This module imports neither Qt nor anything of the GUI: it is what a spawned process imports.
"""

from __future__ import annotations

import os
import time

MESSAGE_INTERVAL_S = 1.0 / 120.0  # counts at most this often while training flat out (the GUI draws at ≤ 60 Hz)
# What a window asks a training process to compute (the GUI process never imports torch): module, function.
CALLS = {
    "start_history": ("engine.trainer", "start_history"),  # a new run's step 0
    "branch_history": ("engine.branch", "branch_history"),  # a branch's history up to its own first state
    "cuda_available": ("featlearn_gui.training_process", "cuda_available"),
}


def cuda_available() -> bool:
    """Whether torch sees a CUDA device (asked through NVML, so that this process does not initialise CUDA)."""
    os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")
    import torch

    return bool(torch.cuda.is_available())


def answer(name: str, args: tuple) -> tuple:
    """The reply to a call: ("result", value) or ("error", kind, message); never raises."""
    import importlib

    from engine.config import ConfigError

    try:
        module, function = CALLS[name]
        return "result", getattr(importlib.import_module(module), function)(*args)
    except ConfigError as exc:
        return "error", "config", str(exc)
    except Exception as exc:  # a divergence, a device error: the GUI says so (it must not pickle engine classes)
        return "error", "failed", str(exc) or type(exc).__name__


def serve(conn) -> None:
    """The process's main loop: announce readiness, then run jobs until told to quit or the pipe closes."""
    import torch

    import engine.trainer  # noqa: F401 (imported now, so that a job starts at once)

    torch.set_num_threads(1)  # one core per run: the GUI needs the other, and small problems gain nothing
    conn.send((None, "ready", os.getpid(), cuda_available()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the GUI is gone
        if message[0] == "quit":
            return
        if message[0] == "call":
            conn.send((None, *answer(message[1], message[2])))
        if message[0] == "train" and not Job(conn, *message[1:]).run():
            return


class Job:
    """One run trained in this process."""

    def __init__(self, conn, job: int, config, teacher, path, layout, count: int, max_steps: int,
                 threshold: float) -> None:
        self.conn, self.job = conn, job
        self.config, self.teacher, self.path, self.layout, self.count = config, teacher, path, layout, count
        self.max_steps, self.threshold = max_steps, threshold
        self.target, self.free = -1, False
        self.done = self.failed = self.stopping = self.gone = False
        self.announced: tuple | None = None
        self.created: list = []  # grown blocks this process made: removed here when the job ends

    def send(self, kind: str, *args) -> None:
        try:
            self.conn.send((self.job, kind, *args))
        except (BrokenPipeError, OSError):
            self.gone = True

    def run(self) -> bool:
        """Train until stopped; False when the GUI went away (the process should exit)."""
        from engine.metrics_series import MetricsSeries
        from featlearn_gui.shared_history import Block, SharedHistory

        try:
            block = Block(self.path, self.layout, create=False)
        except OSError:  # the GUI dropped the run before this process got to it
            self.send("stopped")
            return True
        history = SharedHistory(self.config, self.teacher, block, self.count)
        history.on_grown = self._on_grown
        trainer = self._trainer(history)
        self.history, self.trainer = history, trainer
        if trainer is not None:
            self.series = MetricsSeries(history)
            self.series.update()  # the rows already there (their metrics are in the block; cheap, vectorized)
        self.loop()
        # Grown blocks are this process's to remove at the job's end: the GUI has mapped those it adopted, and a
        # block grown after it stopped listening (a stop racing a growth) is nobody's.
        for block in self.created:
            block.unlink()
        if not self.gone:
            self.send("stopped")
        return not self.gone

    def _trainer(self, history):
        from engine.config import ConfigError
        from engine.trainer import Trainer

        try:
            trainer = Trainer.resume(history)
        except (ConfigError, ValueError, RuntimeError) as exc:
            self.send("attached", "none")
            self.failed = True
            self.send("unusable", str(exc))
            return None
        self.send("attached", str(trainer.device))
        return trainer

    def _on_grown(self, block) -> None:
        self.created.append(block)
        self.send("grown", str(block.path), block.layout)

    # --- commands -------------------------------------------------------------------------------------------

    def handle(self, message) -> None:
        kind = message[0]
        if kind == "quit":
            self.stopping = self.gone = True
        elif len(message) < 2 or message[1] != self.job:
            return  # meant for an earlier job of this process
        elif kind == "pace":
            self.target, self.free = message[2], message[3]
        elif kind == "stop_at":
            self.max_steps, self.threshold = message[2], message[3]
            self.done = False  # re-evaluated against the new conditions
        elif kind == "stop":
            self.stopping = True

    def read_commands(self, block: bool) -> None:
        try:
            if block:
                self.handle(self.conn.recv())
            while not self.stopping and self.conn.poll():
                self.handle(self.conn.recv())
        except (EOFError, OSError):
            self.stopping = self.gone = True

    # --- the loop -------------------------------------------------------------------------------------------

    @property
    def step(self) -> int:
        return int(self.history.steps[-1]) if len(self.history) else 0

    def may_train(self) -> bool:
        if self.trainer is None or self.done or self.failed or self.step >= self.max_steps:
            return False
        return self.free or self.step < self.target

    def loop(self) -> None:
        generator, generator_until, last_sent = None, None, 0.0
        while True:
            idle = not self.may_train()
            if idle:
                self.announce_count()
                self.announce_stop()
            self.read_commands(block=idle)
            if self.stopping:
                return
            if not self.may_train():
                continue
            if generator is None or generator_until != self.max_steps:
                generator, generator_until = self.trainer.run(until=self.max_steps), self.max_steps
            if not self.train_one(generator):
                generator = None
                continue
            now = time.perf_counter()
            if now - last_sent >= MESSAGE_INTERVAL_S:
                last_sent = now
                self.announce_count()

    def train_one(self, generator) -> bool:
        """Append the next snapshot (its metrics follow with the next count); False when the generator ended or
        failed."""
        from engine.trainer import Diverged

        try:
            snap = next(generator)
        except StopIteration:
            return False
        except Diverged as exc:
            self.fail(str(exc))
            return False
        except (RuntimeError, MemoryError) as exc:  # CUDA out of memory and other device errors
            self.fail(f"training stopped at step {self.trainer.step}: device error: {exc}")
            return False
        self.history.append(snap)
        if self.threshold > 0 and snap.loss <= self.threshold:
            self.done = True
        return True

    def announce_count(self) -> None:
        """Complete the derived metrics of the snapshots since the last count, then publish the count (the GUI
        reads rows below it, metrics included). One vectorized batch per message costs a tenth of one per
        snapshot."""
        n = len(self.history)
        if n != self.count:
            if self.trainer is not None:
                start = len(self.series)
                self.series.update()
                self.history.set_derived(start, self.series)
            self.count = n
            self.send("count", n, self.step)

    def announce_stop(self) -> None:
        """Say why the run stopped, once per stop."""
        key = (self.step, self.max_steps, self.threshold)
        if self.failed or self.trainer is None or self.announced == key:
            return
        if self.step >= self.max_steps:
            reason = f"reached the maximum of {self.max_steps} steps"
        elif self.done:
            loss = float(self.history.view()["loss"][-1])
            reason = f"loss {loss:.3g} reached the threshold {self.threshold:g} at step {self.step}"
        else:
            return
        self.announced = key
        self.send("finished", reason)

    def fail(self, message: str) -> None:
        self.failed = True
        self.announce_count()
        self.send("failed", message)
