"""Where a sweep's tasks run: a LocalCluster on this machine (one thread per worker process) or any running Dask
scheduler by address (`dask scheduler` + `dask worker`, dask-jobqueue on SLURM, ...).

The nanny's default `MALLOC_TRIM_THRESHOLD_=65536` makes glibc trim the heap on every free, which made the
torch training loop about 2x slower here; the local cluster unsets it (remote workers: see the README).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dask
from distributed import Client, LocalCluster

from .grid import SweepError

NO_MALLOC_TRIM = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}

LOCAL_SETTINGS: dict[str, Any] = {
    **NO_MALLOC_TRIM,
    # A task whose worker dies is retried once, then reported as failed: a run that kills its worker costs two
    # worker restarts, not four (the default allows three retries).
    "distributed.scheduler.allowed-failures": 1,
}


def default_workers(runs: int) -> int:
    return max(1, min(os.cpu_count() or 1, runs))


@contextmanager
def dask_client(
    workers: int = 0, scheduler: str | None = None, settings: dict[str, Any] | None = None
) -> Iterator[Client]:
    """A Client of the scheduler at `scheduler`, or of a new LocalCluster with `workers` single-thread processes.

    `settings` replaces LOCAL_SETTINGS (the benchmark uses it to measure the nanny's default).
    """
    with dask.config.set(LOCAL_SETTINGS if settings is None else settings):
        if scheduler:
            with _remote(scheduler) as client:
                yield client
            return
        with _workers_ignore_ctrl_c():
            cluster = LocalCluster(
                n_workers=workers or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,  # a dead worker is a failed row; a slow shutdown is no news
            )
        with cluster, Client(cluster) as client:
            yield client


@contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Ctrl+C in a terminal signals the whole foreground process group. Worker processes spawned while SIGINT is
    ignored inherit that, so only the client sees it: it cancels cleanly instead of every worker printing a
    KeyboardInterrupt traceback."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _remote(address: str) -> Iterator[Client]:
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise SweepError(
            f"--scheduler {address}: no Dask scheduler answers there ({type(exc).__name__}); start one with "
            "`dask scheduler` and give its address, e.g. tcp://HOST:8786"
        ) from None
    with client:
        yield client


def worker_threads(client: Client) -> int:
    """Threads of all workers now connected (they may come and go on a shared cluster)."""
    return sum(client.nthreads().values())
