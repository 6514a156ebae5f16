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
from distributed.security import Security

from .grid import SweepError

NO_MALLOC_TRIM = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}

LOCAL_SETTINGS: dict[str, Any] = {
    **NO_MALLOC_TRIM,
    # No HTTP routes (dashboard, /health, /metrics): the local cluster serves nothing over HTTP, and its HTTP
    # server listens on a random port of 127.0.0.1 instead of 8787 (distributed always starts one).
    "distributed.scheduler.http.routes": [],
    "distributed.worker.http.routes": [],
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
        if scheduler is not None:
            with _remote(scheduler) as client:
                yield client
            return
        with _workers_ignore_ctrl_c():
            cluster = LocalCluster(
                n_workers=workers or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                # TLS with a certificate made for this cluster alone: only this client and its workers can
                # talk to the scheduler (Dask sends pickles: any client could run code in the workers).
                security=Security.temporary(),
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
    check_scheduler(address)
    try:
        client = Client(address, timeout=f"{SCHEDULER_TIMEOUT_S}s")
    except Exception as exc:  # whatever distributed raises, the user gets one line
        raise SweepError(_no_scheduler(address, exc)) from None
    with client:
        yield client


SCHEDULER_TIMEOUT_S = 10  # a Dask scheduler answers its identity at once; anything else is refused by then
SCHEMES = ("tcp", "tls", "ws", "wss")


def _no_scheduler(address: str, why: BaseException | str) -> str:
    reason = why if isinstance(why, str) else (" ".join(str(why).split())[:120] or type(why).__name__)
    return (f"--scheduler {address}: no Dask scheduler answers there ({reason}); start one with `dask scheduler` "
            "and give its address, e.g. tcp://HOST:8786")


def check_scheduler(address: str) -> None:
    """Refuse, within SCHEDULER_TIMEOUT_S, an address where no Dask scheduler answers: it must say it is one
    (its `identity`) over Dask's own protocol. An HTTP server, a silent port or a TLS endpoint without our
    certificates all become one SweepError line instead of a hang or a traceback."""
    import asyncio

    from distributed.comm import connect, parse_address

    if not address.strip():
        raise SweepError("--scheduler '': give a Dask scheduler's address, e.g. tcp://HOST:8786, or leave it out "
                         "to run on local workers")
    try:
        scheme, _ = parse_address(address, strict=False)
    except (ValueError, TypeError) as exc:
        raise SweepError(_no_scheduler(address, exc)) from None
    if scheme not in SCHEMES:
        raise SweepError(f"--scheduler {address}: {scheme}:// is not a Dask scheduler address; give "
                         f"{', '.join(s + '://HOST:PORT' for s in SCHEMES)}")

    async def identity() -> dict:
        comm = await connect(address, timeout=SCHEDULER_TIMEOUT_S)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            await comm.close()

    try:
        reply = asyncio.run(asyncio.wait_for(identity(), SCHEDULER_TIMEOUT_S))
    except TimeoutError:
        raise SweepError(_no_scheduler(address, f"no answer within {SCHEDULER_TIMEOUT_S} s")) from None
    except Exception as exc:
        raise SweepError(_no_scheduler(address, exc)) from None
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise SweepError(_no_scheduler(address, "it answered, but not as a Dask scheduler"))


def worker_threads(client: Client) -> int:
    """Threads of all workers now connected (they may come and go on a shared cluster)."""
    return sum(client.nthreads().values())
