"""How well an adaptive sweep locates a boundary, against a uniform grid of as many runs (reported by
`featlearn bench --only boundary`; not run in CI).

The error is the distance, in log10 of the axis, from the estimated crossing (linear interpolation between the
two neighbours on either side of the threshold, as boundary.csv) to a reference; without a crossing, the error is
the whole interval (the boundary was missed). The uniform grid's error is averaged over 5 offsets of the grid
(points lo + (i + offset) * width / n), since where the grid falls relative to the boundary decides its error.

- synthetic: a step of known position (metric 1 from log10 x >= c on), for 5 positions c;
- training (slow): the critical weight decay of the centred ReLU on the paper's teacher (the built-in sweep
  critical-weight-decay), the reference found once by bisection.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .adaptive import learner
from .boundary import crossing_points

OFFSETS = (0.1, 0.3, 0.5, 0.7, 0.9)


def adaptive_points(f: Callable[[float], float], lo: float, hi: float, n: int, t: float) -> tuple[list, list]:
    """n points placed one after another by the adaptive sweep's learner, f evaluated at each."""
    learn = learner([(lo, hi)])
    us, vs = [], []
    for _ in range(n):
        (u,), _ = learn.ask(1)
        v = f(u)
        learn.tell(u, v - t)
        us.append(u)
        vs.append(v)
    return us, vs


def grid_points(f: Callable[[float], float], lo: float, hi: float, n: int, offset: float) -> tuple[list, list]:
    us = list(lo + (np.arange(n) + offset) * (hi - lo) / n)
    return us, [f(u) for u in us]


def error(us: list, vs: list, t: float, reference: float, width: float) -> float:
    """|estimate - reference| of the crossing nearest the reference; the interval's width if none was found."""
    order = np.argsort(us)
    found = [at for _, at in crossing_points(np.asarray(us)[order], np.asarray(vs)[order], t)]
    return min((abs(at - reference) for at in found), default=width)


def compare(f, lo: float, hi: float, n: int, t: float, reference: float, grid_only: bool = False) -> dict[str, float]:
    width = hi - lo
    grid = float(np.mean([error(*grid_points(f, lo, hi, n, o), t, reference, width) for o in OFFSETS]))
    if grid_only:
        return {"grid": grid}
    return {"adaptive": error(*adaptive_points(f, lo, hi, n, t), t, reference, width), "grid": grid}


def synthetic_table(runs: tuple[int, ...] = (6, 8, 12, 16), lo: float = -4.0, hi: float = -1.0) -> list[dict]:
    """Mean errors (log10 units) over 5 step positions, per number of runs."""
    edges = [lo + (hi - lo) * q for q in (0.23, 0.37, 0.51, 0.64, 0.78)]
    steps = [lambda u, c=c: float(u >= c) for c in edges]

    def grid_error(n: int) -> float:
        return float(np.mean([compare(f, lo, hi, n, 0.5, c, grid_only=True)["grid"] for f, c in zip(steps, edges)]))

    rows = []
    for n in runs:
        adaptive_error = float(np.mean([compare(f, lo, hi, n, 0.5, c)["adaptive"] for f, c in zip(steps, edges)]))
        same = next((m for m in range(2, 50 * n) if grid_error(m) <= adaptive_error), float("nan"))
        rows.append(
            {
                "runs": n,
                "adaptive": adaptive_error,
                "grid": grid_error(n),
                "ratio": grid_error(n) / adaptive_error,
                "grid_runs_same_error": same,
            }
        )
    return rows


def bisection(f: Callable[[float], float], below: float, above: float, t: float, steps: int) -> float:
    """The crossing between a point below t and one at or above it, halved `steps` times (log10 units)."""
    for _ in range(steps):
        mid = (below + above) / 2
        below, above = (below, mid) if f(mid) >= t else (mid, above)
    return (below + above) / 2


def training_metric(seeds: int = 2, activation: str = "relu_centered") -> Callable[[float], float]:
    """The built-in critical-weight-decay sweep's setting as a function of log10(lambda0): the fraction of seeds
    recovered (runs cached, so the bisection, the grids and the adaptive sweep share what they both ran)."""
    from . import builtin, grid
    from .task import DIVERGED, OK, run_point

    sweep = grid.load(builtin.find("critical-weight-decay"))
    cache: dict[float, float] = {}

    def f(u: float) -> float:
        key = round(u, 9)
        if key not in cache:
            recovered: list[float] = []
            for seed in range(seeds):
                point = sweep.point({"optim.weight_decay": 10.0**u, "model.activation": activation, "seed": seed}, 0)
                result = run_point(point.config, sweep.thresholds)
                recovered.append(
                    float(result.metrics.get("recovered") or 0) if result.status in (OK, DIVERGED) else 0.0
                )
            cache[key] = float(np.mean(recovered))
        return cache[key]

    return f


def training_table(runs: int = 8, seeds: int = 2) -> dict[str, float]:
    """The centred ReLU's critical lambda0 between 1e-4 and 1e-2: bisection reference (8 halvings), then the
    adaptive sweep and the 5 offset grids of `runs` points each."""
    f = training_metric(seeds)
    lo, hi = -4.0, -2.0
    reference = bisection(f, lo, hi, 0.5, 8)
    return {"reference": reference, "runs": runs, **compare(f, lo, hi, runs, 0.5, reference)}
