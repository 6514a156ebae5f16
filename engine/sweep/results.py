"""A sweep's output directory: results.csv (one row per run), runs/<config_hash>.npz and sweep.toml.

results.csv is rewritten atomically (a temporary file moved into place) after every run that arrives, in the
grid's order, so a reader (the phase window, pandas, numpy) never sees a half-written file. Cells never contain
commas or quotes: `np.genfromtxt(path, delimiter=",", names=True, dtype=None, encoding="utf-8", deletechars="")`
reads it, as does `pandas.read_csv(path)`.
"""

from __future__ import annotations

import csv
import io
import math
import tomllib
from pathlib import Path
from typing import Any

from .. import atomic
from ..history import RunHistory
from .grid import Sweep, SweepError
from .task import DIVERGED, FAILED, OK

RESULTS, RUNS, SWEEP_COPY = "results.csv", "runs", "sweep.toml"
METRIC_COLUMNS = (
    "final_loss",
    "max_active_angle_deg",
    "far_mass",
    "far_fraction",
    "captured_error",
    "recovered",
    "recovered_step",
    "certificate_max",
    "wall_s",
)
# After the documented columns: the mean angle the neuron directions moved since initialization (lazy vs feature
# learning), the smallest angle between two teachers (random teachers are only at least min_angle_deg apart), and
# the CPU seconds of the run (below wall_s when the machine is busier than its cores).
EXTRA_COLUMNS = ("direction_change_deg", "teacher_separation_deg", "cpu_s")
FINISHED = (OK, DIVERGED)


def columns(axis_keys: list[str]) -> list[str]:
    return ["config_hash", "status", "message", *axis_keys, *METRIC_COLUMNS, *EXTRA_COLUMNS]


def format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    return str(value).replace(",", ";").replace("\n", " ").replace('"', "'")


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a results.csv as strings (empty list if there is none yet)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return list(csv.DictReader(io.StringIO(text)))


class ResultsDir:
    """The output directory of one sweep: which runs are done, and the writing of rows and run files."""

    def __init__(self, root: str | Path, sweep: Sweep) -> None:
        self.root = Path(root)
        self.sweep = sweep
        self.columns = columns(sweep.axis_keys)
        self.order = {p.config_hash: p.index for p in sweep.points}
        self.rows: dict[str, dict[str, str]] = {}

    @property
    def csv_path(self) -> Path:
        return self.root / RESULTS

    def run_path(self, config_hash: str) -> Path:
        return self.root / RUNS / f"{config_hash}.npz"

    def read(self) -> None:
        """Check that the directory is free or holds this same sweep, and read the rows already there."""
        if self.root.exists() and not self.root.is_dir():
            raise SweepError(f"--out {self.root} is a file; give a directory")
        copy = self.root / SWEEP_COPY
        if copy.is_file() and tomllib.loads(copy.read_text(encoding="utf-8")) != tomllib.loads(self.sweep.text):
            raise SweepError(
                f"--out {self.root} holds results of another sweep ({copy} differs); choose another directory"
            )
        self.rows = {row["config_hash"]: row for row in read_rows(self.csv_path) if row.get("config_hash")}

    def create(self) -> None:
        """Make the directory and runs/, and keep a copy of the sweep file there."""
        (self.root / RUNS).mkdir(parents=True, exist_ok=True)
        atomic.write_bytes(self.root / SWEEP_COPY, self.sweep.text.encode("utf-8"))

    def is_done(self, config_hash: str) -> bool:
        """A run is done when its row says ok or diverged and its run file exists; failed runs run again."""
        row = self.rows.get(config_hash)
        return row is not None and row.get("status") in FINISHED and self.run_path(config_hash).is_file()

    def add(self, row: dict[str, Any], history: RunHistory | None) -> None:
        """Write the run file (if any), then the row: a row in results.csv always has its file."""
        if history is not None:
            history.save(self.run_path(row["config_hash"]))
        self.rows[row["config_hash"]] = {c: format_cell(row.get(c)) for c in self.columns}
        self._write()

    def _write(self) -> None:
        rows = sorted(self.rows.values(), key=lambda r: self.order.get(r["config_hash"], len(self.order)))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=self.columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        atomic.write_bytes(self.csv_path, out.getvalue().encode("utf-8"))

    def counts(self) -> dict[str, int]:
        statuses = [r.get("status") for r in self.rows.values() if r["config_hash"] in self.order]
        return {s: statuses.count(s) for s in (OK, DIVERGED, FAILED)}
