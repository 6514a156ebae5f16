"""The sphere view with the projected (no OpenGL) renderer, offscreen: images, camera, renderer choice, stress."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent, QWheelEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine import presets  # noqa: E402
from engine.config import apply_overrides  # noqa: E402
from engine.trainer import train  # noqa: E402
from featlearn_gui import palette  # noqa: E402
from featlearn_gui.bench.render import frame_times  # noqa: E402
from featlearn_gui.palette import rgba  # noqa: E402
from featlearn_gui.scene import HEAT_OVER, HEAT_UNDER, NEGATIVE, POSITIVE, ViewOptions  # noqa: E402
from featlearn_gui.views.camera import Camera, facing, project  # noqa: E402
from featlearn_gui.views.sphere_view import SphereView, gl_available  # noqa: E402


@pytest.fixture(scope="module")
def paper():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return train(apply_overrides(presets.load("paper"), ["optim.steps=400"]))
    finally:
        torch.set_num_threads(previous)


@pytest.fixture
def view(qtbot):
    widget = SphereView(renderer="projected")
    qtbot.addWidget(widget)
    widget.resize(480, 400)
    return widget


def _has_colour(image: np.ndarray, rgba, tolerance: int = 12) -> bool:
    target = np.array(rgba[:3]) * 255
    return bool((np.abs(image[..., :3].astype(int) - target).max(axis=-1) <= tolerance).sum() >= 4)


def _drag(widget, start: QPoint, end: QPoint, steps: int = 6) -> None:
    """A left-button drag, as press, moves with the button held, release."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    send = lambda kind, pos, button, buttons: QApplication.sendEvent(  # noqa: E731
        widget, QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons,
                            Qt.KeyboardModifier.NoModifier))
    send(QEvent.Type.MouseButtonPress, start, left, left)
    for i in range(1, steps + 1):
        send(QEvent.Type.MouseMove, start + (end - start) * i / steps, none, left)
    send(QEvent.Type.MouseButtonRelease, end, left, none)


def test_projected_image_has_requested_size_and_shows_teachers_and_students(view, paper):
    view.set_frame(paper, -1, ViewOptions(colour="sign"))
    image = view.render_image(320, 240)
    assert image.shape == (240, 320, 4) and image.dtype == np.uint8
    assert len(np.unique(image.reshape(-1, 4), axis=0)) > 50  # not blank
    assert _has_colour(image, POSITIVE) and _has_colour(image, NEGATIVE)


def test_certificate_heat_map_keeps_regions_beyond_one_visible(view, paper):
    view.set_frame(paper, 0, ViewOptions(certificate="live"))  # at initialization |η_λ| ≫ 1 almost everywhere
    image = view.render_image(400, 400)
    assert _has_colour(image, HEAT_OVER, 4) or _has_colour(image, HEAT_UNDER, 4)
    view.set_frame(paper, 0, ViewOptions(colour="sign"))  # (role colours: teachers 1 and 2 share these hues)
    plain = view.render_image(400, 400)
    assert not (_has_colour(plain, HEAT_OVER, 4) or _has_colour(plain, HEAT_UNDER, 4))


def test_render_image_is_what_the_screen_shows(qtbot, view, paper):
    view.show()
    qtbot.waitExposed(view)
    view.set_frame(paper, -1, ViewOptions(trails=True, certificate="pre"))
    QApplication.processEvents()
    grabbed = view.grab().toImage()
    grabbed = grabbed.convertToFormat(grabbed.Format.Format_RGBA8888)
    shown = np.frombuffer(grabbed.constBits(), np.uint8).reshape(grabbed.height(), grabbed.bytesPerLine() // 4, 4)
    rendered = view.render_image(view.width(), view.height())
    diff = np.abs(shown[:, : view.width(), :3].astype(int) - rendered[..., :3].astype(int))
    assert diff.mean() < 2.0


def test_repaint_stress(qtbot, view, paper):
    """A few hundred set_frame + repaint cycles (PySide6 6.12.0 aborted after about a hundred)."""
    view.show()
    qtbot.waitExposed(view)
    options = [ViewOptions(), ViewOptions(trails=True, arrows=True), ViewOptions(certificate="pre")]
    for i in range(300):
        view.set_frame(paper, i % len(paper), options[i % 3])
        view.repaint()
        QApplication.processEvents()
    assert view.renderer == "projected"


def test_mouse_drag_rotates_and_wheel_zooms(qtbot, view, paper):
    view.show()
    qtbot.waitExposed(view)
    view.set_frame(paper, -1, ViewOptions())
    azimuth, elevation, distance = view.camera()
    target = view._projected.viewport()
    with qtbot.waitSignal(view.camera_changed):
        _drag(target, QPoint(240, 200), QPoint(300, 230))
    new_azimuth, new_elevation, _ = view.camera()
    assert new_azimuth == pytest.approx((azimuth - 60) % 360, abs=1e-6)  # one degree per pixel, as GLViewWidget
    assert new_elevation == pytest.approx(elevation + 30, abs=1e-6)
    wheel = QWheelEvent(QPointF(240, 200), QPointF(target.mapToGlobal(QPoint(240, 200))), QPoint(), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    with qtbot.waitSignal(view.camera_changed):
        QApplication.sendEvent(target, wheel)
    assert view.camera()[2] < distance


def test_set_camera_is_silent_and_reset_faces_the_teachers(qtbot, view, paper):
    view.set_frame(paper, -1, ViewOptions())
    before = view.render_image(200, 200)
    with qtbot.assertNotEmitted(view.camera_changed):
        view.set_camera(200.0, -30.0, 6.0)
    assert view.camera() == (200.0, -30.0, 6.0)
    assert not np.array_equal(before, view.render_image(200, 200))
    with qtbot.waitSignal(view.camera_changed):
        view.reset_camera()
    expected = facing(paper.teacher.w.mean(axis=0))
    assert view.camera() == pytest.approx((expected.azimuth, expected.elevation, expected.distance))


def test_camera_projection_puts_the_viewed_direction_in_front():
    camera = Camera(azimuth=30.0, elevation=20.0)
    toward = camera.axes()[2]
    xy, depth = project(np.array([toward, -toward]), camera)
    assert np.allclose(xy, 0.0) and np.allclose(depth, [1.0, -1.0])
    assert np.allclose(camera.axes() @ camera.axes().T, np.eye(3))


@pytest.mark.skipif(os.environ.get("QT_QPA_PLATFORM") != "offscreen", reason="checks the offscreen fallback")
def test_offscreen_has_no_gl_and_falls_back_to_projected(qtbot):
    assert not gl_available()
    widget = SphereView(renderer="gl")
    qtbot.addWidget(widget)
    assert widget.renderer == "projected"
    with pytest.raises(ValueError, match="renderer must be one of"):
        widget.set_renderer("vulkan")
    assert frame_times("gl", m=10, frames=2)["skipped"]


def test_circle_is_flat_and_does_not_rotate(qtbot, view):
    history = train(apply_overrides(presets.load("circle"), ["optim.steps=40"]))
    view.show()
    qtbot.waitExposed(view)
    view.set_frame(history, -1, ViewOptions(certificate="pre", colour="sign"))
    assert view.renderer == "projected"
    view.set_renderer("map")
    assert view.renderer == "projected"  # a circle shows everything already: never mapped
    azimuth = view.camera()[0]
    _drag(view._projected.viewport(), QPoint(240, 200), QPoint(300, 200))
    assert view.camera()[0] == azimuth
    image = view.render_image(300, 300)
    assert _has_colour(image, POSITIVE)


def test_frame_times_reports_the_projected_renderer(qtbot):
    result = frame_times("projected", m=50, frames=3)
    assert result["renderer"] == "projected" and result["frames"] == 3
    assert 0 < result["mean_ms"] <= result["max_ms"]


def test_map_renderer_shows_the_whole_sphere_and_switches_back(qtbot, view, paper):
    view.set_frame(paper, -1, ViewOptions(trails=True, arrows=True, certificate="live"))
    with qtbot.waitSignal(view.renderer_changed):
        view.set_renderer("map")
    assert view.renderer == "map"
    image = view.render_image(600, 320)
    assert image.shape == (320, 600, 4) and len(np.unique(image.reshape(-1, 4), axis=0)) > 50
    for i in range(3):  # every teacher's colour is on the map, wherever the camera looks
        assert _has_colour(image, rgba(palette.teacher_colour(i)))
    view.set_camera(210.0, -40.0)  # the map re-centres, but still shows every teacher
    turned = view.render_image(600, 320)
    assert not np.array_equal(image, turned)
    assert all(_has_colour(turned, rgba(palette.teacher_colour(i))) for i in range(3))
    view.set_renderer("projected")
    assert view.renderer == "projected"


def test_hover_names_the_neuron_or_teacher_under_the_pointer(qtbot, view, paper):
    view.set_renderer("map")
    view.show()
    qtbot.waitExposed(view)
    view.set_frame(paper, -1, ViewOptions())
    canvas = view._map
    scene = canvas._scene
    xy, _ = canvas._screen(scene.students.positions, False)
    pixel = canvas.box.viewPixelSize()[0]
    heaviest = len(xy) - 1  # drawn last, on top
    text = canvas.hover_text(*xy[heaviest], pixel)
    assert text.startswith(f"neuron {scene.student_info.index[heaviest]}:") and "‖w‖" in text
    teacher_xy, _ = canvas._screen(scene.teachers.positions, False)
    students = np.hypot(*(xy - teacher_xy[0]).T) / pixel
    if students.min() > 20:  # no student over it: the teacher answers
        assert canvas.hover_text(*teacher_xy[0], pixel).startswith("teacher 1")
    assert "teacher 1" in scene.teacher_info.describe(0) and "students within" in scene.teacher_info.describe(0)
    assert canvas.hover_text(10.0, 10.0, pixel) == ""  # off the map
