"""An adaptive sweep's placement of runs: python-adaptive learners put the next points where the metric crosses its
threshold; the runner (`runner.run_sweep`) runs them on the same Dask cluster as a grid, one run per seed.

Each combination of list values (seeds excluded) has its own learner (Learner1D for one interval axis, Learner2D
for two), which learns the seed-averaged metric minus the threshold in the axes' units (log10 on a log scale).
Its loss favours intervals (triangles) whose ends lie on both sides of the threshold, so the budget of `runs`
points per combination goes to the boundary, while a small weight on the others keeps exploring the rest of the
interval (a metric may cross more than once).

    planner = Planner(sweep, results_dir)
    todo = planner.resume()             # replays results.csv: finished points told, missing seeds rerun
    runs = planner.place()              # the next point's runs (one per seed), [] when the budget is spent
    planner.finished_run(point, status, metrics)

A point whose runs all failed tells its learner nothing: it stays pending, so it is not placed again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import adaptive
import numpy as np
from adaptive.learner.learner2D import areas

from . import boundary
from .boundary import interval_of
from .grid import Sweep, SweepPoint
from .results import ResultsDir, format_cell
from .task import DIVERGED, OK

CALM = 0.05  # loss weight of an interval (triangle) on one side of the threshold, relative to one across it
DIGITS = 6  # significant digits of a placed axis value (12 if 6 would repeat one already placed)
FINISHED = (OK, DIVERGED)


def crossing_loss_1d(xs: tuple[float, float], ys: tuple[Any, Any]) -> float:
    """Learner1D's loss of an interval: its width, times CALM unless the metric crosses the threshold in it.

    The learner learns metric - threshold (scaled by a positive factor), so a crossing is a change of sign."""
    width = abs(xs[1] - xs[0])
    if ys[0] is None or ys[1] is None:
        return width
    return width if (ys[0] >= 0) != (ys[1] >= 0) else CALM * width


def crossing_loss_2d(ip) -> np.ndarray:
    """Learner2D's loss per triangle: sqrt(area), times CALM unless its corners lie on both sides of the threshold."""
    above = ip.values[ip.tri.simplices][..., 0] >= 0
    crossing = above.any(axis=1) & ~above.all(axis=1)
    return np.sqrt(areas(ip)) * np.where(crossing, 1.0, CALM)


def _never(_x):  # the learners are asked and told; they never call the function themselves
    raise RuntimeError("an adaptive sweep's learner does not evaluate points itself")


def learner(bounds: list[tuple[float, float]]):
    """A learner over one or two intervals (in the axes' units), asked and told by its caller, that places points
    where the told value (metric - threshold) changes sign."""
    if len(bounds) == 1:
        return adaptive.Learner1D(_never, bounds[0], loss_per_interval=crossing_loss_1d)
    return adaptive.Learner2D(_never, bounds, loss_per_triangle=crossing_loss_2d)


def significant(x: float, digits: int) -> float:
    return float(f"{x:.{digits}g}")


@dataclass
class _Point:
    """One sampled point of one combination: its learner coordinate and its seeds' (status, metric value)."""

    u: tuple[float, ...]
    values: dict[str, Any]  # every axis' value of its runs, seed excluded
    runs: dict[Any, tuple[str, float]] = field(default_factory=dict)
    told: bool = False


class Planner:
    def __init__(self, sweep: Sweep, results: ResultsDir) -> None:
        assert sweep.adaptive is not None
        self.sweep, self.spec, self.results = sweep, sweep.adaptive, results
        self.intervals = [a for a in sweep.axes if a.interval is not None]
        self.lists = [a for a in sweep.axes if a.interval is None and a.key != "seed"]
        self.seeds = next((a.values for a in sweep.axes if a.key == "seed"), (None,))
        self.combos = boundary.combos(self.lists)
        self.learners = [self._learner() for _ in self.combos]
        self.points: list[dict[tuple[float, ...], _Point]] = [{} for _ in self.combos]
        self.where: dict[str, tuple[int, tuple[float, ...], Any]] = {}  # config_hash -> (combo, point key, seed)
        self.total = len(self.combos) * self.spec.runs * len(self.seeds)
        self.skipped = 0
        self._turn = 0

    def _learner(self):
        return learner([interval_of(a).bounds for a in self.intervals])

    # --- placing --------------------------------------------------------------------------------------------

    def place(self) -> list[SweepPoint]:
        """The runs of the next point, taking the combinations in turn; [] once every budget is spent."""
        while any(len(p) < self.spec.runs for p in self.points):
            c, self._turn = self._turn, (self._turn + 1) % len(self.combos)
            if len(self.points[c]) < self.spec.runs:
                runs = self._place_in(c)
                if runs:
                    return runs
        return []

    def _place_in(self, c: int) -> list[SweepPoint]:
        asked, _ = self.learners[c].ask(1)
        u = tuple(np.atleast_1d(asked[0]).astype(float))
        for digits in (DIGITS, 12):
            key = tuple(significant(interval_of(a).from_unit(x), digits) for a, x in zip(self.intervals, u))
            if key not in self.points[c]:
                break
        else:  # the learner asked for a point already placed: it stays pending, its share of the budget spent
            self.points[c][(*key, len(self.points[c]))] = _Point(u, {}, told=True)
            return []
        return self._register(c, key, u, missing=self.seeds)

    def _register(self, c: int, key: tuple[float, ...], u: tuple[float, ...], missing) -> list[SweepPoint]:
        values = dict(self.combos[c])
        values.update(zip((a.key for a in self.intervals), key))
        point = self.points[c].setdefault(
            key, _Point(u, {a.key: values[a.key] for a in self.sweep.axes if a.key != "seed"})
        )
        runs = []
        for seed in missing:
            run = self._run(point, seed)
            self.where[run.config_hash] = (c, key, seed)
            self.results.order.setdefault(run.config_hash, len(self.results.order))
            runs.append(run)
        return runs

    def _run(self, point: _Point, seed: Any) -> SweepPoint:
        values = {a.key: (seed if a.key == "seed" else point.values[a.key]) for a in self.sweep.axes}
        return self.sweep.point(values, len(self.results.order))

    # --- results --------------------------------------------------------------------------------------------

    def finished_run(self, run: SweepPoint, status: str, metrics: dict[str, Any]) -> None:
        c, key, seed = self.where[run.config_hash]
        point = self.points[c][key]
        point.runs[seed] = (status, _number(metrics.get(self.spec.metric)))
        if len(point.runs) == len(self.seeds):
            self._tell(c, point)

    def _tell(self, c: int, point: _Point) -> None:
        values = [v for status, v in point.runs.values() if status in FINISHED and math.isfinite(v)]
        if values and not point.told:
            self.learners[c].tell(_at(point.u), float(np.mean(values)) - self.spec.threshold)
            point.told = True

    def resume(self) -> list[SweepPoint]:
        """Replay results.csv (in its order, the order of placement) into the learners; return the runs to redo:
        the seeds of a placed point that failed or are missing."""
        pending: dict[tuple[int, tuple[float, ...]], None] = {}
        for row in list(self.results.rows.values()):
            found = self._locate(row)
            if found is None:
                continue
            c, key, seed = found
            u = tuple(interval_of(a).to_unit(v) for a, v in zip(self.intervals, key))
            self._register(c, key, u, missing=())
            point = self.points[c][key]
            run = self._run(point, seed)
            if run.config_hash != row["config_hash"]:
                continue  # a run of another base config; it is not this sweep's
            self.results.order.setdefault(run.config_hash, len(self.results.order))
            self.where[run.config_hash] = (c, key, seed)
            if self.results.is_done(run.config_hash):
                point.runs[seed] = (row["status"], _number(row.get(self.spec.metric)))
                self.skipped += 1
            pending[(c, key)] = None
        todo: list[SweepPoint] = []
        for c, key in pending:
            point = self.points[c][key]
            missing = [s for s in self.seeds if s not in point.runs]
            if missing:
                self.learners[c].tell_pending(_at(point.u))
                todo += self._register(c, key, point.u, missing)
            else:
                self._tell(c, point)
        return todo

    def _locate(self, row: dict[str, str]) -> tuple[int, tuple[float, ...], Any] | None:
        """(combination, point key, seed) of a results.csv row, None if it is no point of this sweep."""
        try:
            key = tuple(float(row[a.key]) for a in self.intervals)
            seed = int(row["seed"]) if self.seeds != (None,) else None
        except (KeyError, ValueError):
            return None
        names = tuple(row.get(a.key, "") for a in self.lists)
        for c, combo in enumerate(self.combos):
            if tuple(format_cell(v) for v in combo.values()) == names and seed in self.seeds:
                return c, key, seed
        return None

    @property
    def finished(self) -> bool:
        """Every budget spent and every placed point's runs done."""
        return all(len(p) >= self.spec.runs for p in self.points) and all(
            len(p.runs) == len(self.seeds) or p.told for points in self.points for p in points.values()
        )

    def write_boundary(self) -> None:
        boundary.write(self.results.root, self.sweep)


def _at(u: tuple[float, ...]):
    """A learner's point: a number for Learner1D, a tuple for Learner2D."""
    return u if len(u) > 1 else u[0]


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
