"""Sweep speed, measured side by side (reported by `featlearn bench --only sweep`).

One sweep of equal runs (the paper preset, shortened so a run takes about `run_s` seconds on one thread) with 1
and with 2 local workers; and a sweep of wider students (m = 200, whose kernel matrices are large enough for glibc
to trim on every free) with the nanny's default MALLOC_TRIM_THRESHOLD_ against it unset.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from .. import presets
from ..config import apply_overrides
from ..trainer import train
from . import grid
from .cluster import LOCAL_SETTINGS, NO_MALLOC_TRIM
from .runner import run_sweep

SWEEP = """
title = "bench"
base = "paper"
[set]
optim.steps = {steps}
student.width = {width}
record.every = 100
[axes]
seed = {{ range = [0, {runs}] }}
"""


def steps_for(seconds: float, width: int = 50) -> int:
    """Steps of the paper preset (with `width` students) that take about `seconds` on one torch thread here."""
    torch.set_num_threads(1)
    cfg = apply_overrides(presets.load("paper"), ["optim.steps=1000", "record.every=100", f"student.width={width}"])
    start = time.perf_counter()
    train(cfg)
    return max(100, int(1000 * seconds / (time.perf_counter() - start)))


def timed_sweep(
    folder: Path, steps: int, runs: int, workers: int, settings: dict[str, Any], width: int = 50
) -> dict[str, float]:
    """Run the bench sweep once in a fresh directory: total time, time after the cluster is up, task times."""
    path = folder / f"sweep-{workers}-{len(settings)}-{width}.toml"  # a fresh directory per measurement
    path.write_text(SWEEP.format(steps=steps, runs=runs, width=width), encoding="utf-8")
    sweep = grid.load(path)
    started: list[float] = []
    start = time.perf_counter()
    run_sweep(
        sweep,
        folder / path.stem,
        workers=workers,
        quiet=True,
        settings=settings,
        on_start=lambda report, threads: started.append(time.perf_counter()),
    )
    end = time.perf_counter()
    from .phase import ResultsTable

    rows = ResultsTable.load(folder / path.stem).rows
    walls = [float(r["wall_s"]) for r in rows]
    running = end - started[0]
    return {
        "workers": workers,
        "total_s": end - start,
        "sweep_s": running,
        "task_s_mean": sum(walls) / len(walls),
        "cpu_share": sum(float(r["cpu_s"]) for r in rows) / sum(walls),
        "overhead_s_per_run": (running * workers - sum(walls)) / len(walls),
    }


def sweep_table(runs: int = 16, run_s: float = 2.0) -> dict[str, Any]:
    """1 vs 2 workers (m = 50); then, on 1 worker, m = 200 with MALLOC_TRIM_THRESHOLD_ unset vs the default."""
    steps = steps_for(run_s)
    default_trim = {k: v for k, v in LOCAL_SETTINGS.items() if k not in NO_MALLOC_TRIM}
    with tempfile.TemporaryDirectory() as tmp:
        scaling = [timed_sweep(Path(tmp), steps, runs, workers, LOCAL_SETTINGS) for workers in (1, 2)]
        wide_steps, wide_runs = steps_for(run_s, width=200), max(2, runs // 4)
        trim = {
            name: timed_sweep(Path(tmp), wide_steps, wide_runs, 1, settings, width=200)
            for name, settings in (("unset", LOCAL_SETTINGS), ("65536", default_trim))
        }
    return {"steps": steps, "runs": runs, "rows": scaling, "trim": trim, "wide_steps": wide_steps}
