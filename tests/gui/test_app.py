"""The main window as a person uses it: keys, slider, scrubbing, files, stop conditions, failures, closing."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from engine import presets
from featlearn_gui import prompts
from featlearn_gui.export.dialog import ExportDialog
from featlearn_gui.model import DEFAULT_SPEED

Key = QtCore.Qt.Key


def test_window_opens_on_the_paper_preset_with_every_panel(qtbot, window):
    assert window.model.selected.preset_name == "paper"
    assert window.model.config.teacher.directions == presets.load("paper").teacher.directions
    assert len(window.model.history) == 1 and window.model.step == 0
    assert {"experiment", "loss", "far_mass", "captured", "certificate", "weight_decay"} <= set(window.docks)
    assert window.spheres.view.renderer == "projected"
    # The training process says which device it trains on once it has set up the run.
    qtbot.waitUntil(lambda: window.status_bits.device.text() == "device: cpu", timeout=15000)


def test_space_plays_and_pauses_while_the_loss_falls(qtbot, window):
    qtbot.keyClick(window, Key.Key_Space)
    assert window.model.playing
    qtbot.waitUntil(lambda: window.model.step >= 200, timeout=10000)
    qtbot.keyClick(window, Key.Key_Space)
    assert not window.model.playing
    losses = window.model.history.view()["loss"]
    assert losses[-1] < 0.5 * losses[0]
    window.flush_redraws()
    assert len(window.plots['loss']._curves[(0, 0)][0].yData) == window.model.count


def test_arrow_keys_train_and_step_through_the_history(qtbot, window):
    every = window.model.config.record.every
    qtbot.keyClick(window, Key.Key_Right)  # at the live edge: train one more snapshot
    qtbot.waitUntil(lambda: window.model.step == every)
    qtbot.keyClick(window, Key.Key_Right)
    qtbot.waitUntil(lambda: window.model.step == 2 * every)
    qtbot.keyClick(window, Key.Key_Left)
    assert window.model.step == every
    qtbot.keyClick(window, Key.Key_Home)
    assert window.model.step == 0
    qtbot.keyClick(window, Key.Key_End)
    assert window.model.step == 2 * every


def test_slider_and_exact_step_entry_reach_recorded_steps(qtbot, window, train_to):
    train_to(window, 200)
    window.transport.slider.setValue(61)  # the slider moves in steps; the cursor lands on a recorded one
    assert window.model.step == 60
    window.transport.step_box.setValue(105)  # between snapshots: the last one at or before it
    assert window.model.step == 100
    assert window.transport.step_box.value() == 100


def test_scrubbing_shows_the_past_while_training_continues(qtbot, window):
    window.model.max_steps, window.model.loss_threshold = 100_000, 0.0
    window.model.speed = 0
    window.model.playing = True
    qtbot.waitUntil(lambda: window.model.count > 5, timeout=10000)
    window.model.set_index(2)
    window.model.playing = False  # the replay would move the cursor on; the run trained behind it meanwhile
    count = window.model.count
    window.model.playing = True
    window.model.set_index(2)
    qtbot.waitUntil(lambda: window.model.count > count + 3, timeout=10000)
    window.model.playing = False
    window.model.set_index(2)
    window.flush_redraws()
    past = window.model.history.snapshot(2)
    assert window.model.step == past.step == 40
    assert window.status_bits.loss.text() == f"loss {past.loss:.4g}"
    assert all(cursor.value() == 40 for cursor in window.plots['loss'].cursors)
    assert window.spheres.views[0].drawn[0] == 2


def test_invalid_experiment_input_is_flagged_and_not_applied(qtbot, window):
    panel, before = window.experiment, window.model.config
    editor = panel.editors["optim.lr"]
    editor.setText("-1")
    editor.editingFinished.emit()
    assert panel.is_flagged("optim.lr")
    assert "optim.lr = -1" in panel.errors["optim.lr"].text()
    assert window.model.config is before
    editor.setText("fast")
    editor.editingFinished.emit()
    assert "optim.lr" in panel.errors["optim.lr"].text()
    assert window.model.config is before
    editor.setText("0.25")
    editor.editingFinished.emit()
    assert not panel.is_flagged("optim.lr")
    assert window.model.config.optim.lr == 0.25 and len(window.model.history) == 1


def test_every_config_key_has_an_editor():
    from engine.config import RunConfig, flatten
    from featlearn_gui.panels.experiment import config_keys

    assert {f"{s}.{n}" if s else n for s, n in config_keys()} == set(flatten(RunConfig()))


@pytest.mark.parametrize("name", presets.names())
def test_presets_load_and_draw(qtbot, window, name):
    assert window.files.load_preset(name)
    assert window.model.config == presets.load(name)
    assert window.experiment.preset_box.currentData() == name
    window.flush_redraws()
    assert window.spheres.views[0].drawn[0] == 0


def test_the_teacher_span_plot_comes_forward_where_it_tells_the_story(qtbot, window):
    def front_tab() -> str:
        """The tab a person sees of the captured-mass and teacher-span docks, which share a place."""
        from PySide6.QtWidgets import QTabBar

        qtbot.wait(50)  # the window lays its docks out (and retires unused tab bars) in its event loop
        shown = {bar.tabText(bar.currentIndex()) for bar in window.findChildren(QTabBar) if bar.isVisible()
                 and "Mass in the teacher span" in [bar.tabText(i) for i in range(bar.count())]}
        assert len(shown) == 1
        return shown.pop()

    assert front_tab() == "Captured mass per teacher"  # paper: d = k = 3, the span is all of R^3
    assert window.files.load_preset("high-dim")  # d = 30: the first step's jump into the span is the story
    assert front_tab() == "Mass in the teacher span"
    assert window.files.load_preset("circle")
    assert front_tab() == "Captured mass per teacher"


def test_changing_the_experiment_asks_before_discarding_a_run(qtbot, window, monkeypatch, train_to):
    train_to(window, 100)
    history = window.model.history
    monkeypatch.setattr(prompts, "ask_discard", lambda parent, what: False)
    assert not window.files.load_preset("circle")
    window.experiment.editors["seed"].setText("5")
    window.experiment.editors["seed"].editingFinished.emit()
    assert window.model.history is history and window.model.config.seed == 0
    assert window.experiment.editor_text("seed") == "0"
    monkeypatch.setattr(prompts, "ask_discard", lambda parent, what: True)
    assert window.files.load_preset("circle")
    assert window.model.history is not history and window.model.config.teacher.dim == 2


def test_save_and_open_a_run_round_trip(qtbot, window, tmp_path, train_to):
    train_to(window, 120)
    path = tmp_path / "run.npz"
    assert window.files.save_run(path)
    assert window.model.selected.saved and not window.model.has_unsaved_work
    original = window.model.history
    assert window.files.open_path(path)
    loaded = window.model.history
    assert loaded is not original and window.model.status == "ready"  # browsable, and continues on play
    np.testing.assert_array_equal(loaded.steps, original.steps)
    np.testing.assert_array_equal(loaded.view()["student_w"], original.view()["student_w"])
    assert window.model.config == original.config
    assert window.model.step == 120  # a loaded run opens on its last snapshot
    assert str(path.resolve()) in window.settings.recent_files()


def test_an_opened_run_continues_training_where_it_stopped(qtbot, window, tmp_path, train_to):
    train_to(window, 100)
    path = tmp_path / "run.npz"
    assert window.files.save_run(path)
    expected = window.model.history.view()["student_w"].copy()
    assert window.files.open_path(path)
    every = window.model.config.record.every
    qtbot.keyClick(window, Key.Key_Right)  # at the end of the loaded history: train one more snapshot
    qtbot.waitUntil(lambda: window.model.step == 100 + every)
    np.testing.assert_array_equal(window.model.history.view()["student_w"][: len(expected)], expected)


def test_open_config_file_and_bad_files_give_clear_errors(qtbot, window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(prompts, "show_error", lambda parent, title, text: shown.append(text))
    good = tmp_path / "exp.toml"
    assert window.files.save_config(good)
    assert window.files.open_path(good)
    bad = tmp_path / "bad.toml"
    bad.write_text("[optim]\nlr = -3\n")
    assert not window.files.open_path(bad)
    assert "optim.lr = -3" in shown[-1]
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    assert not window.files.open_path(junk)
    assert "junk.npz" in shown[-1]


def test_stop_conditions_end_the_run(qtbot, window):
    window.model.max_steps, window.model.loss_threshold = 140, 0.0
    window.model.speed = 0
    window.model.playing = True
    qtbot.waitUntil(lambda: window.model.status == "finished", timeout=10000)
    assert window.model.step == 140 and "140" in window.model.message
    qtbot.waitUntil(lambda: not window.model.playing)
    loss_now = window.model.history.snapshot(-1).loss
    # continue until the loss falls 10 % more
    window.model.max_steps, window.model.loss_threshold = 100_000, loss_now * 0.9
    window.model.playing = True
    qtbot.waitUntil(lambda: window.model.status == "finished", timeout=10000)
    assert window.model.history.snapshot(-1).loss <= loss_now * 0.9
    assert "threshold" in window.model.message


def test_divergence_shows_a_message_and_keeps_the_history(qtbot, window, small_config):
    window.files.apply_config(small_config("optim.lr=400"))
    window.model.speed = 0
    window.model.playing = True
    qtbot.waitUntil(lambda: window.model.status == "failed", timeout=10000)
    assert "diverged at step" in window.model.message
    view = window.spheres.views[0]
    assert view.banner.isVisible() and "diverged at step" in view.banner_label.text()
    assert not window.model.playing
    count = window.model.count
    assert count >= 1
    window.model.set_index(0)
    qtbot.keyClick(window, Key.Key_End)
    assert window.model.index == count - 1
    assert np.isfinite(window.model.history.snapshot(-1).loss)


def test_closing_stops_the_training_within_a_second(qtbot, window):
    window.model.max_steps, window.model.loss_threshold = 1_000_000, 0.0
    window.model.speed = 0
    window.model.playing = True
    qtbot.waitUntil(lambda: window.model.count > 3, timeout=10000)
    history = window.model.history
    started = time.perf_counter()
    window.close()  # prompts.INTERACTIVE is off: discards without asking
    assert time.perf_counter() - started < 1.0
    assert not window.session.drivers
    count = len(history)
    qtbot.wait(300)
    assert len(history) == count  # nothing trains on behind the closed window


def test_closing_with_an_unsaved_run_asks_first(qtbot, window, monkeypatch, train_to):
    train_to(window, 60)
    monkeypatch.setattr(prompts, "ask_save", lambda parent: "cancel")
    window.close()
    assert window.isVisible()
    monkeypatch.setattr(prompts, "ask_save", lambda parent: "discard")
    window.close()
    assert not window.isVisible()


def test_restore_defaults_resets_view_options_and_speed(qtbot, window):
    window.model.options = dataclasses.replace(window.model.options, trails=True, certificate="live")
    window.model.speed = 2000
    window.save_settings()
    assert window.settings.view_options().trails and window.settings.speed() == 2000
    window.restore_defaults()
    assert not window.model.options.trails and window.model.speed == DEFAULT_SPEED
    assert not window.settings.view_options().trails


def test_keyboard_shortcut_help_lists_the_transport_keys(qtbot, window):
    window.actions_by_key["Keyboard shortcuts"].trigger()
    boxes = [w for w in QtWidgets.QApplication.topLevelWidgets() if isinstance(w, QtWidgets.QMessageBox)]
    assert boxes and "Space" in boxes[-1].text()
    boxes[-1].close()


def test_file_export_writes_the_run_so_far(qtbot, window, tmp_path, train_to):
    from PIL import Image

    train_to(window, 100)
    window.actions_by_key["Export"].trigger()  # File → Export…
    dialog = next(w for w in QtWidgets.QApplication.topLevelWidgets() if isinstance(w, ExportDialog) and w.isVisible())
    out = tmp_path / "run.gif"
    dialog.path_edit.setText(str(out))
    dialog.width_spin.setValue(160)
    dialog.height_spin.setValue(128)
    dialog.frames.setValue(4)
    with qtbot.waitSignal(dialog.export_finished, timeout=30_000):
        dialog.export_button.click()
    with Image.open(out) as gif:
        assert gif.n_frames == 4 and gif.size == (160, 128)
