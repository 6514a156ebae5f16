"""Phase diagrams: a metric of a sweep's results over two chosen axes, aggregated over the other axes.

Runs that share the two chosen axis values (e.g. different seeds) are replicates of one cell: the cell's value is
the fraction of them that recovered, or the median of a metric, and the cell keeps their count and their run
names. Qt-free: the phase window and the matplotlib export both draw a `PhaseGrid`.

    table = ResultsTable.load("out/")
    grid = aggregate(table, "fraction_recovered", x="optim.weight_decay", y="model.activation")
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .results import METRIC_COLUMNS, RESULTS, RUNS, read_rows
from .task import DIVERGED, FAILED, OK


@dataclass(frozen=True)
class Metric:
    """How a cell's runs become one number: `fraction` of runs with column = 1, or the `median` of a column."""

    label: str
    units: str
    column: str
    how: str  # fraction | median
    log: bool = False  # spans decades: drawn on a log colour scale
    among: str = "ok"  # which runs count: finished (ok + diverged), ok, or recovered


METRICS: dict[str, Metric] = {
    "fraction_recovered": Metric("fraction recovered", "fraction of runs", "recovered", "fraction", among="finished"),
    "far_fraction": Metric("median far fraction", "fraction of the mass", "far_fraction", "median", log=True),
    "far_mass": Metric("median far mass", "mass of neurons > 10° from every teacher", "far_mass", "median", log=True),
    "captured_error": Metric(
        "median captured error", "relative error of the captured mass", "captured_error", "median"
    ),
    "max_active_angle_deg": Metric("median max active angle", "degrees", "max_active_angle_deg", "median"),
    "recovered_step": Metric("median recovered step", "steps", "recovered_step", "median", among="recovered"),
    "final_loss": Metric("median final loss", "loss L", "final_loss", "median", log=True),
    "certificate_max": Metric("median certificate max", "max |eta| (> 1: not certified)", "certificate_max", "median"),
    "direction_change_deg": Metric(
        "median direction change", "degrees moved since init", "direction_change_deg", "median"
    ),
    "teacher_separation_deg": Metric(
        "median teacher separation", "smallest angle between teachers, degrees", "teacher_separation_deg", "median"
    ),
}


def metric_key(column: str) -> str:
    """The phase-diagram metric of a results.csv column (a sweep file's `metric`); "" names fraction recovered."""
    return next((key for key, m in METRICS.items() if m.column == column), "fraction_recovered")


def parse_value(text: str) -> Any:
    """A results.csv cell as a number where it is one (int before float), else the text; '' is None."""
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _sorted_unique(values: list[Any]) -> list[Any]:
    unique = list(dict.fromkeys(values))
    if all(isinstance(v, (int, float)) for v in unique):
        return sorted(unique)
    return unique  # strings (activations): in the order the sweep lists them


@dataclass
class ResultsTable:
    """The rows of a sweep's results.csv, parsed, with its axis columns."""

    root: Path
    axes: list[str]
    rows: list[dict[str, Any]]

    @classmethod
    def load(cls, root: str | Path) -> ResultsTable:
        root = Path(root)
        raw = read_rows(root / RESULTS)
        header = list(raw[0]) if raw else _header(root / RESULTS)
        axes = header[header.index("message") + 1 : header.index(METRIC_COLUMNS[0])] if "message" in header else []
        rows = [
            {k: (v if k in ("config_hash", "status", "message") else parse_value(v)) for k, v in r.items()} for r in raw
        ]
        return cls(root, axes, rows)

    def axis_values(self, axis: str) -> list[Any]:
        return _sorted_unique([r[axis] for r in self.rows])

    def run_path(self, config_hash: str) -> Path:
        return self.root / RUNS / f"{config_hash}.npz"


def _header(path: Path) -> list[str]:
    try:
        first = path.read_text(encoding="utf-8").splitlines()[:1]
    except FileNotFoundError:
        return []
    return first[0].split(",") if first else []


@dataclass(frozen=True)
class PhaseGrid:
    """A metric over two axes: value and counts are (len(y_values), len(x_values)); y may be absent (one row)."""

    metric: str
    x: str
    y: str | None
    x_values: list[Any]
    y_values: list[Any]
    value: np.ndarray  # NaN where no run counts
    count: np.ndarray  # runs that entered the value
    finished: np.ndarray  # finished runs (ok + diverged) in the cell
    failed: np.ndarray  # failed runs in the cell
    diverged: np.ndarray  # diverged runs in the cell (counted among the finished)
    hashes: list[list[list[str]]]  # [iy][ix]: config_hash of every run in the cell

    def cell_label(self, iy: int, ix: int) -> str:
        """The short text drawn on a cell: its value and run count, or why it has no value; diverged and failed
        runs are counted on it either way (a diverged run's 0 is not a run that trained and stayed unrecovered)."""
        value, runs = self.value[iy, ix], int(self.finished[iy, ix] + self.failed[iy, ix])
        if runs == 0:
            return "no runs"
        diverged, failed = int(self.diverged[iy, ix]), int(self.failed[iy, ix])
        bad = ", ".join(f"{n} {status}" for status, n in (("diverged", diverged), ("failed", failed)) if n)
        if not np.isnan(value):
            return f"{value:.3g}\nn = {self.count[iy, ix]}" + (f"\n{bad}" if bad else "")
        counts = {"ok": runs - diverged - failed, "diverged": diverged, "failed": failed}
        return "no value\n" + ", ".join(f"{n} {status}" for status, n in counts.items() if n)

    def trouble(self, iy: int, ix: int) -> str:
        """"failed" if a run of the cell failed, else "diverged" if one diverged, else "": how its frame is drawn."""
        return "failed" if self.failed[iy, ix] else "diverged" if self.diverged[iy, ix] else ""

    def where(self, iy: int, ix: int) -> str:
        """The cell's axis values, e.g. "lam = 0.1, act = relu"."""
        return f"{self.x} = {_text(self.x_values[ix])}" + (f", {self.y} = {_text(self.y_values[iy])}" if self.y else "")

    def cell_text(self, iy: int, ix: int) -> str:
        """What hovering a cell shows: its axis values, the value, and its runs by status."""
        m = METRICS[self.metric]
        where = self.where(iy, ix)
        value = self.value[iy, ix]
        number = "no runs" if np.isnan(value) else f"{value:.4g} ({m.units})"
        return (
            f"{where}\n{m.label}: {number}\nover {self.count[iy, ix]} runs; "
            f"{self.finished[iy, ix]} finished ({self.diverged[iy, ix]} diverged), {self.failed[iy, ix]} failed"
        )


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _counts(run: dict[str, Any], metric: Metric) -> bool:
    status = run["status"]
    if metric.among == "finished":
        return status in (OK, DIVERGED)
    if metric.among == "recovered":
        return status == OK and run.get("recovered") == 1
    return status == OK


def cell_value(runs: list[dict[str, Any]], metric: Metric) -> tuple[float, int]:
    """(value, number of runs it is over) of one cell's runs."""
    values = [r.get(metric.column) for r in runs if _counts(r, metric)]
    numbers = np.array([float(v) for v in values if isinstance(v, (int, float))], dtype=np.float64)
    numbers = numbers[np.isfinite(numbers)] if metric.how == "median" else numbers
    if len(numbers) == 0:
        return float("nan"), 0
    return (float(np.mean(numbers == 1)) if metric.how == "fraction" else float(np.median(numbers))), len(numbers)


def _status_counts(cells: list[list[list[dict[str, Any]]]], wanted: tuple[str, ...]) -> np.ndarray:
    return np.array([[sum(r["status"] in wanted for r in cell) for cell in row] for row in cells], dtype=int)


def aggregate(table: ResultsTable, metric: str, x: str, y: str | None = None) -> PhaseGrid:
    """The metric over axes x (columns) and y (rows), every other axis (seeds, ...) taken as replicates."""
    if metric not in METRICS:
        raise ValueError(f"metric {metric!r} is unknown; choose one of {', '.join(METRICS)}")
    for axis in (x, y):
        if axis is not None and axis not in table.axes:
            raise ValueError(f"axis {axis!r} is not an axis of this sweep ({', '.join(table.axes)})")
    if x == y:
        raise ValueError(f"choose two different axes (both are {x})")
    xs = table.axis_values(x)
    ys = table.axis_values(y) if y else [None]
    shape = (len(ys), len(xs))
    cells: list[list[list[dict[str, Any]]]] = [[[] for _ in xs] for _ in ys]
    for run in table.rows:
        cells[ys.index(run[y]) if y else 0][xs.index(run[x])].append(run)
    value, count = np.full(shape, np.nan), np.zeros(shape, dtype=int)
    for iy, ix in np.ndindex(shape):
        value[iy, ix], count[iy, ix] = cell_value(cells[iy][ix], METRICS[metric])
    return PhaseGrid(
        metric=metric,
        x=x,
        y=y,
        x_values=xs,
        y_values=ys,
        value=value,
        count=count,
        finished=_status_counts(cells, (OK, DIVERGED)).reshape(shape),
        failed=_status_counts(cells, (FAILED,)).reshape(shape),
        diverged=_status_counts(cells, (DIVERGED,)).reshape(shape),
        hashes=[[[r["config_hash"] for r in c] for c in row] for row in cells],
    )
