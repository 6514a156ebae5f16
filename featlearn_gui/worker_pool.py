"""The app's training processes: a few started ahead of time, so that Space trains at once.

Starting a process costs seconds (it imports torch and the engine), so the pool keeps `warm` idle ones ready and
starts a new one whenever one is taken. Processes are spawned (a fresh interpreter: never a fork of a process
that has started Qt or CUDA) and daemonic, and each exits when its pipe closes, so none outlives the app.
A process that finished a job returns to the pool for the next one. One pool per app process (`pool()`).
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import sys
import time
import types
from dataclasses import dataclass, field

WARM = 1  # idle processes kept ready
QUIT_WAIT_S = 1.0
CALL_TIMEOUT_S = 120.0  # a call waits this long for a process still starting (importing torch takes seconds)
SHUTDOWN_WAIT_S = 0.2  # quitting, a process still importing torch is not waited for: it holds nothing of value


class CallFailed(RuntimeError):
    """A call that raised in the training process (a divergence, a device error), with its message."""


@dataclass(eq=False)
class Worker:
    """One training process and the GUI's end of its pipe."""

    process: multiprocessing.Process
    conn: object  # multiprocessing.connection.Connection
    jobs: int = 0
    busy: bool = field(default=False)
    ready: bool = False  # said so (torch and the engine are imported)

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def send(self, *message) -> bool:
        try:
            self.conn.send(message)
            return True
        except (BrokenPipeError, OSError):
            return False


@contextlib.contextmanager
def _bare_main():
    """Hide the app's __main__ while a process starts: spawn would otherwise re-import the entry point (and Qt)
    in the child; the child needs only featlearn_gui.training_process."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class WorkerPool:
    def __init__(self, warm: int = WARM) -> None:
        self.warm = warm
        self._context = multiprocessing.get_context("spawn")
        self._idle: list[Worker] = []
        self._all: list[Worker] = []
        self.cuda: bool | None = None  # whether training processes can use CUDA (each says so when ready)

    def _start(self) -> Worker:
        from featlearn_gui.training_process import serve

        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(target=serve, args=(theirs,), daemon=True, name="featlearn-training")
        with _bare_main():
            process.start()
        theirs.close()
        worker = Worker(process, ours)
        self._all.append(worker)
        return worker

    def fill(self) -> None:
        """Start processes until `warm` are idle."""
        self._idle = [w for w in self._idle if w.alive]
        while len(self._idle) < self.warm:
            self._idle.append(self._start())

    def acquire(self) -> Worker:
        """An idle process (started now if none is ready); the pool starts a replacement in the background."""
        self._idle = [w for w in self._idle if w.alive]
        worker = self._idle.pop(0) if self._idle else self._start()
        worker.busy = True
        worker.jobs += 1
        self.fill()
        return worker

    def release(self, worker: Worker) -> None:
        """A process whose job was told to stop: it finishes the snapshot in progress and waits for the next job."""
        worker.busy = False
        worker.ready = True  # it trained a job: torch and the engine are imported
        if worker.alive and worker in self._all:
            self._idle.append(worker)
        else:
            self.discard(worker)

    def discard(self, worker: Worker) -> None:
        """A process that died (or misbehaved): forget it; a running one is ended."""
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(QUIT_WAIT_S)
        worker.conn.close()
        for group in (self._idle, self._all):
            if worker in group:
                group.remove(worker)

    def call(self, name: str, *args, timeout_s: float = CALL_TIMEOUT_S):
        """CALLS[name](*args) (featlearn_gui.training_process) computed in an idle process, which stays idle; what
        the GUI process would otherwise import torch for. Waits for a process still starting. Raises ConfigError or
        CallFailed as the call did; a process that dies or does not answer in `timeout_s` is replaced, and the
        call is computed here instead (importing torch into this process: slow once, but never lost)."""
        self.fill()
        worker = self._idle[0]
        try:
            reply = self._ask(worker, name, args, timeout_s)
        except (EOFError, OSError, TimeoutError):
            self.discard(worker)
            self.fill()
            from featlearn_gui.training_process import answer

            reply = answer(name, args)
        if reply[0] == "result":
            return reply[1]
        from engine.config import ConfigError

        raise (ConfigError if reply[1] == "config" else CallFailed)(reply[2])

    def _ask(self, worker: Worker, name: str, args: tuple, timeout_s: float) -> tuple:
        if not worker.send("call", name, args):
            raise OSError("the training process is gone")
        deadline = time.perf_counter() + timeout_s
        while True:
            left = deadline - time.perf_counter()
            if left <= 0 or not worker.conn.poll(left):
                raise TimeoutError(f"no answer to {name} in {timeout_s:g} s")
            message = worker.conn.recv()
            if message[0] is None and message[1] in ("result", "error"):
                return message[1:]
            self.note(worker, message)  # or a late message of the process's previous job

    def wait_ready(self, timeout_s: float) -> bool:
        """Wait until every idle process has imported torch and the engine (tests, benchmarks); True if all did."""
        deadline = time.perf_counter() + timeout_s
        for worker in list(self._idle):
            while not worker.ready and worker.alive:
                left = deadline - time.perf_counter()
                if left <= 0 or not worker.conn.poll(left):
                    return False
                self.note(worker, worker.conn.recv())
        return all(w.ready for w in self._idle)

    def note(self, worker: Worker, message: tuple) -> None:
        """A message of no job, whoever read it: "ready" says the process is set up, and whether CUDA is there."""
        if message[0] is None and message[1] == "ready":
            worker.ready = True
            self.cuda = bool(message[3])

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self._all if w.alive]

    def shutdown(self) -> None:
        """End every process (the app is quitting)."""
        workers, self._all, self._idle = list(self._all), [], []
        for worker in workers:
            worker.send("quit")
        deadline = time.perf_counter() + SHUTDOWN_WAIT_S
        for worker in workers:
            worker.process.join(max(deadline - time.perf_counter(), 0.0))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(QUIT_WAIT_S)
            worker.conn.close()


_POOL: WorkerPool | None = None


def cuda_available() -> bool:
    """Whether training processes can use CUDA: as the first to be ready said (this process never imports torch)."""
    workers = pool()
    if workers.cuda is None:
        workers.cuda = bool(workers.call("cuda_available"))
    return workers.cuda


def pool() -> WorkerPool:
    """The app's pool, started (and its processes warmed) on first use."""
    global _POOL
    if _POOL is None:
        remove_shared_files(stale_only=True)
        _POOL = WorkerPool()
        atexit.register(remove_shared_files)
        atexit.register(_POOL.shutdown)  # atexit runs in reverse: the processes end first, then their files go
    return _POOL


def remove_shared_files(stale_only: bool = False) -> None:
    """A safety net behind the per-run clean-up: remove this process's shared files (at exit), or (`stale_only`)
    those of featlearn processes that no longer exist (a crash of both processes)."""
    from featlearn_gui.shared_history import SHM, cache_folder

    for folder in (SHM, cache_folder()):
        for path in folder.glob("featlearn-*-*.g*") if folder.is_dir() else ():
            pid = path.name.split("-")[1]
            if not pid.isdigit():
                continue
            if (not stale_only and int(pid) == os.getpid()) or (stale_only and not _alive(int(pid))):
                path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def shared_prefix() -> str:
    """The start of every shared-memory file name of this app process (see featlearn_gui.shared_history)."""
    return f"featlearn-{os.getpid()}-"
