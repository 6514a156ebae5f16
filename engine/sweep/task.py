"""One sweep task, run on a Dask worker: train one config, measure it, return the history and a row.

The task writes nothing: the client (the machine running the sweep) writes the run file and results.csv, so
workers need no shared filesystem. Errors are caught here and returned as a `failed` row, so that one bad run
never stops a sweep.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from ..config import RunConfig
from ..history import RunHistory
from ..trainer import Diverged, train
from .grid import Thresholds
from .summary import summarize

OK, DIVERGED, FAILED = "ok", "diverged", "failed"


@dataclass
class TaskResult:
    """What a worker sends back: the status, a message, the history (None if it failed) and the metric columns."""

    status: str
    message: str
    history: RunHistory | None
    metrics: dict[str, float | int | None]
    wall_s: float
    malloc_trim: str | None = None  # the worker's MALLOC_TRIM_THRESHOLD_ (a slow setting, reported once)
    cpu_s: float = float("nan")  # CPU time of the task's process: well below wall_s on a busy machine


def warm_up() -> None:
    """Run on each worker as a sweep starts: importing this module imported torch and the engine."""
    torch.set_num_threads(1)


def one_line(text: str) -> str:
    """A message fit for one CSV cell read by numpy: no newlines, no commas."""
    return " ".join(text.split()).replace(",", ";")


def run_point(config: RunConfig, thresholds: Thresholds) -> TaskResult:
    """Train `config` to its end with one torch thread and summarize it. Never raises for a run's own failure."""
    torch.set_num_threads(1)
    start, cpu = time.perf_counter(), time.process_time()
    trim = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    done = lambda status, message, history, metrics: TaskResult(
        status, message, history, metrics, time.perf_counter() - start, trim, time.process_time() - cpu
    )
    try:
        # Overflow on the way to divergence is expected and reported in the row; worker warnings would reach the
        # terminal before the sweep's own lines.
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            history = train(config)
        status, message = OK, ""
    except Diverged as exc:
        history = exc.history  # type: ignore[attr-defined]
        status, message = DIVERGED, one_line(str(exc))
    except Exception as exc:  # a run that raises is a failed row, not a failed sweep
        return done(FAILED, one_line(f"{type(exc).__name__}: {exc}"), None, {})
    if len(history) == 0:  # diverged before its first snapshot: nothing to keep
        return done(status, message, None, {})
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        metrics = summarize(history, thresholds)
    if status == DIVERGED:
        metrics.update(recovered=0, recovered_step=None)
    return done(status, message, history, metrics)
