"""Dragging a teacher on the globe and on the map: it follows the pointer, the pre-certificate answers live with the
number a sweep's certificate_max gives, refused positions say why, and the dropped teacher can be run or branched."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from engine.sweep.summary import certificate_max
from featlearn_gui.views import map_projection as mp
from featlearn_gui.views.camera import project


def _drag(widget, start: QPoint, end: QPoint, steps: int = 8) -> None:
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    for i, (kind, button, buttons) in enumerate([(QEvent.Type.MouseButtonPress, left, left)]
                                                + [(QEvent.Type.MouseMove, none, left)] * steps
                                                + [(QEvent.Type.MouseButtonRelease, left, none)]):
        pos = start + (end - start) * min(i, steps) / steps
        QApplication.sendEvent(widget, QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button,
                                                   buttons, Qt.KeyboardModifier.NoModifier))


def _pixel(canvas, xy) -> QPoint:
    """Widget pixel of view coordinates (x, y)."""
    scene = canvas.box.mapViewToScene(QPointF(float(xy[0]), float(xy[1])))
    return canvas.mapFromScene(scene)


def _screen_of(canvas, renderer: str, u: np.ndarray) -> np.ndarray:
    camera = canvas._camera
    if renderer == "map":
        return mp.map_points(u[None], camera)[0]
    return project(u[None], camera)[0][0]


@pytest.mark.parametrize("renderer", ["projected", "map"])
def test_a_dragged_teacher_follows_the_pointer_and_the_certificate_answers(qtbot, window, renderer):
    window.model.renderer = renderer
    window.spheres.flush()
    view = window.spheres.views[0]
    canvas = view.view._canvas()
    run = window.model.runs[0]
    teacher = run.history.teacher
    start = _pixel(canvas, _screen_of(canvas, renderer, teacher.w[0]))
    end = start + QPoint(40, -25)
    _drag(canvas.viewport(), start, end)
    moved = window.teacher_drag.moved[run]
    assert moved.index == 0
    landed = _pixel(canvas, _screen_of(canvas, renderer, moved.teacher.w[0]))
    assert (landed - end).manhattanLength() <= 3  # the teacher is under the pointer
    assert not np.allclose(moved.teacher.w[0], teacher.w[0]) and np.allclose(moved.teacher.w[1:], teacher.w[1:])
    expected = certificate_max(moved.teacher, run.config.model.activation, run.config.is_even)
    assert moved.certificate_max == expected
    assert f"max |η| away from the teachers = {expected:.3f}" in view.whatif.label.text()
    assert view.whatif.isVisible() and view.whatif.buttons["branch"].isEnabled()
    assert view.view._scene.heat is not None and view.view._scene.heat.kind == "pre"  # the heat map of the draft


def test_a_teacher_dropped_on_another_is_refused_in_words(qtbot, window):
    window.spheres.flush()
    view = window.spheres.views[0]
    canvas = view.view._canvas()
    w = window.model.runs[0].history.teacher.w
    _drag(canvas.viewport(), _pixel(canvas, _screen_of(canvas, "projected", w[2])),
          _pixel(canvas, _screen_of(canvas, "projected", w[0])))
    text = view.whatif.label.text()
    assert "refused, teacher.directions must be distinct directions, but rows 1 and 3 are parallel" in text
    assert not view.whatif.buttons["run"].isEnabled() and not view.whatif.buttons["branch"].isEnabled()
    view.whatif.buttons["cancel"].click()
    assert not view.whatif.isVisible() and not window.teacher_drag.moved


def test_the_dropped_teacher_runs_from_step_0_or_branches_the_students(qtbot, window, train_to):
    train_to(window, 200)
    view = window.spheres.views[0]
    canvas = view.view._canvas()
    parent = window.model.runs[0]
    start = _pixel(canvas, _screen_of(canvas, "projected", parent.history.teacher.w[1]))
    _drag(canvas.viewport(), start, start + QPoint(-30, 20))
    moved = window.teacher_drag.moved[parent]
    view.whatif.buttons["branch"].click()
    child = window.model.runs[1]
    assert child.history.lineage.step == 200 and np.allclose(child.history.teacher.w, moved.teacher.w)
    assert "teacher 2 moved to (" in window.spheres.views[1].differs.full_text
    window.spheres.flush()  # two views side by side now: the parent's sphere is smaller
    start = _pixel(canvas, _screen_of(canvas, "projected", parent.history.teacher.w[1]))
    _drag(canvas.viewport(), start, start + QPoint(-30, 20))
    window.spheres.views[0].whatif.buttons["run"].click()
    fresh = window.model.selected
    assert len(window.model.runs) == 3 and fresh.last_step == 0 and fresh.history.lineage is None
    assert fresh.config.teacher.directions and not np.allclose(fresh.history.teacher.w, parent.history.teacher.w)



def test_the_experiment_panel_edits_the_moved_teachers_a_star(qtbot, window):
    window.spheres.flush()
    view = window.spheres.views[0]
    canvas = view.view._canvas()
    run = window.model.runs[0]
    start = _pixel(canvas, _screen_of(canvas, "projected", run.history.teacher.w[0]))
    _drag(canvas.viewport(), start, start + QPoint(40, -25))
    moved = window.teacher_drag.moved[run]
    panel = window.experiment
    own = repr(run.config.teacher.directions)
    shown = panel.editor_text("teacher.directions")
    assert shown != own and np.allclose(eval(shown), moved.teacher.w)  # the moved teacher's directions, shown
    editor = panel.editors["teacher.signs"]
    editor.setText("[1, 1, 1]")
    editor.editingFinished.emit()
    now = window.teacher_drag.moved[run]
    assert list(now.teacher.a) == [1.0, 1.0, 1.0] and np.allclose(now.teacher.w, moved.teacher.w)
    expected = certificate_max(now.teacher, run.config.model.activation, run.config.is_even)
    assert f"= {expected:.3f}" in view.whatif.label.text() and expected != moved.certificate_max
    assert run.config.teacher.signs != [1, 1, 1] and run.last_step == 0  # the run itself was not restarted
    view.whatif.buttons["cancel"].click()
    assert panel.editor_text("teacher.directions") == own  # back to the run's own teacher


def test_a_pending_teacher_stays_on_screen_as_the_cursor_moves(qtbot, window, train_to):
    train_to(window, 200)
    view = window.spheres.views[0]
    canvas = view.view._canvas()
    run = window.model.runs[0]
    start = _pixel(canvas, _screen_of(canvas, "projected", run.history.teacher.w[0]))
    _drag(canvas.viewport(), start, start + QPoint(40, -25))
    moved = window.teacher_drag.moved[run]
    window.model.set_step(100)
    window.spheres.flush()
    scene = view.view._scene
    assert scene.step == 100 and scene.heat.kind == "pre" and view.whatif.isVisible()
    np.testing.assert_allclose(scene.teachers.positions[0], moved.teacher.w[0])  # still the moved teacher
