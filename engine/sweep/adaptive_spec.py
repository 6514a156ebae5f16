"""What a sweep file says about its metric and, for an adaptive sweep, its intervals and budget.

    metric = "direction_change_deg"      # the default metric of the phase window (a results.csv column)
    [axes]
    "optim.weight_decay" = { between = [1e-4, 1e-1], scale = "log" }   # a continuous axis: an interval
    "model.activation" = ["relu", "relu_centered"]                    # list axes: one boundary per combination
    seed = { range = [0, 2] }                                          # replicates, averaged at each point
    [adaptive]
    metric = "recovered"     # defaults to the top-level metric; both given and different is an error
    threshold = 0.5          # where the boundary lies (0.5 by default for recovered, required otherwise)
    runs = 12                # sampled points per combination of list values (each point runs every seed)

Raises ConfigError (the sweep loader names the file); imports nothing of the runner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..config import ConfigError

SCALES = ("log", "linear")
MAX_INTERVALS = 2  # python-adaptive's Learner1D and Learner2D; a boundary in 3+ dimensions is no single curve
DEFAULT_THRESHOLDS = {"recovered": 0.5}
ADAPTIVE_KEYS = ("metric", "threshold", "runs")
MAX_RUNS = 10_000  # sampled points per combination


@dataclass(frozen=True)
class Interval:
    """A continuous axis: the learner samples it between lo and hi, evenly in log10 (scale = log) or linearly."""

    lo: float
    hi: float
    scale: str = "linear"

    def to_unit(self, value: float) -> float:
        """The learner's coordinate of an axis value: log10 of it on a log scale."""
        return math.log10(value) if self.scale == "log" else float(value)

    def from_unit(self, u: float) -> float:
        return 10.0**u if self.scale == "log" else float(u)

    @property
    def bounds(self) -> tuple[float, float]:
        return self.to_unit(self.lo), self.to_unit(self.hi)


@dataclass(frozen=True)
class Adaptive:
    metric: str  # a results.csv column
    threshold: float
    runs: int  # sampled points per combination of list values


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def is_interval(spec: Any) -> bool:
    return isinstance(spec, dict) and "between" in spec


def interval(key: str, spec: dict[str, Any]) -> Interval:
    unknown = [k for k in spec if k not in ("between", "scale")]
    if unknown:
        raise ConfigError(f"axes.{key} has unknown key {unknown[0]}; an interval has between and scale")
    between, scale = spec["between"], spec.get("scale", "linear")
    if not (isinstance(between, list) and len(between) == 2 and all(map(_number, between)) and between[0] < between[1]):
        raise ConfigError(
            f"axes.{key} = {{ between = {between!r} }} is not allowed: expected two finite numbers [lo, hi], lo < hi"
        )
    if scale not in SCALES:
        raise ConfigError(f'axes.{key} scale = {scale!r} is not allowed: expected "log" or "linear"')
    if scale == "log" and between[0] <= 0:
        raise ConfigError(f'axes.{key} = {{ between = {between!r}, scale = "log" }}: a log scale needs lo > 0')
    return Interval(float(between[0]), float(between[1]), scale)


def metric_columns() -> tuple[str, ...]:
    """The results.csv columns a sweep's metric may name (late import: results imports the sweep loader)."""
    from .results import EXTRA_COLUMNS, METRIC_COLUMNS

    return tuple(c for c in (*METRIC_COLUMNS, *EXTRA_COLUMNS) if c not in ("wall_s", "cpu_s"))


def metric(value: Any, where: str) -> str:
    if value not in metric_columns():
        raise ConfigError(
            f"{where} = {value!r} is not allowed: expected a results.csv column, one of {', '.join(metric_columns())}"
        )
    return value


def adaptive(table: Any, top_metric: str, intervals: int) -> Adaptive | None:
    """The [adaptive] table checked against the axes: None for a grid sweep (no table, no interval)."""
    if table is None:
        if intervals:
            raise ConfigError(
                "an axis is an interval ({ between = ... }) but [adaptive] is missing: add [adaptive] "
                'with metric (e.g. "recovered") and runs'
            )
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"adaptive = {table!r} is not allowed: expected a table [adaptive]")
    unknown = [k for k in table if k not in ADAPTIVE_KEYS]
    if unknown:
        raise ConfigError(f"[adaptive] has unknown key {unknown[0]}; known: {', '.join(ADAPTIVE_KEYS)}")
    if not 1 <= intervals <= MAX_INTERVALS:
        raise ConfigError(
            f'[adaptive] needs one or two interval axes, e.g. "optim.lr" = {{ between = [0.01, 1], '
            f'scale = "log" }}; this sweep has {intervals}'
        )
    name = table.get("metric", top_metric)
    if not name:
        raise ConfigError('[adaptive] metric is missing: name a results.csv column, e.g. metric = "recovered"')
    if top_metric and name != top_metric:
        raise ConfigError(f"adaptive.metric = {name!r} differs from metric = {top_metric!r}: give one of them")
    name = metric(name, "adaptive.metric")
    threshold = table.get("threshold", DEFAULT_THRESHOLDS.get(name))
    if threshold is None:
        raise ConfigError(f"adaptive.threshold is missing: give the value of {name} where the boundary lies")
    if not _number(threshold):
        raise ConfigError(f"adaptive.threshold = {threshold!r} is not allowed: expected a finite number")
    runs = table.get("runs")
    if not (isinstance(runs, int) and not isinstance(runs, bool) and 2 <= runs <= MAX_RUNS):
        raise ConfigError(
            f"adaptive.runs = {runs!r} is not allowed: expected the number of sampled points per "
            f"combination of list values, an integer from 2 to {MAX_RUNS}"
        )
    return Adaptive(name, float(threshold), runs)
