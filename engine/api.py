"""featlearn from Python: train a preset or a config, read a run's metrics as a table, run a sweep.

    import pandas as pd
    from engine import train, metrics_table, run_sweep

    history = train("high-dim", {"optim.steps": 2000})       # a RunHistory: history.view() holds the arrays
    table = pd.DataFrame(metrics_table(history))             # one row per snapshot, the CSV export's columns
    results = pd.DataFrame(run_sweep("lazy", "out/lazy"))    # one row per run, results.csv's columns

Every function takes what the command line takes (preset names, config and sweep files, dotted keys) and
validates it the same way: bad input raises `engine.config.ConfigError` (a ValueError) naming the key, the value
and the fix. Pictures and animations of a run: `featlearn_gui.export.render` (it needs Qt; this module does not).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import config as config_mod
from . import presets
from .config import ConfigError, RunConfig
from .history import RunHistory
from .metrics import metrics_table

__all__ = ["load_run", "metrics_table", "results_table", "run_config", "run_sweep", "train"]

Overrides = Mapping[str, Any] | Sequence[str] | None


def run_config(what: str | Path | RunConfig = presets.DEFAULT_PRESET, overrides: Overrides = None) -> RunConfig:
    """The validated config of a preset name, a TOML config file or a RunConfig, with overrides applied.

    `overrides`: dotted keys and values, `{"optim.steps": 2000, "seed": 3}`, or the command line's strings,
    `["optim.steps=2000", "seed=3"]`.
    """
    if isinstance(what, RunConfig):
        cfg = what
    elif isinstance(what, Path) or str(what).endswith(".toml"):
        cfg = config_mod.load(what)
    else:
        cfg = presets.load(str(what))
    if overrides is None:
        return cfg
    if isinstance(overrides, Mapping):
        return config_mod.from_dict(_nest(overrides), base=cfg)
    if isinstance(overrides, str):
        raise ConfigError(f"overrides {overrides!r}: give a dict or a list of 'key=value' strings")
    return config_mod.apply_overrides(cfg, list(overrides))


def _nest(values: Mapping[str, Any]) -> dict[str, Any]:
    """{"optim.lr": 0.1} as the nested tables a config file has: {"optim": {"lr": 0.1}}."""
    nested: dict[str, Any] = {}
    for key, value in values.items():
        section, dot, name = str(key).partition(".")
        if dot:
            nested.setdefault(section, {})[name] = value
        else:
            nested[section] = value
    return nested


def train(what: str | Path | RunConfig = presets.DEFAULT_PRESET, overrides: Overrides = None) -> RunHistory:
    """Train a preset, a config file or a RunConfig (with `overrides`, see `run_config`) to its last step.

    Returns the run's RunHistory: `history.view()` gives its arrays (step, stage, loss, population_loss,
    objective, weight_decay of shape (T,), student_w (T, m, d), student_a (T, m)), `history.teacher` the teacher
    (w (k, d), a (k,)), `history.save(path)` a run file the app and `featlearn info` open. `metrics_table(history)`
    gives the metrics per snapshot. A run that diverges raises engine.trainer.Diverged; its `history` attribute
    holds the snapshots up to the last finite one.
    """
    from .trainer import train as train_config  # torch: only when training

    return train_config(run_config(what, overrides))


def load_run(path: str | Path) -> RunHistory:
    """A run file (.npz) written by `featlearn run`, the app or `history.save`."""
    return RunHistory.load(path)


def run_sweep(sweep: str | Path | Mapping[str, Any], out: str | Path, *, workers: int = 0,
              scheduler: str | None = None, quiet: bool = True) -> dict[str, np.ndarray]:
    """Run a sweep on Dask (resuming what `out` already holds) and return its results table (`results_table`).

    `sweep`: a built-in sweep's name (`featlearn sweeps`), a sweep file, or the sweep file's tables as a dict,
    e.g. `{"base": "paper", "set": {"optim.steps": 400}, "axes": {"seed": [0, 1]}}`. `workers`: local worker
    processes (0: one per core, up to the number of runs); `scheduler`: the address of a running Dask scheduler
    instead. Runs that fail are rows with status `failed` and their message; Ctrl+C keeps every finished run.
    """
    from .sweep import builtin, grid
    from .sweep.runner import run_sweep as run_on_dask

    if isinstance(sweep, Mapping):
        import tomli_w

        plan = grid.loads(tomli_w.dumps(dict(sweep)), base_dir=Path.cwd(), source="the sweep")
    else:
        plan = grid.load(builtin.find(sweep))
    run_on_dask(plan, out, workers=workers, scheduler=scheduler, quiet=quiet)
    return results_table(out)


def results_table(path: str | Path) -> dict[str, np.ndarray]:
    """A sweep's results.csv (or the directory holding it) as columns: numbers as int or float arrays (an empty
    cell is NaN), the rest as strings. `pandas.DataFrame(results_table(path))` is the table."""
    path = Path(path)
    csv_path = path / "results.csv" if path.is_dir() else path
    try:
        text = csv_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read sweep results {csv_path}: {exc.strerror or exc}") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    rows = list(reader)
    return {name: _column([row[i] if i < len(row) else "" for row in rows]) for i, name in enumerate(header)}


def _column(cells: list[str]) -> np.ndarray:
    """int if every cell is an integer, float if every non-empty cell is a number (empty: NaN), else str."""
    try:
        return np.array([int(c) for c in cells], dtype=np.int64)
    except ValueError:
        pass
    try:
        return np.array([float(c) if c else np.nan for c in cells], dtype=np.float64)
    except ValueError:
        return np.array(cells, dtype=str)
