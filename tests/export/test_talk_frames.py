"""Frames fit for a talk: the legend beside or below the sphere (never over a marker), one line of step, L and λ,
and in the dashboard the far mass and captured mass beside the loss. Pixels, not just files."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtGui
from PySide6.QtCore import QRectF

from featlearn_gui import palette
from featlearn_gui.export.headless import ensure_app
from featlearn_gui.export.render import FrameRenderer
from featlearn_gui.scene import ViewOptions, build_scene
from featlearn_gui.view_state import Run, ViewState
from featlearn_gui.views.overlay import font_px, legend_entries, legend_layout


@pytest.fixture
def view():
    ensure_app()
    from featlearn_gui.views.sphere_view import SphereView

    widget = SphereView(None, renderer="projected")
    yield widget
    widget.deleteLater()


@pytest.mark.parametrize("size", [(640, 640), (960, 540), (420, 700)])
def test_the_legend_box_covers_no_marker(view, paper_history, size):
    """Everything outside the legend's box is the same with and without the legend; inside its box, the picture
    without it is empty: no marker, no trail, no sphere is ever behind the legend."""
    width, height = size
    for index in (0, 5, len(paper_history) - 1):
        view.set_frame(paper_history, index, ViewOptions(trails=True))
        with_legend = view.render_image(width, height).astype(int)
        without = view.render_image(width, height, legend=False).astype(int)
        entries = legend_entries(build_scene(paper_history, index, ViewOptions(trails=True)))
        _sphere, box, _columns = legend_layout(width, height, font_px(QRectF(0, 0, width, height)), entries)
        x0, y0 = int(box.left()), int(box.top())
        x1, y1 = int(np.ceil(box.right())) + 1, int(np.ceil(box.bottom())) + 1
        inside = np.zeros((height, width), bool)
        inside[y0:y1, x0:x1] = True
        assert np.abs(with_legend - without).max(axis=-1)[~inside].max() == 0  # the legend stays in its box
        assert (np.abs(with_legend - without).max(axis=-1)[inside] > 0).mean() > 0.05  # ... and is drawn there
        assert (without[inside][:, :3] >= 250).all(), f"something is drawn under the legend at step {index}"


def test_one_line_of_step_loss_and_lambda(paper_history):
    """The overlay is one line at the top left, not a second box elsewhere."""
    runs = (Run("paper", paper_history),)
    shown = FrameRenderer(ViewState(runs, renderer="projected", camera=(30.0, 20.0)), (480, 480))
    hidden = FrameRenderer(ViewState(runs, renderer="projected", camera=(30.0, 20.0), overlay=False), (480, 480))
    try:
        a = shown.render([len(paper_history) - 1], 30.0, 20.0).astype(int)
        b = hidden.render([len(paper_history) - 1], 30.0, 20.0).astype(int)
    finally:
        shown.close()
        hidden.close()
    rows = np.flatnonzero(np.any(a != b, axis=(1, 2)))
    cols = np.flatnonzero(np.any(a != b, axis=(0, 2)))
    assert len(rows) > 0 and rows.max() < 0.08 * 480 and cols.min() < 0.05 * 480  # one line, top left


def test_the_dashboard_shows_far_mass_and_captured_mass(paper_history):
    runs = (Run("paper", paper_history),)
    renderer = FrameRenderer(ViewState(runs, renderer="projected", content="dashboard"), (1280, 720))
    try:
        frame = renderer.render([len(paper_history) - 1], 30.0, 20.0).astype(int)
    finally:
        renderer.close()
    plots = frame[: int(720 * 0.68), 720:]  # three time plots stacked right of the sphere, the certificate below
    third = len(plots) // 3

    def count(band: np.ndarray, colour: str) -> int:
        rgb = np.array(QtGui.QColor(colour).getRgb()[:3])
        return int((np.abs(band - rgb).max(axis=-1) < 40).sum())

    assert count(plots[third: 2 * third], palette.FAR_MASS) > 100  # the far mass, under the loss
    for i in range(3):  # the mass each teacher captured, in its colour, at the bottom
        assert count(plots[2 * third:], palette.teacher_colour(i)) > 100


def test_a_view_too_small_for_its_legend_gives_the_sphere_the_room():
    """Two maps side by side on a laptop: with the legend below, the map would be a strip under the colour bar."""
    from featlearn_gui.views.overlay import LEGEND_MIN_PX

    ensure_app()
    small = QRectF(0, 0, 300, 200)
    sphere, legend, columns = legend_layout(300, 200, font_px(small), aspect=2.0)
    assert columns == 0 and legend.isEmpty() and (sphere.width(), sphere.height()) == (300, 200)
    sphere, legend, columns = legend_layout(600, 500, font_px(QRectF(0, 0, 600, 500)), aspect=1.0)
    assert columns >= 1 and not legend.isEmpty() and min(sphere.width(), sphere.height()) >= LEGEND_MIN_PX
