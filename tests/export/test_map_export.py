"""The map renderer in an exported PNG: far neurons of a run without weight decay are drawn where the Hammer
projection puts them, those on the far side of the globe included (the OpenGL view would hide them)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from engine.metrics import neuron_metrics
from featlearn_gui import palette
from featlearn_gui.export import ExportJob, Run, ViewState, run_export
from featlearn_gui.scene import build_scene
from featlearn_gui.views.camera import Camera
from featlearn_gui.views.map_projection import map_points
from featlearn_gui.views.overlay import view_layout
from featlearn_gui.views.sphere_map import VIEW_RANGE
from featlearn_gui.views.sphere_view import MAP_ASPECT

from .conftest import short_run

SIZE = (1400, 600)


def _pixels(xy: np.ndarray, w: float = SIZE[0], h: float = SIZE[1]) -> np.ndarray:
    """Map coordinates to pixels of the map's rectangle (w × h; the caption above and the legend beside take the
    rest of the image): the view box centres its range and keeps the aspect."""
    (x0, x1), (y0, y1) = VIEW_RANGE
    scale = min(w / (x1 - x0), h / (y1 - y0))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return np.column_stack([w / 2 + scale * (xy[:, 0] - cx), h / 2 - scale * (xy[:, 1] - cy)])


def test_far_neurons_are_drawn_where_the_map_puts_them(tmp_path):
    history = short_run("relu-no-weight-decay", 2000)
    out = tmp_path / "map.png"
    job = ExportJob(out=out, size=SIZE, steps=(2000, 2000))
    state = ViewState((Run("no weight decay", history),), renderer="map", overlay=False, camera=(30.0, 20.0))
    run_export(job, state)
    with Image.open(out) as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    assert pixels.shape == (SIZE[1], SIZE[0], 3)

    snap = history.snapshot(-1)
    met = neuron_metrics(snap.student_w, snap.student_a, history.teacher, history.config.is_even)
    far = met.active & ~met.near
    camera = Camera(*state.camera)
    scene = build_scene(history, len(history) - 1, state.options)
    area = view_layout(*SIZE, scene, aspect=MAP_ASPECT)[0]  # the map's, under the caption; the legend's beside
    at = _pixels(map_points(met.directions[far], camera), area.width(), area.height()) + [area.left(), area.top()]
    behind = met.directions[far] @ camera.axes()[2] < 0
    assert len(at) >= 3 and behind.any(), "the run should have far neurons, some on the back of the globe"
    far_rgb = np.array(palette.rgba(palette.FAR)[:3]) * 255
    for (x, y), back in zip(np.rint(at).astype(int), behind):
        patch = pixels[max(y - 3, 0): y + 4, max(x - 3, 0): x + 4]
        assert (np.abs(patch - far_rgb).max(axis=-1) < 40).any(), f"no far neuron drawn at ({x}, {y}), back={back}"
    # a place on the map with no neuron is not dark: the check above can fail
    empty = (_pixels(np.array([[0.0, -1.3]]), area.width(), area.height())[0] + [0, area.top()]).astype(int)
    assert not (np.abs(pixels[empty[1], empty[0]] - far_rgb).max() < 40)
