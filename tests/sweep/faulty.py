"""Tasks that misbehave on purpose, imported by the Dask workers: one raises, one kills its worker process."""

from __future__ import annotations

import os

from engine.sweep.task import run_point


def raise_or_die(config, thresholds):
    """seed 1 raises, seed 2 kills the worker process running it (as a segfault or the OOM killer would)."""
    if config.seed == 1:
        raise RuntimeError("boom at seed 1")
    if config.seed == 2:
        os._exit(17)
    return run_point(config, thresholds)
