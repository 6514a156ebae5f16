"""The whole sphere at once: an equal-area (Hammer) map drawn with pyqtgraph 2-D items, no OpenGL needed.

Every neuron and teacher is on the map, none hidden behind a globe. The map is centred where the camera looks
(dragging turns the globe under it; the wheel zooms), its maths live in `map_projection` (Qt-free). It is the
projected renderer with another screen mapping: the same items, student layer, hover tooltips and trails, with
paths broken where they cross the map's edge at the back of the globe, and the heat map rasterised over the
ellipse. d = 2 is never mapped (a circle shows everything already); for d > 3 the displayed projection is mapped
along each point's direction.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from . import map_projection as mp
from .camera import Camera
from .heat_raster import map_raster
from .sphere_projected import ProjectedCanvas, _paths

MARGIN = 1.06  # view range around the map, so the outline and edge markers are not cut
TOP = 1.16  # ... and more above it, for the map's name
# The view's range at the default zoom, (x range, y range) in map units; the view box keeps the aspect, widening one.
VIEW_RANGE = ((-mp.HALF_WIDTH * MARGIN, mp.HALF_WIDTH * MARGIN), (-mp.HALF_HEIGHT * MARGIN, mp.HALF_HEIGHT * TOP))
HEAT_WIDTH = (96, 720)  # raster width across the map: its on-screen width, within these bounds
NAME_COLOUR = (95, 95, 95)


class MapCanvas(ProjectedCanvas):
    """The Hammer map of the whole sphere; signals and public methods as ProjectedCanvas."""

    def _build_items(self) -> None:
        super()._build_items()
        self.veil.setVisible(False)
        shape = mp.outline()
        self.outline.setData(shape[:, 0], shape[:, 1])
        lines = mp.graticule()
        keep = np.ones(lines.shape[:2], dtype=bool)
        x, y, connect = _paths(lines, keep)
        self.items["wire_front"].setData(x, y, connect=connect)
        self.items["wire_back"].setData([], [])
        self.name = pg.TextItem(mp.NAME, color=NAME_COLOUR, anchor=(0.5, 1.0))  # named on screen, above the map
        self.name.setPos(0.0, mp.HALF_HEIGHT * 1.015)
        self.box.addItem(self.name)

    def _fit(self, camera: Camera) -> None:
        zoom = camera.half_extent() / Camera().half_extent()
        (x0, x1), (y0, y1) = VIEW_RANGE
        self.box.setRange(xRange=(x0 * zoom, x1 * zoom), yRange=(y0 * zoom, y1 * zoom), padding=0)

    def _draw(self) -> None:
        flat = self._scene.dim == 2
        self.name.setVisible(not flat)
        super()._draw()
        self.veil.setVisible(False)

    def _screen(self, points: np.ndarray, flat: bool) -> tuple[np.ndarray, np.ndarray]:
        if flat:
            return points, np.zeros(points.shape[:-1])
        return mp.map_points(points, self._camera), np.ones(points.shape[:-1])

    def _joinable(self, xy: np.ndarray) -> np.ndarray:
        return mp.joinable(xy)

    def direction_at(self, x: float, y: float) -> np.ndarray | None:
        """The unit vector under map point (x, y); a point outside the map is taken at the map's edge."""
        if self._scene is not None and self._scene.dim == 2:
            return super().direction_at(x, y)
        edge = np.sqrt(x * x / 8.0 + y * y / 2.0)
        if edge > 1.0:
            x, y = x / edge * 0.9999, y / edge * 0.9999
        lon, lat, _inside = mp.hammer_inverse(x, y)
        return mp.from_lon_lat(lon, lat, self._camera)

    def _draw_wires(self, flat: bool, camera: Camera) -> None:
        pass  # the graticule is the map's own frame: it never moves

    def _draw_spokes(self, flat: bool) -> None:
        for name in ("spokes_front", "spokes_back"):
            self.items[name].setData([], [])

    ARROW_HEAD = 0.08  # the map is wider than the globe

    def _arrows_shown(self, xy: np.ndarray, depth: np.ndarray) -> np.ndarray:
        return xy[mp.joinable(xy)[:, 0]]  # every neuron is in front; an arrow across the map's edge would span it

    def _draw_heat(self, flat: bool) -> None:
        if flat:
            super()._draw_heat(flat)
            return
        heat, image = self._scene.heat, self.items["heat"]
        image.setVisible(heat is not None)
        if heat is None:
            return
        scale = mp.HALF_WIDTH / (self._camera.half_extent() / Camera().half_extent() * mp.HALF_WIDTH * MARGIN)
        width = int(np.clip(scale * self.width(), *HEAT_WIDTH))
        height = max(width // 2, 2)
        raster = map_raster(heat, self._camera, width, height)
        image.setImage(raster, autoLevels=False, levels=(0, 255))
        image.setOpacity(0.7 if self._scene.projection_label else 1.0)
        image.setRect(QRectF(-mp.HALF_WIDTH, -mp.HALF_HEIGHT, 2 * mp.HALF_WIDTH, 2 * mp.HALF_HEIGHT))


