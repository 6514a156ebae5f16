"""The phase window (pytest-qt, offscreen): heat-map values, hover, a click that lists and opens a cell's runs,
live updates while results.csv grows, export, and a sweep run from the window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6 import QtCore, QtGui  # noqa: E402

from tests.qt_threads import no_thread_left_running  # noqa: E402, F401 (an autouse fixture)

from .test_phase import RUNS, write_results  # noqa: E402


@pytest.fixture
def window(qtbot, tmp_path):
    from featlearn_gui.sweep.phase_window import open_sweep

    write_results(tmp_path)
    win = open_sweep(tmp_path)
    qtbot.addWidget(win)
    win.set_choice(metric="fraction_recovered", x="lam", y="act")
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def test_the_heat_map_shows_the_metric_over_the_chosen_axes(window):
    np.testing.assert_array_equal(window.heatmap.image.image, [[0.0, 1.0], [2 / 3, np.nan]])
    window.set_choice(metric="far_fraction")
    # A log metric is drawn as log10; its zeros at a tenth of the smallest positive value (0.0005).
    expected = np.log10([[0.15, 0.0005], [0.00005, np.nan]])
    np.testing.assert_allclose(window.heatmap.image.image, expected)
    assert "log10 median far fraction" in window.heatmap.bar.getAxis("right").labelText
    window.set_choice(metric="fraction_recovered", x="seed", y="(none)")
    np.testing.assert_allclose(window.heatmap.image.image, [[1 / 3, 2 / 3, 1 / 2]])  # seeds 0, 1, 2 over the rest


def test_the_axis_boxes_offer_the_sweep_axes_and_default_to_non_seed_axes(qtbot, tmp_path):
    from featlearn_gui.sweep.phase_window import open_sweep

    write_results(tmp_path)
    win = open_sweep(tmp_path)
    qtbot.addWidget(win)
    assert [win.x_box.itemText(i) for i in range(win.x_box.count())] == ["lam", "act", "seed"]
    assert (win.x_box.currentText(), win.y_box.currentText(), win.metric) == ("lam", "act", "fraction_recovered")
    win.close()


def test_hover_shows_the_cell_numbers(window):
    heatmap = window.heatmap
    heatmap._on_mouse_moved(heatmap.plot.vb.mapViewToScene(QtCore.QPointF(1, 0)))
    assert "lam = 0.1, act = relu" in window.hover_label.text()
    assert "fraction recovered: 1" in window.hover_label.text() and "1 failed" in window.hover_label.text()


def test_clicking_a_cell_lists_its_runs_and_open_emits_their_files(window, qtbot, tmp_path):
    qtbot.mouseClick(window.heatmap.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=window.heatmap.cell_center(0, 1))
    qtbot.waitUntil(lambda: window.selected == (0, 1), timeout=2000)
    assert window.run_list.count() == 3  # b0, b1 and the failed b2 (listed, without a file)
    assert "boom" in window.run_list.item(2).text()
    with qtbot.waitSignal(window.runs_open_requested, timeout=2000) as blocker:
        window.open_action.trigger()
    assert blocker.args[0] == [tmp_path / "runs" / "b0.npz", tmp_path / "runs" / "b1.npz"]
    window.run_list.item(1).setSelected(True)
    with qtbot.waitSignal(window.runs_open_requested, timeout=2000) as blocker:
        window.open_action.trigger()
    assert blocker.args[0] == [tmp_path / "runs" / "b1.npz"]


def test_the_window_follows_results_csv_as_runs_arrive(window, qtbot, tmp_path):
    assert np.isnan(window.grid.value[1, 1])
    arrived = [*RUNS, ("d1", "ok", 0.1, "centred", 1, 1e-6, 0.2, 0.0, 1, 200)]
    write_results(tmp_path, arrived)
    qtbot.waitUntil(lambda: window.grid.value[1, 1] == 1.0, timeout=5000)
    assert window.grid.count[1, 1] == 1


def test_export_writes_the_figure_and_the_table(window, tmp_path):
    magic = {".png": b"\x89PNG", ".pdf": b"%PDF", ".svg": b"<?xml"}
    for suffix, start in magic.items():
        path = window.export_figure(tmp_path / f"phase{suffix}")
        assert path.read_bytes().startswith(start)
    lines = window.export_table(tmp_path / "phase.csv").read_text().splitlines()
    assert lines[0] == "lam,act,fraction_recovered,runs_counted,runs_finished,runs_failed"
    assert lines[1:] == [
        "0.0,relu,0.0,3,3,0",
        "0.1,relu,1.0,2,2,1",
        "0.0,centred,0.6666666666666666,3,3,0",
        "0.1,centred,,0,0,1",
    ]
    with pytest.raises(ValueError, match="saved as"):
        window.export_figure(tmp_path / "phase.jpg")


def test_run_sweep_from_the_window_fills_the_diagram(qtbot, tmp_path, sweep_file):
    from featlearn_gui.sweep.phase_window import open_sweep

    path = sweep_file('"optim.lr" = [0.25, 0.5]', steps=200)
    win = open_sweep(path)
    qtbot.addWidget(win)
    assert win.root == tmp_path / "sweep-results" and win.grid is None
    assert win.start_sweep(workers=1)
    assert not win.run_action.isEnabled() and win.cancel_button.isVisibleTo(win)
    qtbot.waitUntil(lambda: win.thread is None, timeout=180_000)
    assert "sweep finished: 2 ok" in win.statusBar().currentMessage()
    assert win.grid is not None and win.grid.x == "optim.lr" and win.grid.count.sum() == 2
    win.close()


def test_cancel_stops_a_sweep_run_from_the_window_and_keeps_finished_runs(qtbot, tmp_path, sweep_file):
    from featlearn_gui.sweep.phase_window import open_sweep

    win = open_sweep(sweep_file("seed = { range = [0, 6] }", steps=1500))
    qtbot.addWidget(win)
    assert win.start_sweep(workers=1)
    qtbot.waitUntil(lambda: win.progress.value() >= 1, timeout=180_000)
    win.cancel_button.click()
    qtbot.waitUntil(lambda: win.thread is None, timeout=60_000)
    assert (
        win.statusBar().currentMessage().startswith("cancelled:")
        and "run again to resume" in win.statusBar().currentMessage()
    )
    kept = win.table.rows
    assert 1 <= len(kept) < 6 and all((win.root / "runs" / f"{r['config_hash']}.npz").is_file() for r in kept)
    assert win.run_action.isEnabled() and not win.cancel_button.isVisibleTo(win)
    win.close()


def test_cells_with_diverged_or_failed_runs_are_framed_and_counted(window):
    frames = {(round(f.rect().center().y()), round(f.rect().center().x())): f.pen().color().name()
              for f in window.heatmap._frames}
    assert frames == {(0, 0): "#ff9f1c", (0, 1): "#e63946", (1, 1): "#e63946"}  # diverged a2; failed b2, d0
    labels = [t.textItem.toPlainText() for t in window.heatmap._texts]
    assert labels[0] == "0\nn = 3\n1 diverged" and labels[1] == "1\nn = 2\n1 failed"
    assert "runs diverged" in window.key_label.text() and "runs failed" in window.key_label.text()


def test_the_selected_cell_is_framed_and_its_runs_are_named_by_their_axis_values(window, qtbot, tmp_path):
    assert window.heatmap._selection is None
    qtbot.mouseClick(window.heatmap.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=window.heatmap.cell_center(0, 1))
    qtbot.waitUntil(lambda: window.selected == (0, 1), timeout=2000)
    assert {(f.rect().center().x(), f.rect().center().y()) for f in window.heatmap._selection} == {(1.0, 0.0)}
    texts = [window.run_list.item(i).text() for i in range(3)]
    assert texts == ["seed = 0  (ok; recovered 1)", "seed = 1  (ok; recovered 1)",
                     "seed = 2  (failed; RuntimeError: boom)"]
    assert window.run_list.item(0).toolTip().startswith("b0\n")
    with qtbot.waitSignal(window.runs_open_requested, timeout=2000) as blocker:
        window.open_action.trigger()
    _, title, labels = blocker.args
    assert title == f"{tmp_path.name}: lam = 0.1, act = relu" and labels == ["seed = 0", "seed = 1"]


def test_the_header_shows_the_sweeps_title_and_description_and_its_metric_comes_first(qtbot, tmp_path):
    from featlearn_gui.sweep.phase_window import open_sweep

    runs = [(h, s, lam, "relu_centered" if act == "centred" else act, *rest) for h, s, lam, act, *rest in RUNS]
    write_results(tmp_path, runs)
    (tmp_path / "sweep.toml").write_text(
        'title = "Weight decay"\ndescription = """\nWhat it\nshows."""\nmetric = "far_fraction"\nbase = "paper"\n'
    )
    win = open_sweep(tmp_path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert win.header.text() == "<b>Weight decay</b><br>What it shows."
    assert win.metric == "far_fraction" and win.grid.metric == "far_fraction"
    assert win.hover_label.text() == "10 runs; hover a cell for its numbers"
    # The category "relu_centered" fits beside the axis (pyqtgraph drops a tick label wider than its axis).
    left = win.heatmap.plot.getAxis("left")
    assert left.width() >= QtGui.QFontMetrics(left.style["tickFont"] or win.heatmap.font()).horizontalAdvance(
        "relu_centered"
    )
    win.close()


def test_the_lazy_sweep_shows_direction_change_first(qtbot, tmp_path):
    from featlearn_gui.sweep.phase_window import PhaseWindow

    win = PhaseWindow(tmp_path, sweep_file=Path("resources/sweeps/lazy.toml"))
    qtbot.addWidget(win)
    assert win.metric == "direction_change_deg" and "Initialization scale" in win.header.text()
    win.close()
