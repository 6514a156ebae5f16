"""Run a sweep on Dask: submit the runs not yet in the output directory, write each as it arrives.

    sweep = grid.load("sweep.toml")
    report = run_sweep(sweep, "out/", workers=2)          # or scheduler="tcp://host:8786"

At most as many runs are in flight as the cluster has worker threads (each worker runs one, and a worker that
dies takes only its own run with it). The client writes runs/<hash>.npz and results.csv, atomically, as each
run arrives. Ctrl+C (KeyboardInterrupt) or `stop.set()` cancels what is pending; every finished row and run file
stays, and running the same sweep again resumes.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from distributed import Client, Future, as_completed
from distributed.client import FutureCancelledError
from distributed.scheduler import KilledWorker
from tqdm import tqdm

from .cluster import check_scheduler, dask_client, default_workers, worker_threads
from .grid import Sweep, SweepPoint
from .identity import sweep_identity
from .results import ResultsDir, SweepWriteError
from .task import DIVERGED, FAILED, OK, TaskResult, one_line, run_point, warm_up

POLL_S = 0.05  # how often the client looks for finished runs and for a stop request


@dataclass
class SweepReport:
    """What a sweep did: runs in the grid, skipped (already in the directory), and the new ones by status."""

    total: int
    skipped: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {OK: 0, DIVERGED: 0, FAILED: 0})
    failed: list[str] = field(default_factory=list)  # "hash (axis values): message" of each failed run
    pending: int = 0  # runs not finished when interrupted
    slow_malloc: str | None = None

    @property
    def done(self) -> int:
        return sum(self.counts.values())


class SweepInterrupted(Exception):
    """Ctrl+C or a stop request: what was pending is cancelled, everything finished is kept."""

    def __init__(self, report: SweepReport) -> None:
        self.report = report
        super().__init__(f"interrupted with {report.pending} runs not finished")


Progress = Callable[[SweepReport, int], None]  # (report so far, runs in flight or, on start, worker threads)


def run_sweep(
    sweep: Sweep,
    out: str | Path,
    *,
    workers: int = 0,
    scheduler: str | None = None,
    quiet: bool = False,
    stop: threading.Event | None = None,
    on_progress: Progress | None = None,
    on_start: Progress | None = None,
    task: Callable[..., TaskResult] = run_point,
    stream: TextIO | None = None,
    settings: dict[str, Any] | None = None,
) -> SweepReport:
    """Run every point of `sweep` not already finished in `out`; return the report (raises SweepInterrupted).

    `on_start(report, threads)` is called once the cluster answers, `on_progress(report, running)` as runs finish.
    `settings`: Dask config for the run (default `cluster.LOCAL_SETTINGS`).
    An adaptive sweep (intervals and [adaptive]) places its runs as results arrive: see `adaptive.Planner`.
    """
    if scheduler is not None:
        check_scheduler(scheduler)  # before anything is created: a wrong address is one line, within seconds
    results = ResultsDir(out, sweep)
    identity = sweep_identity(sweep)
    results.read(identity)  # refuse a folder that cannot work before anything is created
    with results.lock():  # one sweep per folder: a second one is refused until this one ends
        results.read(identity)  # again: what is there now is what counts
        planner = None
        if sweep.adaptive is not None:
            from .adaptive import Planner  # late: python-adaptive and scipy load only for adaptive sweeps

            planner = Planner(sweep, results)
            todo, total, skipped = planner.resume(), planner.total, planner.skipped
        else:
            todo = [p for p in sweep.points if not results.is_done(p.config_hash)]
            total, skipped = len(sweep.points), len(sweep.points) - len(todo)
        report = SweepReport(total=total, skipped=skipped)
        results.create(identity)
        try:
            if todo or (planner is not None and not planner.finished):
                _run(results, todo, report, workers, scheduler, settings, quiet, stop, on_progress, on_start, task,
                     stream or sys.stderr, planner)
        finally:
            if planner is not None:
                planner.write_boundary()
    return report


def _run(results, todo, report, workers, scheduler, settings, quiet, stop, on_progress, on_start, task, stream,
         planner=None):
    # Never more workers than runs: each is a process that imports torch (a few hundred MB). An adaptive sweep
    # places more runs as results arrive: it keeps its workers.
    workers = workers or default_workers(len(todo))
    if planner is None:
        workers = min(workers, max(len(todo), 1))
    with dask_client(workers, scheduler, settings) as client:
        client.run(warm_up, on_error="ignore")  # every worker imports torch and the engine now, not in its first run
        if on_start is not None:
            on_start(report, worker_threads(client))
        bar = tqdm(total=len(todo), unit="run", desc="sweep", file=stream, disable=quiet, dynamic_ncols=True)
        loop = _Loop(client, results, todo, report, task, bar, on_progress, planner)
        try:
            loop.run(stop)
        except KeyboardInterrupt:
            loop.cancel()
            raise SweepInterrupted(report) from None
        except SweepWriteError as exc:
            loop.cancel()
            exc.report = report
            raise
        finally:
            bar.close()


class _Loop:
    """Keeps the cluster's threads busy, and writes each finished run."""

    def __init__(
        self,
        client: Client,
        results: ResultsDir,
        todo: list[SweepPoint],
        report: SweepReport,
        task: Callable[..., TaskResult],
        bar: tqdm,
        on_progress: Progress | None,
        planner: Any = None,
    ) -> None:
        self.client, self.results, self.report, self.task, self.bar = client, results, report, task, bar
        self.planner = planner  # an adaptive sweep's: places the next runs, and is told each finished row
        self.queue = deque(todo)
        self.inflight: dict[Future, SweepPoint] = {}
        self.completed = as_completed()
        self.on_progress = on_progress
        self._threads, self._threads_at = 1, -math.inf
        self._token = f"{time.time_ns():x}"

    def run(self, stop: threading.Event | None) -> None:
        self._progress()
        while self.queue or self.inflight or self._place():
            if stop is not None and stop.is_set():
                self.cancel()
                raise SweepInterrupted(self.report)
            self._submit()
            batch = self.completed.next_batch(block=False)
            if not batch:
                time.sleep(POLL_S)
                continue
            finished = [(future, self.inflight.pop(future)) for future in batch]
            if self.planner is None:  # (an adaptive sweep places its next runs knowing these results)
                self._submit()  # the freed workers start their next runs while this client writes the results
            for future, point in finished:
                self._finish(future, point)

    def _capacity(self) -> int:
        now = time.monotonic()
        if now - self._threads_at > 1.0:  # workers may join or leave a shared cluster
            self._threads, self._threads_at = max(1, worker_threads(self.client)), now
        return self._threads

    def _place(self) -> bool:
        """Ask the planner (if any) for the next runs when the queue is empty; False when there are none."""
        if self.planner is not None and not self.queue:
            self.queue.extend(self.planner.place())
        return bool(self.queue)

    def _submit(self) -> None:
        while len(self.inflight) < self._capacity() and (self.queue or self._place()):
            point = self.queue.popleft()
            future = self.client.submit(
                self.task,
                point.config,
                self.results.sweep.thresholds,
                key=f"featlearn-run-{point.config_hash}-{self._token}",
                pure=False,
            )
            self.inflight[future] = point
            self.completed.add(future)

    def _finish(self, future: Future, point: SweepPoint) -> None:
        result = _result(future)
        future.release()
        row: dict[str, Any] = {
            "config_hash": point.config_hash,
            "status": result.status,
            "message": result.message,
            **point.values,
            **result.metrics,
            "wall_s": result.wall_s,
            "cpu_s": result.cpu_s,
        }
        self.results.add(row, result.history)
        if self.planner is not None:
            self.planner.finished_run(point, result.status, result.metrics)
        self.report.counts[result.status] += 1
        if result.status == FAILED:
            self.report.failed.append(f"{point.config_hash} ({point.label()}): {result.message}")
        if result.malloc_trim is not None and self.report.slow_malloc is None:
            self.report.slow_malloc = result.malloc_trim
        self._progress(refresh=False)
        self.bar.update(1)

    def _progress(self, refresh: bool = True) -> None:
        counts = self.report.counts
        self.bar.set_postfix(
            done=counts[OK] + counts[DIVERGED], failed=counts[FAILED], running=len(self.inflight), refresh=refresh
        )
        if self.on_progress is not None:
            self.on_progress(self.report, len(self.inflight))

    def cancel(self) -> None:
        """Cancel every run not finished; count them as pending."""
        self.report.pending = len(self.queue) + len(self.inflight)
        if self.inflight:
            self.client.cancel(list(self.inflight))
        self.queue.clear()
        self.inflight.clear()


def _result(future: Future) -> TaskResult:
    """The task's result, or a failed one when the task itself could not deliver (its worker died, ...)."""
    nan = float("nan")
    try:
        return future.result()
    except KilledWorker as exc:
        return TaskResult(FAILED, one_line(f"the worker running it died ({exc})"), None, {}, nan)
    except FutureCancelledError:
        return TaskResult(FAILED, "cancelled by the scheduler", None, {}, nan)
    except Exception as exc:  # e.g. the task could not be unpickled on the worker
        return TaskResult(FAILED, one_line(f"{type(exc).__name__}: {exc}"), None, {}, nan)
