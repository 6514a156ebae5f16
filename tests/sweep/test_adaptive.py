"""Adaptive sweeps: the sweep file's intervals and [adaptive], the boundary worked out by hand from small results,
and sweeps on a real LocalCluster whose task has a known boundary (tests/sweep/synthetic.py)."""

from __future__ import annotations

import csv
import functools
import math

import numpy as np
import pytest

from engine.sweep import boundary, grid
from engine.sweep.phase import ResultsTable
from engine.sweep.runner import run_sweep
from featlearn_gui import cli

from . import synthetic

HEAD = 'title = "t"\nbase = "paper"\n'
SET = "\n[set]\noptim.steps = 20\nrecord.every = 10\noptim.weight_decay_min = 0.0\n"
ONE_AXIS = """
[axes]
"optim.weight_decay" = { between = [1e-4, 1e-1], scale = "log" }
"model.activation" = ["relu", "relu_centered"]
seed = [0, 1]
[adaptive]
metric = "recovered"
runs = 8
"""


def load(text: str, tmp_path):
    return grid.loads(HEAD + text + SET, base_dir=tmp_path)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# --- the sweep file -----------------------------------------------------------------------------------------


TWO_AXES = """
[axes]
"optim.lr" = { between = [0.01, 1], scale = "log" }
"optim.weight_decay" = { between = [0, 1] }
[adaptive]
metric = "final_loss"
threshold = 0.0
runs = 9
"""

def test_an_adaptive_sweep_file_has_intervals_a_metric_a_threshold_and_a_budget(tmp_path):
    sweep = load(ONE_AXIS, tmp_path)
    assert sweep.points == () and sweep.axis_keys == ["optim.weight_decay", "model.activation", "seed"]
    assert (sweep.adaptive.metric, sweep.adaptive.threshold, sweep.adaptive.runs) == ("recovered", 0.5, 8)
    interval = sweep.axes[0].interval
    assert (interval.lo, interval.hi, interval.scale, interval.bounds) == (1e-4, 1e-1, "log", (-4.0, -1.0))
    top = load('metric = "final_loss"\n' + ONE_AXIS.replace('metric = "recovered"\n', "threshold = 1e-3\n"), tmp_path)
    assert (top.metric, top.adaptive.metric, top.adaptive.threshold) == ("final_loss", "final_loss", 1e-3)


def test_a_grid_sweep_may_name_its_default_metric(tmp_path):
    sweep = load('metric = "direction_change_deg"\n[axes]\nseed = [0, 1]\n', tmp_path)
    assert sweep.metric == "direction_change_deg" and sweep.adaptive is None and len(sweep.points) == 2
    assert grid.load(grid.Path("resources/sweeps/lazy.toml")).metric == "direction_change_deg"


@pytest.mark.parametrize(
    "text, message",
    [
        ('[axes]\n"optim.lr" = { between = [0.1, 1] }\n', "[adaptive] is missing"),
        ('[axes]\n"optim.lr" = { between = [1, 0.1] }\n[adaptive]\nruns = 4\nmetric = "recovered"\n', "lo < hi"),
        ('[axes]\n"optim.lr" = { between = [0, 1], scale = "log" }\n[adaptive]\nruns = 4\n', "log scale needs lo > 0"),
        ('[axes]\n"optim.lr" = { between = [0.1, 1], scale = "ln" }\n[adaptive]\nruns = 4\n', 'expected "log"'),
        ('[axes]\n"optim.lr" = { between = [0.1, 1] }\n[adaptive]\nruns = 4\n', "adaptive] metric is missing"),
        (
            '[axes]\n"optim.lr" = { between = [0.1, 1] }\n[adaptive]\nmetric = "final_loss"\nruns = 4\n',
            "threshold is missing",
        ),
        (
            'metric = "far_mass"\n[axes]\n"optim.lr" = { between = [0.1, 1] }\n[adaptive]\nmetric = "recovered"\n'
            "runs = 4\n",
            "differs from metric",
        ),
        ('[axes]\n"optim.lr" = { between = [0.1, 1] }\n[adaptive]\nmetric = "recovered"\nruns = 1\n', "adaptive.runs"),
        (
            '[axes]\n"optim.lr" = { between = [0.1, 1] }\n[adaptive]\nmetric = "speed"\nruns = 4\n',
            "expected a results.csv column",
        ),
        (
            '[axes]\n"optim.lr" = { between = [0.1, 1] }\n[adaptive]\nmetric = "recovered"\nruns = 4\nrun = 1\n',
            "unknown key run",
        ),
        ('[axes]\nseed = [0]\n[adaptive]\nmetric = "recovered"\nruns = 4\n', "one or two interval axes"),
        ('metric = "speed"\n[axes]\nseed = [0]\n', "metric = 'speed' is not allowed"),
        ('[axes]\n"optim.lr" = { between = [-1, 1] }\n[adaptive]\nmetric = "recovered"\nruns = 4\n', "optim.lr"),
    ],
)
def test_bad_adaptive_sweep_files_are_refused_in_one_line(tmp_path, text, message):
    with pytest.raises(grid.SweepError, match=message.replace("[", r"\[")) as caught:
        load(text, tmp_path)
    assert "\n" not in str(caught.value)


# --- the boundary from results, by hand ---------------------------------------------------------------------


def _rows(points):
    """Results rows (parsed) of one-axis points: (activation, weight decay, seed, recovered)."""
    return [
        {
            "config_hash": f"h{i}",
            "status": "ok",
            "optim.weight_decay": x,
            "model.activation": act,
            "seed": seed,
            "recovered": rec,
        }
        for i, (act, x, seed, rec) in enumerate(points)
    ]


def test_crossings_lie_between_neighbours_on_either_side_interpolated_in_log_units(tmp_path):
    sweep = load(ONE_AXIS, tmp_path)
    rows = _rows(
        [
            ("relu", 1e-4, 0, 0),
            ("relu", 1e-4, 1, 0),
            ("relu", 1e-3, 0, 0),
            ("relu", 1e-3, 1, 1),  # mean 0.5 at 1e-3
            ("relu", 1e-2, 0, 1),
            ("relu", 1e-2, 1, 1),
            ("relu", 1e-1, 0, 0),
            ("relu", 1e-1, 1, 0),
            ("relu_centered", 1e-4, 0, 0),
            ("relu_centered", 1e-4, 1, 0),
            ("relu_centered", 1e-2, 0, 0),
            ("relu_centered", 1e-2, 1, 0),
        ]
    )
    columns, found = boundary.boundary_rows(sweep, rows)
    assert columns == ["model.activation", "axis", "boundary", "lower", "upper", "direction"]
    # relu: 0 at 1e-4, 0.5 at 1e-3 (at the threshold counts as reached), 1 at 1e-2, 0 at 1e-1.
    assert found == [
        {
            "model.activation": "relu",
            "axis": "optim.weight_decay",
            "boundary": 1e-3,
            "lower": 1e-4,
            "upper": 1e-3,
            "direction": "up",
        },
        {
            "model.activation": "relu",
            "axis": "optim.weight_decay",
            "boundary": float(f"{10**-1.5:.6g}"),
            "lower": 1e-2,
            "upper": 1e-1,
            "direction": "down",
        },
    ]  # down: halfway from 1 to 0 is halfway in log10 between 1e-2 and 1e-1
    lines = boundary.describe(sweep, rows)
    assert lines[0].startswith("model.activation = relu: optim.weight_decay = 0.001 (between 0.0001 and 0.001")
    assert lines[1] == "model.activation = relu_centered: recovered does not cross 0.5 in 0.0001..0.1 (2 points)"


def test_failed_runs_and_missing_values_are_left_out_of_the_mean(tmp_path):
    sweep = load(ONE_AXIS, tmp_path)
    rows = _rows([("relu", 1e-3, 0, 1), ("relu", 1e-3, 1, 0)])
    rows[1]["status"] = "failed"
    s = boundary.samples(sweep, rows)[0]
    assert s.mean.tolist() == [1.0] and s.runs.tolist() == [1]


def test_two_axes_give_the_contour_of_the_interpolated_metric(tmp_path):
    sweep = load(TWO_AXES, tmp_path)
    # final_loss = log10(lr) + 1 + 2 * wd - 1, a plane: its zero is wd = -log10(lr) / 2, a straight line in (log lr, wd)
    lrs, wds = [0.01, 0.1, 1.0], [0.0, 0.5, 1.0]
    rows = [
        {
            "config_hash": f"{i}{j}",
            "status": "ok",
            "optim.lr": lr,
            "optim.weight_decay": wd,
            "final_loss": math.log10(lr) + 2 * wd,
        }
        for i, lr in enumerate(lrs)
        for j, wd in enumerate(wds)
    ]
    columns, found = boundary.boundary_rows(sweep, rows)
    assert columns == ["optim.lr", "optim.weight_decay", "curve"]
    assert len(found) > 10 and {r["curve"] for r in found} == {0}
    for r in found:
        assert r["optim.weight_decay"] == pytest.approx(-math.log10(r["optim.lr"]) / 2, abs=1e-4)


# --- running ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def placed(tmp_path_factory):
    """The one-axis sweep with the synthetic step task, run once on two local workers."""
    folder = tmp_path_factory.mktemp("adaptive")
    path = folder / "sweep.toml"
    path.write_text(HEAD + ONE_AXIS + SET)
    out = folder / "out"
    report = run_sweep(grid.load(path), out, workers=2, quiet=True, task=synthetic.step)
    return path, out, report


def test_every_placed_point_runs_every_seed_and_rows_follow_the_placement(placed):
    path, out, report = placed
    rows = read_csv(out / "results.csv")
    assert report.total == 2 * 8 * 2 == len(rows) and report.counts["ok"] == 32
    assert len({r["config_hash"] for r in rows}) == 32
    # Placement order: each learner starts at the interval's ends, then goes between its points.
    assert [r["optim.weight_decay"] for r in rows[:4]] == ["0.0001"] * 4
    points = {}
    for r in rows:
        points.setdefault((r["model.activation"], r["optim.weight_decay"]), []).append(r["seed"])
    assert len(points) == 16 and all(seeds == ["0", "1"] for seeds in points.values())


def test_the_boundary_brackets_the_known_edge_and_most_points_are_near_it(placed):
    _, out, _ = placed
    found = read_csv(out / "boundary.csv")
    assert [(r["model.activation"], r["direction"]) for r in found] == [("relu", "up"), ("relu_centered", "up")]
    for r in found:
        edge = synthetic.EDGE[r["model.activation"]]
        assert float(r["lower"]) < edge <= float(r["upper"])
        # 8 points on 3 decades: a uniform grid brackets the edge within 3/7 decade; the learner much closer.
        assert math.log10(float(r["upper"]) / float(r["lower"])) < 0.1
    xs = [float(r["optim.weight_decay"]) for r in read_csv(out / "results.csv") if r["model.activation"] == "relu"]
    near = [x for x in xs if abs(math.log10(x / synthetic.EDGE["relu"])) < 0.5]
    assert len(near) > len(xs) / 2


def test_a_rerun_resumes_the_placement_where_it_stopped(placed, tmp_path):
    path, out, _ = placed
    rows = (out / "results.csv").read_text().splitlines()
    import shutil

    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    (copy / "results.csv").write_text("\n".join(rows[:12]) + "\n")  # 11 runs kept; the 6th point has one seed
    report = run_sweep(grid.load(path), copy, workers=2, quiet=True, task=synthetic.step)
    assert report.skipped == 11 and report.done == 21
    again = (copy / "results.csv").read_text().splitlines()
    assert again[:12] == rows[:12] and len(again) == len(rows)
    assert len({line.split(",")[0] for line in again[1:]}) == 32
    for r in read_csv(copy / "boundary.csv"):
        assert float(r["lower"]) < synthetic.EDGE[r["model.activation"]] <= float(r["upper"])
    finished = run_sweep(grid.load(path), copy, workers=2, quiet=True, task=synthetic.step)
    assert finished.skipped == 32 and finished.done == 0  # nothing left: no cluster started


def test_failed_runs_are_rows_and_the_command_prints_the_boundaries(tmp_path, monkeypatch, capsys):
    import engine.sweep.runner as runner

    path = tmp_path / "sweep.toml"
    path.write_text(
        HEAD + ONE_AXIS.replace('"model.activation" = ["relu", "relu_centered"]\n', "").replace("8", "5") + SET
    )
    out = tmp_path / "out"
    monkeypatch.setattr(runner, "run_sweep", functools.partial(runner.run_sweep, task=synthetic.step_or_fail))
    assert cli.main(["sweep", str(path), "--out", str(out), "--workers", "2", "--quiet"]) == cli.EXIT_RUNS_FAILED
    rows = read_csv(out / "results.csv")
    assert len(rows) == 10 and [r["status"] for r in rows].count("failed") == 1
    captured = capsys.readouterr()
    assert "boundary of recovered = 0.5" in captured.out and "1 runs failed" in captured.err
    found = read_csv(out / "boundary.csv")
    assert len(found) == 1 and float(found[0]["lower"]) < synthetic.EDGE["relu_centered"] <= float(found[0]["upper"])
    assert np.isfinite(ResultsTable.load(out).rows[0]["final_loss"])


@pytest.mark.slow
@pytest.mark.parametrize(
    "activation, below, above",
    [("relu", 0.0187688, 0.0198096), ("relu_centered", 0.000697831, 0.000865964)],
)
def test_the_documented_critical_weight_decay_is_bracketed_by_seed_0(activation, below, above):
    """README and docs/theory.md: raw ReLU recovers from 0.0195 (0.0188-0.0198), centred from 7.4e-4 (7.0-8.7e-4);
    the runs of seed 0 on either side, as the built-in sweep ran them."""
    from engine.sweep import builtin
    from engine.sweep.task import run_point

    sweep = grid.load(builtin.find("critical-weight-decay"))
    recovered = []
    for lam in (below, above):
        point = sweep.point({"optim.weight_decay": lam, "model.activation": activation, "seed": 0}, 0)
        recovered.append(run_point(point.config, sweep.thresholds).metrics["recovered"])
    assert recovered == [0, 1]


def test_over_two_axes_the_learner_places_points_along_the_boundary(tmp_path):
    """The planner alone (no cluster): told a disc of radius 0.5 in (log10 lr, log10 wd), its boundary curve
    follows the circle and most points lie near it."""
    from engine.sweep.adaptive import Planner
    from engine.sweep.results import ResultsDir

    text = """
[axes]
"optim.lr" = { between = [1e-2, 1], scale = "log" }
"optim.weight_decay" = { between = [1e-4, 1e-1], scale = "log" }
[adaptive]
metric = "recovered"
runs = 40
"""
    sweep = load(text, tmp_path)
    planner = Planner(sweep, ResultsDir(tmp_path / "out", sweep))
    radius = lambda lr, wd: math.hypot(math.log10(lr) + 1, math.log10(wd) + 2.5)  # noqa: E731
    rows = []
    while runs := planner.place():
        for run in runs:
            lr, wd = run.values["optim.lr"], run.values["optim.weight_decay"]
            recovered = int(radius(lr, wd) <= 0.5)
            planner.finished_run(run, "ok", {"recovered": recovered})
            rows.append({**run.values, "config_hash": run.config_hash, "status": "ok", "recovered": recovered})
    assert len(rows) == 40 and planner.finished
    near = [r for r in rows if abs(radius(r["optim.lr"], r["optim.weight_decay"]) - 0.5) < 0.15]
    uniform_share = math.pi * (0.65**2 - 0.35**2) / (2 * 3)  # the band's share of the 2 x 3 decades: 16 %
    assert len(near) > 1.5 * uniform_share * len(rows)
    _, curve = boundary.boundary_rows(sweep, rows)
    distances = [abs(radius(r["optim.lr"], r["optim.weight_decay"]) - 0.5) for r in curve]
    assert len(curve) > 20 and np.median(distances) < 0.1
