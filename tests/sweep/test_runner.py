"""Sweeps on a real Dask LocalCluster with two worker processes: results, resume, divergence, failures."""

from __future__ import annotations

import csv
import functools

import numpy as np
import pytest

from engine.history import RunHistory
from engine.metrics import neuron_metrics
from engine.sweep import grid
from engine.sweep.results import METRIC_COLUMNS
from engine.sweep.runner import run_sweep
from featlearn_gui import cli

from . import faulty

CONTRACT = ["config_hash", "status", "message", "optim.lr", "seed", *METRIC_COLUMNS]


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A 4-run sweep (lr 0.5 and the diverging 500, seeds 0 and 1) run once on two local workers."""
    folder = tmp_path_factory.mktemp("sweep")
    path = folder / "sweep.toml"
    path.write_text(
        'base = "paper"\n[set]\noptim.steps = 400\nrecord.every = 50\n'
        '[axes]\n"optim.lr" = [0.5, 500.0]\nseed = { range = [0, 2] }\n'
    )
    out = folder / "out"
    report = run_sweep(grid.load(path), out, workers=2, quiet=True)
    return path, out, report


def test_every_run_has_a_row_and_a_run_file(finished):
    path, out, report = finished
    rows = read_csv(out / "results.csv")
    assert list(rows[0])[: len(CONTRACT)] == CONTRACT
    sweep = grid.load(path)
    assert [r["config_hash"] for r in rows] == [p.config_hash for p in sweep.points]  # in the grid's order
    assert [(r["optim.lr"], r["seed"]) for r in rows] == [("0.5", "0"), ("0.5", "1"), ("500.0", "0"), ("500.0", "1")]
    for row, point in zip(rows, sweep.points):
        history = RunHistory.load(out / "runs" / f"{row['config_hash']}.npz")
        assert history.config == point.config
    assert (out / "sweep.toml").read_text() == path.read_text()
    assert report.counts == {"ok": 2, "diverged": 2, "failed": 0} and report.skipped == 0


def test_a_diverging_run_is_a_row_with_its_status(finished):
    _, out, _ = finished
    rows = read_csv(out / "results.csv")
    for row in rows:
        diverged = row["optim.lr"] == "500.0"
        assert row["status"] == ("diverged" if diverged else "ok")
        assert ("diverged at step" in row["message"]) == diverged
    boom = RunHistory.load(out / "runs" / f"{rows[2]['config_hash']}.npz")
    assert np.isfinite(boom.view()["student_w"]).all()
    assert rows[2]["recovered"] == "0" and rows[2]["recovered_step"] == ""


def test_row_metrics_match_the_run_file(finished):
    _, out, _ = finished
    row = read_csv(out / "results.csv")[0]
    history = RunHistory.load(out / "runs" / f"{row['config_hash']}.npz")
    last = history.snapshot(-1)
    met = neuron_metrics(last.student_w, last.student_a, history.teacher, history.config.is_even)
    assert float(row["final_loss"]) == pytest.approx(last.loss, rel=1e-12)
    assert float(row["max_active_angle_deg"]) == pytest.approx(met.max_active_angle_deg, rel=1e-9)
    assert float(row["far_mass"]) == pytest.approx(met.far_mass, rel=1e-9, abs=1e-15)
    assert float(row["far_fraction"]) == pytest.approx(met.far_mass / met.mass.sum(), rel=1e-9, abs=1e-15)
    error = np.max(np.abs(met.captured - history.teacher.a) / np.abs(history.teacher.a))
    assert float(row["captured_error"]) == pytest.approx(error, rel=1e-9)
    assert row["recovered"] == "0"  # 400 steps is far too early to have recovered the teacher
    assert float(row["certificate_max"]) < 1  # the paper's teacher is certified for centred ReLU
    assert float(row["wall_s"]) > 0 and float(row["cpu_s"]) > 0
    assert float(row["span_share"]) == pytest.approx(met.span_share, rel=1e-9)


def test_numpy_reads_results_in_one_line(finished):
    _, out, _ = finished
    table = np.genfromtxt(out / "results.csv", delimiter=",", names=True, dtype=None, encoding="utf-8", deletechars="")
    assert len(table) == 4 and list(table["seed"]) == [0, 1, 0, 1]
    assert list(table["status"]) == ["ok", "ok", "diverged", "diverged"]


def test_a_second_run_trains_nothing(finished, capsys):
    path, out, _ = finished
    before = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    report = run_sweep(grid.load(path), out, workers=2, quiet=True)
    assert report.skipped == 4 and report.done == 0
    assert {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()} == before
    assert cli.main(["sweep", str(path), "--out", str(out), "--quiet"]) == cli.EXIT_OK
    assert "skipped 4 of 4 runs already in" in capsys.readouterr().err


def test_another_sweep_in_the_same_directory_is_refused(finished, tmp_path, capsys):
    _, out, _ = finished
    other = tmp_path / "other.toml"
    other.write_text('base = "paper"\n[axes]\nseed = [7]\n')
    assert cli.main(["sweep", str(other), "--out", str(out)]) == cli.EXIT_INVALID
    assert "holds results of another sweep" in capsys.readouterr().err


def test_a_raising_run_and_a_dying_worker_fail_only_their_runs(tmp_path, sweep_file, monkeypatch, capsys):
    import engine.sweep.runner as runner

    path = sweep_file("seed = { range = [0, 4] }", steps=200)
    out = tmp_path / "out"
    monkeypatch.setattr(runner, "run_sweep", functools.partial(runner.run_sweep, task=faulty.raise_or_die))
    code = cli.main(["sweep", str(path), "--out", str(out), "--workers", "2", "--quiet"])
    assert code == cli.EXIT_RUNS_FAILED == 1
    rows = {r["seed"]: r for r in read_csv(out / "results.csv")}
    assert [rows[s]["status"] for s in "0123"] == ["ok", "failed", "failed", "ok"]
    assert rows["1"]["message"] == "RuntimeError: boom at seed 1"
    assert "worker running it died" in rows["2"]["message"]
    assert sorted(p.stem for p in (out / "runs").iterdir()) == sorted(
        [rows["0"]["config_hash"], rows["3"]["config_hash"]]
    )
    err = capsys.readouterr().err
    assert "2 runs failed" in err and "boom at seed 1" in err and "seed = 2" in err
