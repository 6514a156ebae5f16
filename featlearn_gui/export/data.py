"""Data exports: a CSV of the per-snapshot scalar metrics (for a spreadsheet or pandas) and the run file itself.

`loss` is the training loss (on the run's samples for empirical and online runs), `population_loss` the exact
population loss beside it (the same number for population runs): their gap is the generalization gap.
`span_share` is the share of the mass in the teacher span (1 by construction when the teachers span R^d).

Every number comes from `engine.metrics.metrics_table` (the history and its metrics); nothing is computed here.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from engine.metrics import TABLE_COLUMNS, metrics_table

from .writers import atomic_file

BASE_COLUMNS = TABLE_COLUMNS  # step, stage, the losses, λ, far mass, max active angle, span share


def metric_columns(history) -> dict[str, np.ndarray]:
    """Columns of the CSV in order: BASE_COLUMNS, then captured_1..captured_k (signed mass near teacher i); the
    table that `engine.metrics.metrics_table` gives a Python user."""
    return metrics_table(history)


def _cell(value) -> str:
    if isinstance(value, (np.integer, int)):
        return str(int(value))
    return "" if value is None else repr(float(value))  # repr round-trips the float exactly


def within_steps(table: dict[str, np.ndarray], steps: tuple[int | None, int | None]) -> dict[str, np.ndarray]:
    """The rows of `table` whose step lies in [first, last] (None: open end)."""
    first, last = steps
    keep = np.ones(len(table["step"]), dtype=bool)
    if first is not None:
        keep &= table["step"] >= first
    if last is not None:
        keep &= table["step"] <= last
    return {name: column[keep] for name, column in table.items()}


def write_csv(runs: list, path: Path, steps: tuple[int | None, int | None] = (None, None)) -> Path:
    """Write one row per snapshot of each run in the step range `steps` (inclusive, None: open end); with several
    runs a leading `run` column names the run.

    Runs with fewer teachers leave their missing captured_i cells empty.
    """
    tables = [(run.label, within_steps(metric_columns(run.history), steps)) for run in runs]
    if not any(len(table["step"]) for _, table in tables):
        from .job import ExportInputError

        first, last = ("" if s is None else s for s in steps)
        raise ExportInputError(f"--steps {first}:{last} contains no recorded step")
    header = list(max((t for _, t in tables), key=len).keys())
    if len(runs) > 1:
        header = ["run", *header]
    with atomic_file(Path(path)) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for label, table in tables:
            for i in range(len(table["step"])):
                row = [_cell(table[name][i]) if name in table else "" for name in header if name != "run"]
                writer.writerow([label, *row] if len(runs) > 1 else row)
    return Path(path)


def save_run(history, path: Path) -> Path:
    """Copy a run (as recorded so far) to a run file; RunHistory.save is itself atomic."""
    history.save(path)
    return Path(path)
