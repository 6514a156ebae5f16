"""One frame clock: every frame draws every panel at the same cursor, and a moved cursor shows everywhere at once."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

Key = QtCore.Qt.Key


def drawn_steps(win) -> dict[str, list[int]]:
    """The step each visible panel drew for each run, by panel."""
    model, runs = win.model, list(win.model.runs)

    def step_of(run, index):
        return int(run.history.steps[index])

    out = {"spheres": [step_of(view.run, view.drawn[0]) for view in win.spheres.views if view.drawn]}
    for name, panel in win.plots.items():
        if panel.isVisible():
            out[name] = [step_of(run, panel.drawn[run]) for run in runs if run in panel.drawn]
    if win.certificate.isVisible() and win.certificate.drawn:
        run, index = win.certificate.drawn
        out["certificate"] = [step_of(run, index)]
    out["cursor"] = [step_of(run, run.index_at(model.step)) for run in runs]
    return out


class FrameRecorder(QtCore.QObject):
    """Connected after the window: sees each frame right after every panel drew it."""

    def __init__(self, win) -> None:
        super().__init__()
        self.win, self.frames = win, []
        win.session.frame.connect(self._on_frame)

    @QtCore.Slot()
    def _on_frame(self) -> None:
        self.frames.append((self.win.model.step, self.win.transport.drawn_step, drawn_steps(self.win)))


def test_every_frame_draws_every_panel_at_the_same_snapshot_of_each_run(qtbot, open_window):
    from featlearn_gui.comparisons import file as comparison

    win = open_window(comparison.builtin("relu-vs-centered"), overrides=["optim.steps=400", "record.every=20"])
    recorder = FrameRecorder(win)
    win.model.speed = 200
    qtbot.keyClick(win, Key.Key_Space)
    qtbot.waitUntil(lambda: all(run.done for run in win.model.runs) and not win.model.playing, timeout=30000)
    qtbot.waitUntil(lambda: len(recorder.frames) > 5)
    moving = {step for step, _slider, _drawn in recorder.frames}
    assert len(moving) > 5  # the cursor moved through many steps while the frames were checked
    for step, slider, drawn in recorder.frames:
        cursor = drawn.pop("cursor")
        assert slider == step
        assert drawn["spheres"] == cursor, (step, drawn)
        for name, steps in drawn.items():
            assert steps == (cursor[:1] if name == "certificate" else cursor), (name, step, drawn)


def test_home_while_training_shows_step_zero_on_every_panel_at_the_next_frame(qtbot, window):
    window.model.max_steps = 100_000
    window.model.speed = 500
    qtbot.keyClick(window, Key.Key_Space)
    qtbot.waitUntil(lambda: window.model.step >= 200, timeout=15000)
    recorder = FrameRecorder(window)
    qtbot.keyClick(window, Key.Key_Home)
    assert window.model.playing  # training goes on
    qtbot.waitUntil(lambda: len(recorder.frames) >= 1)
    step, slider, drawn = recorder.frames[0]
    assert step == slider == 0
    assert all(steps == [0] for steps in drawn.values()), drawn
    qtbot.keyClick(window, Key.Key_Space)


def _replay_times(window, monkeypatch, tick_s: float = 0.05) -> dict[int, float]:
    """Replay the window's finished run from step 20 with a clock that advances `tick_s` a frame; the play time at
    which the cursor first reached each step."""
    import featlearn_gui.session as session_module

    session, model = window.session, window.model
    session._clock.stop()  # the frames below are the only ones: their times are exact
    now = [1000.0]
    monkeypatch.setattr(session_module.time, "perf_counter", lambda: now[0])
    model.set_step(20)
    model.playing = True
    session._on_clock_tick()
    reached: dict[int, float] = {}
    for frame in range(1, 2000):
        now[0] += tick_s
        session._on_clock_tick()
        reached.setdefault(model.step, frame * tick_s)
        if model.following:
            break
    return reached


def _time_between(reached: dict[int, float], start: int, end: int) -> float:
    first = lambda step: min(t for s, t in reached.items() if s >= step)  # noqa: E731
    return first(end) - first(start)


def test_log_time_gives_each_doubling_of_the_step_the_same_time(qtbot, window, train_to, monkeypatch):
    train_to(window, 400)
    window.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window)
    qtbot.keyClick(window, Key.Key_L)
    assert window.model.log_time and window.actions_by_key["log time"].isChecked()
    window.transport.draw_frame()
    assert window.transport.log_box.isChecked()
    window.model.speed = 500  # steps per second at step 1,000: 0.5 × the step per second, ln 2 / 0.5 s a doubling
    reached = _replay_times(window, monkeypatch)
    for start in (40, 80, 160):
        assert abs(_time_between(reached, start, 2 * start) - math.log(2) / 0.5) < 0.1


def test_without_log_time_replay_keeps_the_speed_even_below_a_step_a_frame(qtbot, window, train_to, monkeypatch):
    train_to(window, 400)
    window.transport.log_box.click()  # on
    window.transport.log_box.click()  # and off again, as a person would try it
    assert not window.model.log_time and not window.actions_by_key["log time"].isChecked()
    window.model.speed = 20  # a step per 0.05 s frame: ceil-ing each frame's share played 60 steps a second
    reached = _replay_times(window, monkeypatch, tick_s=1 / 60)
    assert abs(_time_between(reached, 40, 200) - 160 / 20) < 0.1
