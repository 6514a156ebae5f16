"""A sweep's output directory: results.csv (one row per run), runs/<config_hash>.npz and sweep.toml.

results.csv is rewritten atomically (engine.atomic) after every run that arrives, in the grid's order, so a
reader (the phase window, pandas, numpy) never sees a half-written file. On resume nothing on disk is trusted
blindly: a row missing cells, or a run file that is not a sound run of its config, counts as not done.
Cells never contain commas or quotes:
`np.genfromtxt(path, delimiter=",", names=True, dtype=None, encoding="utf-8", deletechars="")` reads it,
as does `pandas.read_csv(path)`.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import atomic
from .. import lock as lock_mod
from ..history import RunFileError, RunHistory, check_file
from . import identity as identity_mod
from .grid import Sweep, SweepError
from .grid import config_hash as config_hash_of
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
# learning), the smallest angle between two teachers (random teachers are only at least min_angle_deg apart), the
# CPU seconds of the run (below wall_s when the machine is busier than its cores), and the share of the mass in the
# teacher span at the last step (1 by construction when the teachers span R^d).
EXTRA_COLUMNS = ("direction_change_deg", "teacher_separation_deg", "cpu_s", "span_share")
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


class SweepWriteError(Exception):
    """Writing into the output folder failed (a full disk, a folder gone): what was finished is kept.
    `report` (set by the runner): the sweep's report up to then."""

    report: Any = None


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a results.csv as strings (empty list if there is none yet); SweepError if it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except IsADirectoryError:
        raise SweepError(f"{path} is a folder, not a results file; choose another --out") from None
    except UnicodeDecodeError:
        raise SweepError(f"{path} is not a featlearn results file (not UTF-8 text); choose another --out") from None
    except OSError as exc:
        raise SweepError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return list(csv.DictReader(io.StringIO(text)))
    except csv.Error as exc:
        raise SweepError(f"{path} is not a featlearn results file ({exc}); choose another --out") from None


HASH = re.compile(r"[0-9a-f]{16}")


def row_is_whole(row: Mapping[str, str | None]) -> bool:
    """Whether a row read back has a cell for every column of its header (a truncated line lacks its last ones)
    and a sound hash and status."""
    if None in row or None in row.values():  # csv's marks: None key, extra cells; None value, missing cells
        return False
    return bool(HASH.fullmatch(row["config_hash"] or "")) and row["status"] in (OK, DIVERGED, FAILED)


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

    def read(self, identity: dict[str, str] | None = None) -> None:
        """Check that the directory is free or holds this same experiment (`identity`, see identity.py), that what
        is in it is what a sweep writes, and read the rows already there; SweepError (one line) otherwise."""
        root = self.root
        if str(root) in ("", "."):
            raise SweepError("--out '': give a directory for the results, e.g. --out results/")
        if root.exists() and not root.is_dir():
            raise SweepError(f"--out {root} is a file; give a directory")
        if (root / RUNS).exists() and not (root / RUNS).is_dir():
            raise SweepError(f"--out {root}: {root / RUNS} is a file where the runs' folder goes; choose another --out")
        if identity is not None:
            identity_mod.check_folder(root, identity)
        self._check_copy()
        rows = [r for r in read_rows(self.csv_path) if row_is_whole(r)]
        self.rows = {row["config_hash"]: row for row in rows}  # a damaged row is dropped: its run runs again
        # An adaptive sweep places its runs as it goes (its planner fills `order`); its identity guards its rows.
        foreign = [h for h in self.rows if h not in self.order] if self.sweep.adaptive is None else []
        if foreign:
            raise SweepError(
                f"--out {root} holds {len(foreign)} runs that are not in this sweep (its base config or axes "
                "changed?); choose another directory"
            )

    def _check_copy(self) -> None:
        copy = self.root / SWEEP_COPY
        if not copy.exists():
            return
        try:
            old = tomllib.loads(copy.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            what = "a folder" if copy.is_dir() else f"not a sweep file ({type(exc).__name__})"
            raise SweepError(f"--out {self.root}: {copy} is {what}; choose another directory") from None
        if old != tomllib.loads(self.sweep.text):
            raise SweepError(
                f"--out {self.root} holds results of another sweep ({copy} differs); choose another directory"
            )

    def lock(self) -> lock_mod.FolderLock:
        """The folder's lock (engine.lock), to hold while writing into it; entering it raises SweepError when
        another sweep holds it (a lock left by a sweep that was killed is free: the kernel dropped it)."""
        return _SweepLock(self.root)

    def create(self, identity: dict[str, str] | None = None) -> None:
        """Make the directory and runs/, and keep a copy of the sweep file (and the experiment's identity)."""
        try:
            (self.root / RUNS).mkdir(parents=True, exist_ok=True)
            atomic.write_bytes(self.root / SWEEP_COPY, self.sweep.text.encode("utf-8"))
            if identity is not None:
                identity_mod.write(self.root, identity)
        except OSError as exc:
            raise SweepError(f"--out {self.root}: cannot write there: {exc.strerror or exc}") from None

    def is_done(self, config_hash: str) -> bool:
        """A run is done when its row says ok or diverged and its run file is a sound run of this very config (a
        run that diverged before its first snapshot has none: its row says so with an empty final_loss); failed
        and damaged runs run again."""
        row = self.rows.get(config_hash)
        if row is None or row.get("status") not in FINISHED:
            return False
        path = self.run_path(config_hash)
        if row["status"] == DIVERGED and row.get("final_loss") == "" and not path.exists():
            return True
        try:
            cfg = check_file(path)
        except RunFileError:
            return False
        return config_hash_of(cfg) == config_hash

    def add(self, row: dict[str, Any], history: RunHistory | None) -> None:
        """Write the run file (if any), then the row: a row in results.csv always has its file.
        SweepWriteError when the disk refuses (the rows and files written before stay)."""
        try:
            if history is not None:
                history.save(self.run_path(row["config_hash"]))
            self.rows[row["config_hash"]] = {c: format_cell(row.get(c)) for c in self.columns}
            self._write()
        except OSError as exc:
            self.rows.pop(row["config_hash"], None)
            raise SweepWriteError(f"cannot write into {self.root}: {exc.strerror or exc}") from None

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


class _SweepLock(lock_mod.FolderLock):
    def acquire(self) -> _SweepLock:
        try:
            super().acquire()
        except lock_mod.FolderBusy as exc:
            who = exc.holder
            by = f" (process {who['pid']} on {who.get('host', '?')}, since {who.get('started', '?')})" if who else ""
            raise SweepError(
                f"--out {self.folder} is in use by another sweep{by}; wait for it to finish or choose another "
                "directory"
            ) from None
        except OSError as exc:
            raise SweepError(f"--out {self.folder}: cannot write there: {exc.strerror or exc}") from None
        return self
