"""Where an adaptive sweep's metric crosses its threshold: DIR/boundary.csv, the command's summary and the phase
window's marks, all from results.csv. Qt-free.

At each sampled point the metric is the mean over its finished seeds (ok or diverged, with a value). One interval
axis: a crossing lies between two neighbouring points on either side of the threshold (below it vs at or above
it), estimated by linear interpolation in the axis' units (log10 on a log scale); a metric may cross more than
once. Two interval axes: the metric is interpolated linearly on the Delaunay triangulation of the points (scipy)
and the boundary is its contour line at the threshold (contourpy), as points of one or more curves.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import atomic
from .adaptive_spec import Adaptive, Interval
from .grid import Axis, Sweep, format_value
from .phase import ResultsTable
from .results import format_cell
from .task import DIVERGED, OK

BOUNDARY = "boundary.csv"
MAP_POINTS = 121  # grid points per axis of the interpolated map of two axes
DIGITS = 6


@dataclass
class Samples:
    """One combination's sampled points: their axis values (n, k), the mean metric and the runs averaged."""

    combo: dict[str, Any]
    values: np.ndarray
    mean: np.ndarray
    runs: np.ndarray


def interval_of(axis: Axis) -> Interval:
    """An interval axis' interval (typed: the axis is known to be one)."""
    if axis.interval is None:
        raise ValueError(f"{axis.key} is not an interval axis")
    return axis.interval


def spec_of(sweep: Sweep) -> Adaptive:
    if sweep.adaptive is None:
        raise ValueError("not an adaptive sweep")
    return sweep.adaptive


def list_axes(sweep: Sweep) -> list[Axis]:
    return [a for a in sweep.axes if a.interval is None and a.key != "seed"]


def interval_axes(sweep: Sweep) -> list[Axis]:
    return [a for a in sweep.axes if a.interval is not None]


def samples(sweep: Sweep, rows: list[dict[str, Any]]) -> list[Samples]:
    """Per combination of list values (in the sweep's order): the seed-averaged metric at each sampled point."""
    lists, intervals, column = list_axes(sweep), interval_axes(sweep), spec_of(sweep).metric
    out = []
    for combo in combos(lists):
        names = tuple(format_cell(v) for v in combo.values())
        sums: dict[tuple[float, ...], list[float]] = {}
        for row in rows:
            if tuple(format_cell(row.get(a.key)) for a in lists) != names or row.get("status") not in (OK, DIVERGED):
                continue
            value = row.get(column)
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                continue
            key = tuple(float(row[a.key]) for a in intervals)
            sums.setdefault(key, []).append(float(value))
        keys = sorted(sums)
        out.append(
            Samples(
                combo,
                np.array(keys, dtype=float).reshape(len(keys), len(intervals)),
                np.array([np.mean(sums[k]) for k in keys]),
                np.array([len(sums[k]) for k in keys]),
            )
        )
    return out


def combos(lists: list[Axis]) -> list[dict[str, Any]]:
    """Every combination of the list axes' values (the first varying slowest), as {key: value}."""
    return [dict(zip((a.key for a in lists), c)) for c in itertools.product(*(a.values for a in lists))]


def crossing_points(u: np.ndarray, v: np.ndarray, t: float) -> list[tuple[int, float]]:
    """Where v (at increasing u) crosses t: (i, u*) for each pair of neighbours i, i + 1 on either side of it (below
    t vs at or above it), u* by linear interpolation."""
    found = []
    for i in range(len(u) - 1):
        if (v[i] >= t) != (v[i + 1] >= t):
            found.append((i, float(u[i] + (t - v[i]) / (v[i + 1] - v[i]) * (u[i + 1] - u[i]))))
    return found


def crossings(sweep: Sweep, s: Samples) -> list[dict[str, Any]]:
    """The rows of boundary.csv for one combination over one interval axis."""
    axis = interval_axes(sweep)[0]
    t = spec_of(sweep).threshold
    x, v = s.values[:, 0], s.mean
    u = np.array([interval_of(axis).to_unit(xi) for xi in x])
    rows = []
    for i, at in crossing_points(u, v, t):
        estimate = interval_of(axis).from_unit(at)
        rows.append(
            {
                **s.combo,
                "axis": axis.key,
                "boundary": float(f"{estimate:.{DIGITS}g}"),
                "lower": float(x[i]),
                "upper": float(x[i + 1]),
                "direction": "up" if v[i + 1] > v[i] else "down",
            }
        )
    return rows


def unit_map(sweep: Sweep, s: Samples, n: int = MAP_POINTS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two interval axes: the metric interpolated linearly on an n x n grid of the axes' units (log10 on a log
    scale): (u_x (n,), u_y (n,), value (n, n) indexed [iy, ix], NaN outside the sampled points' hull)."""
    from scipy.interpolate import LinearNDInterpolator

    ax, ay = interval_axes(sweep)
    gx, gy = (np.linspace(*interval_of(a).bounds, n) for a in (ax, ay))
    if len(s.mean) < 3:
        return gx, gy, np.full((n, n), np.nan)
    points = np.column_stack(
        [[interval_of(ax).to_unit(x) for x in s.values[:, 0]], [interval_of(ay).to_unit(y) for y in s.values[:, 1]]]
    )
    scale = np.array([gx[-1] - gx[0], gy[-1] - gy[0]])  # triangulate in the unit square: both axes count alike
    try:
        ip = LinearNDInterpolator(points / scale, s.mean)
    except Exception:  # collinear points (scipy's QhullError): no map yet
        return gx, gy, np.full((n, n), np.nan)
    mx, my = np.meshgrid(gx / scale[0], gy / scale[1])
    return gx, gy, ip(mx, my)


def curves(sweep: Sweep, s: Samples) -> list[np.ndarray]:
    """Two interval axes: the boundary as curves of axis values, each (n, 2)."""
    import contourpy

    gx, gy, z = unit_map(sweep, s)
    if not np.isfinite(z).any():
        return []
    ax, ay = interval_axes(sweep)
    lines = contourpy.contour_generator(gx, gy, np.ma.masked_invalid(z), line_type="Separate").lines(
        spec_of(sweep).threshold
    )
    ix, iy = interval_of(ax), interval_of(ay)
    return [
        np.array([[ix.from_unit(px), iy.from_unit(py)] for px, py in np.asarray(line)])
        for line in lines
        if len(line) > 1
    ]


def boundary_rows(sweep: Sweep, rows: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """boundary.csv's columns and rows for the results rows (parsed, as `ResultsTable.rows`)."""
    keys = [a.key for a in list_axes(sweep)]
    intervals = interval_axes(sweep)
    out: list[dict[str, Any]] = []
    if len(intervals) == 1:
        for s in samples(sweep, rows):
            out += crossings(sweep, s)
        return [*keys, "axis", "boundary", "lower", "upper", "direction"], out
    for s in samples(sweep, rows):
        for i, line in enumerate(curves(sweep, s)):
            out += [
                {
                    **s.combo,
                    intervals[0].key: float(f"{x:.{DIGITS}g}"),
                    intervals[1].key: float(f"{y:.{DIGITS}g}"),
                    "curve": i,
                }
                for x, y in line
            ]
    return [*keys, intervals[0].key, intervals[1].key, "curve"], out


def write(root: str | Path, sweep: Sweep) -> Path:
    """Write DIR/boundary.csv from DIR/results.csv, atomically."""
    root = Path(root)
    columns, rows = boundary_rows(sweep, ResultsTable.load(root).rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({c: format_cell(r[c]) for c in columns} for r in rows)
    path = root / BOUNDARY
    atomic.write_bytes(path, out.getvalue().encode("utf-8"))
    return path


def describe(sweep: Sweep, rows: list[dict[str, Any]]) -> list[str]:
    """One line per combination: its boundaries, for the command's summary."""
    intervals = interval_axes(sweep)
    metric, t = spec_of(sweep).metric, spec_of(sweep).threshold
    lines = []
    for s in samples(sweep, rows):
        where = ", ".join(f"{k} = {format_value(v)}" for k, v in s.combo.items())
        prefix = f"{where}: " if where else ""
        if len(intervals) == 1:
            found = crossings(sweep, s)
            text = "; ".join(
                f"{r['axis']} = {format_value(r['boundary'])} (between {format_value(r['lower'])} and "
                f"{format_value(r['upper'])}; {metric} goes {r['direction']})"
                for r in found
            )
            span = f"{format_value(interval_of(intervals[0]).lo)}..{format_value(interval_of(intervals[0]).hi)}"
            lines.append(prefix + (text or f"{metric} does not cross {t:g} in {span} ({len(s.mean)} points)"))
        else:
            found2 = curves(sweep, s)
            points = sum(len(c) for c in found2)
            lines.append(
                prefix
                + (
                    f"a boundary of {len(found2)} curve(s), {points} points"
                    if found2
                    else f"{metric} does not cross {t:g} ({len(s.mean)} points)"
                )
            )
    return lines
