"""Phase-diagram aggregation against values worked out by hand from a small results.csv written here."""

from __future__ import annotations

import numpy as np
import pytest

from engine.sweep.phase import ResultsTable, aggregate

HEADER = (
    "config_hash,status,message,lam,act,seed,final_loss,max_active_angle_deg,far_mass,far_fraction,captured_error,"
    "recovered,recovered_step,certificate_max,wall_s,direction_change_deg,teacher_separation_deg,cpu_s"
)
# hash, status, lam, act, seed, loss, angle, far_fraction, recovered, recovered_step
RUNS = [
    ("a0", "ok", 0.0, "relu", 0, 1e-3, 30.0, 0.2, 0, ""),
    ("a1", "ok", 0.0, "relu", 1, 2e-3, 50.0, 0.1, 0, ""),
    ("a2", "diverged", 0.0, "relu", 2, 1e9, 80.0, 0.9, 0, ""),
    ("b0", "ok", 0.1, "relu", 0, 1e-5, 1.0, 0.0, 1, 400),
    ("b1", "ok", 0.1, "relu", 1, 3e-5, 2.0, 0.001, 1, 600),
    ("b2", "failed", 0.1, "relu", 2, None, None, None, None, ""),
    ("c0", "ok", 0.0, "centred", 0, 1e-4, 20.0, 0.01, 0, ""),
    ("c1", "ok", 0.0, "centred", 1, 1e-6, 0.5, 0.0, 1, 800),
    ("c2", "ok", 0.0, "centred", 2, 1e-6, 0.3, 0.0, 1, 1000),
    ("d0", "failed", 0.1, "centred", 0, None, None, None, None, ""),
]


def _cell(value) -> str:
    return "" if value is None else str(value)


def write_results(root, runs=RUNS) -> None:
    (root / "runs").mkdir(parents=True, exist_ok=True)
    lines = [HEADER]
    for h, status, lam, act, seed, loss, angle, far, rec, step in runs:
        message = "RuntimeError: boom" if status == "failed" else ""
        metrics = [loss, angle, None if far is None else far * 3, far, 0.01, rec, step, 0.9, 1.5, 12.0, 45.0, 1.4]
        lines.append(",".join([h, status, message, str(lam), act, str(seed), *map(_cell, metrics)]))
        if status != "failed":
            (root / "runs" / f"{h}.npz").write_bytes(b"")  # the window only lists and emits these paths
    (root / "results.csv").write_text("\n".join(lines) + "\n")


@pytest.fixture
def table(tmp_path):
    write_results(tmp_path)
    return ResultsTable.load(tmp_path)


def test_axes_come_from_the_header_and_values_are_ordered(table):
    assert table.axes == ["lam", "act", "seed"]
    assert table.axis_values("lam") == [0.0, 0.1]
    assert table.axis_values("act") == ["relu", "centred"]  # as listed, not alphabetically
    assert table.axis_values("seed") == [0, 1, 2]


def test_fraction_recovered_counts_finished_runs_and_ignores_failed_ones(table):
    grid = aggregate(table, "fraction_recovered", "lam", "act")
    assert grid.x_values == [0.0, 0.1] and grid.y_values == ["relu", "centred"]
    np.testing.assert_array_equal(grid.value, [[0.0, 1.0], [2 / 3, np.nan]])
    np.testing.assert_array_equal(grid.count, [[3, 2], [3, 0]])
    np.testing.assert_array_equal(grid.finished, [[3, 2], [3, 0]])
    np.testing.assert_array_equal(grid.failed, [[0, 1], [0, 1]])
    assert grid.hashes[0][1] == ["b0", "b1", "b2"] and grid.hashes[1][1] == ["d0"]


def test_medians_are_over_ok_runs(table):
    far = aggregate(table, "far_fraction", "lam", "act")
    np.testing.assert_allclose(far.value, [[0.15, 0.0005], [0.0, np.nan]])
    np.testing.assert_array_equal(far.count, [[2, 2], [3, 0]])
    angle = aggregate(table, "max_active_angle_deg", "lam", "act")
    np.testing.assert_allclose(angle.value, [[40.0, 1.5], [0.5, np.nan]])


def test_recovered_step_is_the_median_over_recovered_runs(table):
    grid = aggregate(table, "recovered_step", "lam", "act")
    np.testing.assert_allclose(grid.value, [[np.nan, 500.0], [900.0, np.nan]])
    np.testing.assert_array_equal(grid.count, [[0, 2], [2, 0]])


def test_one_axis_aggregates_over_all_others(table):
    grid = aggregate(table, "fraction_recovered", "act")
    np.testing.assert_allclose(grid.value, [[2 / 5, 2 / 3]])
    grid = aggregate(table, "final_loss", "seed", "act")
    np.testing.assert_allclose(grid.value, [[(1e-3 + 1e-5) / 2, (2e-3 + 3e-5) / 2, np.nan], [1e-4, 1e-6, 1e-6]])


def test_cells_without_a_value_say_why(table):
    grid = aggregate(table, "recovered_step", "lam", "act")
    assert grid.cell_label(0, 1) == "500\nn = 2\n1 failed"  # the failed run is counted on the cell
    assert grid.cell_label(0, 0) == "no value\n2 ok, 1 diverged"  # none of them recovered
    recovered = aggregate(table, "fraction_recovered", "lam", "act")
    assert recovered.cell_label(0, 0) == "0\nn = 3\n1 diverged"  # its 0 is not only runs that trained
    assert [recovered.trouble(0, ix) for ix in (0, 1)] == ["diverged", "failed"] and recovered.trouble(1, 0) == ""
    assert grid.cell_label(1, 1) == "no value\n1 failed"


def test_hover_text_names_the_cell_and_its_numbers(table):
    text = aggregate(table, "fraction_recovered", "lam", "act").cell_text(0, 1)
    assert "lam = 0.1, act = relu" in text and "fraction recovered: 1" in text
    assert "over 2 runs; 2 finished (0 diverged), 1 failed" in text


@pytest.mark.parametrize(
    "metric, x, y, message",
    [
        ("speed", "lam", "act", "metric 'speed' is unknown"),
        ("final_loss", "lam", "lam", "two different axes"),
        ("final_loss", "lr", None, "axis 'lr' is not an axis"),
    ],
)
def test_bad_choices_are_refused(table, metric, x, y, message):
    with pytest.raises(ValueError, match=message):
        aggregate(table, metric, x, y)


def test_an_empty_directory_has_no_rows(tmp_path):
    table = ResultsTable.load(tmp_path)
    assert table.rows == [] and table.axes == []
