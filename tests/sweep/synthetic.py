"""A task with a known boundary, imported by the Dask workers: it trains the (tiny) run as usual, then replaces the
metric `recovered` with a step of the weight decay, so where the boundary lies is known exactly."""

from __future__ import annotations

import math

from engine.sweep.task import FAILED, run_point

EDGE = {"relu": 3e-3, "relu_centered": 4e-4}  # recovered iff weight_decay >= EDGE[activation]


def step(config, thresholds):
    result = run_point(config, thresholds)
    if result.status != FAILED:
        result.metrics["recovered"] = int(config.optim.weight_decay >= EDGE[config.model.activation])
    return result


def disc(config, thresholds):
    """Two axes: recovered iff (log10 lr + 2)^2 + (log10 wd + 2.5)^2 <= 0.5^2 (a disc in log units)."""
    result = run_point(config, thresholds)
    r2 = (math.log10(config.optim.lr) + 1) ** 2 + (math.log10(config.optim.weight_decay) + 2.5) ** 2
    result.metrics["recovered"] = int(r2 <= 0.25)
    return result


def step_or_fail(config, thresholds):
    """As `step`, but the run of seed 1 at the interval's upper end raises."""
    if config.seed == 1 and config.optim.weight_decay == 0.1:
        raise RuntimeError("boom at the upper end")
    return step(config, thresholds)
