"""The comparison window: built-in comparisons step in lock-step, the camera is shared, a failing run leaves the
others training, each run pauses on its own, the comparison saves and reopens, closing stops every worker."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from featlearn_gui.comparisons import file as comparison
from featlearn_gui.comparisons.file import Comparison, RunEntry

from .conftest import wait_done

Key = Qt.Key


def _displayed(win) -> list[int]:
    return [view.displayed_step for view in win.spheres.views]


def _wait_displayed(qtbot, win, steps: list[int]) -> None:
    qtbot.waitUntil(lambda: _displayed(win) == steps, timeout=10000)


@pytest.mark.parametrize("name", comparison.builtin_names())
def test_builtin_comparison_loads_and_its_runs_step_in_lock_step(qtbot, open_window, name):
    win = open_window(comparison.builtin(name))
    cmp = comparison.builtin(name)
    assert [view.run.label for view in win.spheres.views] == [entry.label for entry in cmp.runs]
    assert all(view.differs.full_text for view in win.spheres.views)  # each header says what sets its run apart
    _wait_displayed(qtbot, win, [0, 0])
    qtbot.keyClick(win, Key.Key_Right)  # at the live edge: every run trains one more snapshot
    _wait_displayed(qtbot, win, [20, 20])
    assert win.model.step == 20
    qtbot.keyClick(win, Key.Key_Space)
    wait_done(qtbot, win)
    assert win.model.step == 200 and _displayed(win) == [200, 200]
    assert [win.table.values(r)["status"] for r in range(2)] == ["finished", "finished"]
    qtbot.keyClick(win, Key.Key_Left)
    _wait_displayed(qtbot, win, [180, 180])
    qtbot.keyClick(win, Key.Key_Home)
    _wait_displayed(qtbot, win, [0, 0])
    qtbot.keyClick(win, Key.Key_End)
    _wait_displayed(qtbot, win, [200, 200])


def test_runs_of_other_intervals_and_lengths_stay_in_step(qtbot, open_window, tmp_path):
    (tmp_path / "short.toml").write_text("[optim]\nsteps = 100\n[record]\nevery = 10\n")
    (tmp_path / "long.toml").write_text("[optim]\nsteps = 200\n[record]\nevery = 20\n")
    cmp = Comparison("short vs long", (RunEntry("short", config="short.toml"), RunEntry("long", config="long.toml")),
                     base=tmp_path)
    win = open_window(cmp, overrides=())
    qtbot.keyClick(win, Key.Key_Space)
    wait_done(qtbot, win)
    assert win.model.step == 200 and _displayed(win) == [100, 200]  # the shorter run stays at its last step
    win.model.set_step(130)
    _wait_displayed(qtbot, win, [100, 120])  # each shows its last snapshot at or before the cursor
    qtbot.keyClick(win, Key.Key_Home)
    qtbot.keyClick(win, Key.Key_Right)
    _wait_displayed(qtbot, win, [10, 0])  # → stops at every step some run recorded
    assert win.transport.slider.maximum() == 200


def _drag(widget, start: QPoint, end: QPoint, steps: int = 6) -> None:
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    for i, (kind, button, buttons) in enumerate([(QEvent.Type.MouseButtonPress, left, left)]
                                                + [(QEvent.Type.MouseMove, none, left)] * steps
                                                + [(QEvent.Type.MouseButtonRelease, left, none)]):
        pos = start + (end - start) * min(i, steps) / steps
        QApplication.sendEvent(widget, QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button,
                                                   buttons, Qt.KeyboardModifier.NoModifier))


def test_rotating_one_view_rotates_all(qtbot, open_window):
    win = open_window(comparison.builtin("weight-decay-vs-none"))
    _wait_displayed(qtbot, win, [0, 0])
    first, second = (view.view for view in win.spheres.views)
    before = second.camera()
    assert first.camera() == before  # they start from one camera
    centre = first._projected.viewport().rect().center()  # the legend takes part of the view: drag the sphere
    with qtbot.waitSignal(first.camera_changed):
        _drag(first._projected.viewport(), centre, centre + QPoint(60, 30))
    assert second.camera() == first.camera() != before
    with qtbot.waitSignal(second.camera_changed):
        _drag(second._projected.viewport(), centre, centre + QPoint(-50, -20))
    assert first.camera() == second.camera()


def test_a_failing_run_says_so_and_the_other_runs_to_its_end(qtbot, open_window, tmp_path):
    (tmp_path / "bad.toml").write_text("[optim]\nlr = 500.0\n")
    cmp = Comparison("ok vs diverging", (RunEntry("ok", preset="paper"), RunEntry("bad", config="bad.toml")),
                     base=tmp_path)
    win = open_window(cmp)
    ok, bad = win.spheres.views
    qtbot.keyClick(win, Key.Key_Space)
    wait_done(qtbot, win)
    assert bad.run.status == "failed" and "diverged" in bad.run.message
    assert bad.banner.isVisible() and "diverged" in bad.banner_label.text()
    assert not ok.banner.isVisible()
    assert ok.run.status == "finished" and ok.displayed_step == 200
    assert bad.displayed_step == bad.run.last_step < 200  # its finite history stays on screen
    assert win.table.values(1)["status"] == "failed"


def test_each_run_pauses_on_its_own(qtbot, open_window):
    win = open_window(comparison.builtin("weight-decay-vs-none"))
    first, second = win.spheres.views
    first.pause_button.click()
    assert first.run.status == "paused"
    qtbot.keyClick(win, Key.Key_Space)
    qtbot.waitUntil(lambda: second.run.status == "finished", timeout=15000)
    paused_at = first.run.last_step
    assert paused_at < 200 and first.run.status == "paused"
    first.pause_button.click()  # resume: it trains to its end too
    wait_done(qtbot, win)
    assert first.run.status == "finished" and _displayed(win) == [200, 200]


def test_stop_ends_one_run_and_keeps_its_history(qtbot, open_window):
    win = open_window(comparison.builtin("weight-decay-vs-none"))
    first, second = win.spheres.views
    first.stop_button.click()
    assert first.run.status == "stopped" and first.run not in win.session.drivers
    qtbot.keyClick(win, Key.Key_Space)
    wait_done(qtbot, win)
    assert second.displayed_step == 200 and first.displayed_step == 0


def test_save_and_reopen_round_trip_through_the_window(qtbot, open_window, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "mine.toml").write_text("[optim]\nlr = 0.25\n")
    cmp = Comparison("mine", (RunEntry("paper", preset="paper"), RunEntry("slow", config="mine.toml")), "two runs",
                     base=tmp_path / "in")
    win = open_window(cmp)
    saved = tmp_path / "elsewhere" / "cmp.toml"
    saved.parent.mkdir()
    assert win.compare_menu.save(saved)
    again = comparison.load(saved)
    assert again.title == "mine" and [e.label for e in again.runs] == ["paper", "slow"]
    assert win.open_comparison(comparison.load(saved), overrides=[])
    assert [view.run.label for view in win.spheres.views] == ["paper", "slow"]
    assert win.spheres.views[1].run.config.optim.lr == 0.25  # the config still found from its new place
    assert "lr = 0.25" in win.spheres.views[1].differs.full_text


def test_closing_stops_every_run_s_training(qtbot, open_window):
    win = open_window(comparison.builtin("feature-learning-vs-lazy"), overrides=["optim.steps=100000"])
    qtbot.keyClick(win, Key.Key_Space)
    qtbot.waitUntil(lambda: win.model.step > 0, timeout=15000)
    processes = {driver.worker.worker.process.pid for driver in win.session.drivers.values()}
    assert len(processes) == 2  # each run in its own process
    histories = [run.history for run in win.model.runs]
    win.close()
    assert not win.session.drivers
    counts = [len(h) for h in histories]
    qtbot.wait(300)
    assert [len(h) for h in histories] == counts
