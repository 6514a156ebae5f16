"""Branch here (Ctrl+B, the Run menu, a run header's button): a child run beside its parent, a normal run."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from engine.branch import branch_history
from engine.config import apply_overrides
from engine.history import RunHistory
from engine.trainer import Trainer

NO_DECAY = {"optim.weight_decay": "0", "optim.weight_decay_min": "0"}


def _branch_via_shortcut(qtbot, win, values: dict[str, str]):
    win.activateWindow()  # back from the last dialog: shortcuts reach only the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    qtbot.keyClick(win, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    dialog = win.brancher.dialog
    assert dialog is not None and dialog.isVisible()
    for key, text in values.items():
        dialog.set_value(key, text)
    return _click_branch(dialog)


def _click_branch(dialog):
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    return dialog


def _finish(qtbot, win, step):
    win.session.train_to(step)
    qtbot.waitUntil(lambda: all(run.done for run in win.model.runs) and win.model.step == step, timeout=20000)


def test_branch_here_puts_a_child_beside_its_parent(qtbot, window, train_to, tmp_path):
    train_to(window, 400)
    parent = window.model.runs[0]
    window.model.set_step(200)
    _branch_via_shortcut(qtbot, window, NO_DECAY)
    assert len(window.model.runs) == 2
    child = window.model.runs[1]
    assert window.model.selected is child and child.history.lineage.step == 200
    header = window.spheres.views[1].differs.full_text  # the header elides it; the whole text is its tooltip
    assert header.startswith("branched from paper at step 200: optim.weight_decay = 0 (was 0.01)")
    # Its own curves start at the branch step; its file still starts at step 0 (the parent's snapshots).
    window.plots["loss"].draw_now()
    curve = window.plots["loss"]._curves[(0, 1)][0]
    assert curve.getData()[0][0] == 200 and child.history.steps[0] == 0
    _finish(qtbot, window, 400)
    expected = branch_history(parent.history, 200, apply_overrides(parent.config, [f"{k}={v}" for k, v in
                                                                                   NO_DECAY.items()]))
    trainer = Trainer.resume(expected)
    for snap in trainer.run():
        expected.append(snap)
    np.testing.assert_array_equal(child.history.view()["student_w"], expected.view()["student_w"])
    # A branch is a normal run: it saves with its lineage and reads back as a branch.
    assert window.files.save_run(tmp_path / "child.npz", child)
    assert RunHistory.load(tmp_path / "child.npz").lineage == child.history.lineage
    window.spheres.views[0].branch_button.click()  # the parent's header offers Branch here too
    assert window.brancher.dialog.windowTitle() == "Branch paper at step 400"
    window.brancher.dialog.reject()


def test_typing_lambda_zero_takes_its_floor_along(qtbot, window):
    win = window
    dialog = win.brancher.request()
    editor = dialog.editors["optim.weight_decay"]
    editor.selectAll()
    qtbot.keyClicks(editor, "0")
    assert dialog.editors["optim.weight_decay_min"].text() == "0"
    _click_branch(dialog)
    child = win.model.selected
    assert child.config.optim.weight_decay == 0 and child.config.optim.weight_decay_min == 0
    _click_branch(win.brancher.request(win.model.runs[0]))  # the same step again: a label of its own
    assert [run.label for run in win.model.runs] == ["paper", "paper @ 0 (2)", "paper @ 0"]


def test_branches_of_branches_and_a_bad_value_stays_in_the_dialog(qtbot, window, train_to):
    train_to(window, 400)
    window.model.set_step(100)
    _branch_via_shortcut(qtbot, window, {"optim.lr": "0.2"})
    child = window.model.selected
    window.model.set_step(300)  # the child has not trained past its branch step: it shows step 100
    dialog = _branch_via_shortcut(qtbot, window, {"optim.lr": "-1"})
    assert dialog.isVisible() and "optim.lr = -1.0 is not allowed" in dialog.error.text()
    dialog.reject()
    _finish(qtbot, window, 400)
    window.model.set_step(300)
    _branch_via_shortcut(qtbot, window, {"loss.kind": "online", "loss.batch": "200"})
    grandchild = window.model.selected
    assert [run.label for run in window.model.runs] == ["paper", "paper @ 100", "paper @ 100 @ 300"]
    assert grandchild.history.lineage.parent == child.label and grandchild.history.lineage.step == 300
    assert "loss.kind = online (was population)" in window.spheres.views[2].differs.full_text


def test_the_tour_of_a_branch_stops_at_its_branch_step(small_config):
    from engine.metrics import neuron_metrics
    from engine.trainer import train
    from featlearn_gui.tour_stops import tour_stops

    parent = train(small_config())
    child = branch_history(parent, 100, apply_overrides(parent.config, [f"{k}={v}" for k, v in NO_DECAY.items()]),
                           parent_name="paper.npz")
    stops = dict(tour_stops(child))
    snap = child.snapshot(-1)
    met = neuron_metrics(snap.student_w, snap.student_a, child.teacher, True)
    assert stops[100].startswith("What if? This run branched from paper.npz at step 100: optim.weight_decay = 0")
    assert f"within {met.max_active_angle_deg:.1f}° of a teacher" in stops[100]
    assert all(step <= 100 for step in stops)  # the child has not trained on yet: no stop of its own after it
