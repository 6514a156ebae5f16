"""The phase window of an adaptive sweep (pytest-qt, offscreen): the metric against its interval axis with the
crossings, the map over two axes with the boundary curve, a click that lists a point's runs, export, and an
adaptive sweep run from the window."""

from __future__ import annotations

import math
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from engine.sweep.results import columns, format_cell  # noqa: E402
from tests.qt_threads import no_thread_left_running  # noqa: E402, F401 (an autouse fixture)

from .test_adaptive import HEAD, ONE_AXIS, SET, TWO_AXES  # noqa: E402


def write_results(root, sweep_text: str, rows: list[dict]) -> None:
    """results.csv of hand-made rows (only their axes, status and metric), sweep.toml beside it, empty run files."""
    import tomllib

    axes = list(tomllib.loads(sweep_text)["axes"])
    (root / "runs").mkdir(parents=True)
    (root / "sweep.toml").write_text(sweep_text)
    lines = [",".join(columns(axes))]
    for i, row in enumerate(rows):
        row = {"config_hash": f"h{i:02d}", "status": "ok", "message": "", **row}
        lines.append(",".join(format_cell(row.get(c)) for c in columns(axes)))
        (root / "runs" / f"h{i:02d}.npz").write_bytes(b"")
    (root / "results.csv").write_text("\n".join(lines) + "\n")


def one_axis_rows() -> list[dict]:
    # relu: 0 at 1e-4, 1 at 1e-2 (both seeds); relu_centered: 0 at 1e-4, mean 0.5 at 1e-3 -> reached there.
    table = [
        ("relu", 1e-4, 0, 0),
        ("relu", 1e-4, 1, 0),
        ("relu", 1e-2, 0, 1),
        ("relu", 1e-2, 1, 1),
        ("relu_centered", 1e-4, 0, 0),
        ("relu_centered", 1e-4, 1, 0),
        ("relu_centered", 1e-3, 0, 1),
        ("relu_centered", 1e-3, 1, 0),
    ]
    return [{"model.activation": a, "optim.weight_decay": x, "seed": s, "recovered": r} for a, x, s, r in table]


@pytest.fixture
def one_axis(qtbot, tmp_path):
    from featlearn_gui.sweep.phase_window import open_sweep

    write_results(tmp_path, HEAD + ONE_AXIS + SET, one_axis_rows())
    win = open_sweep(tmp_path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def test_one_axis_shows_the_metric_against_it_with_the_crossings(one_axis):
    view = one_axis.boundary_view
    assert one_axis.plots.currentWidget() is view and not one_axis.metric_box.isEnabled()
    assert [s.mean.tolist() for s in view.samples] == [[0.0, 1.0], [0.0, 0.5]]
    relu, centred = view.crossings
    assert relu[0]["boundary"] == pytest.approx(1e-3, rel=1e-5)  # halfway in log10 from 1e-4 to 1e-2
    assert centred[0]["boundary"] == 1e-3 and centred[0]["direction"] == "up"
    key = one_axis.key_label.text()
    assert "model.activation = relu: boundary 0.001 (up)" in key
    assert "Critical" not in one_axis.header.text() and "<b>t</b>" in one_axis.header.text()


def test_clicking_a_point_lists_its_seeds_and_open_names_them(one_axis, qtbot, tmp_path):
    scatter = [i for i in one_axis.boundary_view.plot.items if type(i).__name__ == "ScatterPlotItem"][0]
    point = scatter.points()[1]  # relu at 1e-2
    scatter.sigClicked.emit(scatter, [point], None)
    assert [one_axis.run_list.item(i).text() for i in range(one_axis.run_list.count())] == [
        "seed = 0  (ok; recovered 1)",
        "seed = 1  (ok; recovered 1)",
    ]
    assert one_axis.run_list.item(0).toolTip().startswith("h02\n")
    with qtbot.waitSignal(one_axis.runs_open_requested, timeout=2000) as blocker:
        one_axis.open_action.trigger()
    paths, title, labels = blocker.args
    assert paths == [tmp_path / "runs" / "h02.npz", tmp_path / "runs" / "h03.npz"]
    assert title == "t: model.activation = relu, optim.weight_decay = 0.01" and labels == ["seed = 0", "seed = 1"]


def test_an_adaptive_diagram_exports_as_a_figure_and_its_points_as_a_table(one_axis, tmp_path):
    assert one_axis.export_figure(tmp_path / "b.png").read_bytes().startswith(b"\x89PNG")
    assert one_axis.export_figure(tmp_path / "b.svg").read_bytes().startswith(b"<?xml")
    lines = one_axis.export_table(tmp_path / "b.csv").read_text().splitlines()
    assert lines == [
        "model.activation,optim.weight_decay,recovered,runs_counted",
        "relu,0.0001,0.0,2",
        "relu,0.01,1.0,2",
        "relu_centered,0.0001,0.0,2",
        "relu_centered,0.001,0.5,2",
    ]


def test_two_axes_show_the_interpolated_map_and_the_boundary_curve(qtbot, tmp_path):
    from featlearn_gui.sweep.phase_window import open_sweep

    # final_loss = log10(lr) + 2 wd: its zero is the line wd = -log10(lr) / 2.
    rows = [
        {"optim.lr": lr, "optim.weight_decay": wd, "final_loss": math.log10(lr) + 2 * wd}
        for lr in (0.01, 0.1, 1.0)
        for wd in (0.0, 0.5, 1.0)
    ]
    write_results(tmp_path, HEAD + TWO_AXES + SET, rows)
    win = open_sweep(tmp_path)
    qtbot.addWidget(win)
    view = win.boundary_view
    image = view.image.image
    assert image.shape == (121, 121)
    # the map at (log10 lr, wd) = (-1, 0.5), the middle of both axes: -1 + 1 = 0
    assert image[60, 60] == pytest.approx(0.0, abs=1e-9) and image[0, 0] == pytest.approx(-2.0)
    (curve,) = view.curves
    np.testing.assert_allclose(curve[:, 1], -np.log10(curve[:, 0]) / 2, atol=1e-6)
    assert win.export_figure(tmp_path / "map.pdf").read_bytes().startswith(b"%PDF")
    win.close()


def test_run_sweep_from_the_window_runs_an_adaptive_sweep_and_follows_it(qtbot, tmp_path):
    from featlearn_gui.sweep.phase_window import open_sweep

    path = tmp_path / "adaptive.toml"
    text = ONE_AXIS.replace('"model.activation" = ["relu", "relu_centered"]\n', "").replace(
        "seed = [0, 1]", "seed = [0]"
    )
    path.write_text(HEAD + text.replace("runs = 8", "runs = 3") + SET)
    win = open_sweep(path)
    qtbot.addWidget(win)
    assert win.start_sweep(workers=1)
    qtbot.waitUntil(lambda: win.thread is None, timeout=180_000)
    assert "sweep finished: 3 ok" in win.statusBar().currentMessage()
    assert len(win.table.rows) == 3 and len(win.boundary_view.samples[0].mean) == 3
    assert (win.root / "boundary.csv").is_file()
    win.close()
