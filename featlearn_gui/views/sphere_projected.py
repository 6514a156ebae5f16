"""The sphere drawn with pyqtgraph 2-D items in orthographic projection: no OpenGL needed.

The fallback where OpenGL is missing (remote desktops, servers, `QT_QPA_PLATFORM=offscreen`) and the renderer for
headless export. The back hemisphere is drawn first and then veiled by a translucent disk, so it reads as behind
(markers there smaller and fainter the deeper they are: every neuron stays visible). Hovering a neuron or a teacher
shows its numbers. Items are created once; every frame only calls setData.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.ScatterPlotItem import renderSymbol
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QGraphicsEllipseItem, QGraphicsItem, QToolTip, QWidget

from ..scene import ARROW_COLOR, SphereScene
from .camera import Camera, depth_cue, project
from .heat_raster import ring_raster, sphere_raster
from .painting import cache_item

BACKGROUND = "w"
WIRE = (150, 150, 150)
VEIL = QColor(255, 255, 255, 150)  # alpha of the disk that fades the back hemisphere (depth_cue does the rest)
HOVER_PX = 6.0  # a pointer this close to a marker's edge shows its tooltip
NO_TOOLTIPS = ("offscreen", "minimal")  # platforms without windows: QToolTip would only warn
HEAT_PIXELS = (64, 480)  # raster resolution across the sphere: its on-screen diameter, within these bounds
BALL_HEAT_ALPHA = 0.7  # d > 3: students fill the ball, so the heat map must not hide those behind it
RING_BAND = (1.035, 1.12)  # d = 2: the certificate is a band just outside the circle
NO_PEN = pg.mkPen(None)
TEACHER_FILL = QBrush(QColor(255, 255, 255, 235))  # a hollow ring: converged students stay visible inside it
TEACHER_RING_PX = 4.0
EDGE_PEN = pg.mkPen((30, 30, 30), width=1.0)
NO_BRUSH = QBrush(Qt.BrushStyle.NoBrush)


def wire_lines(step_deg: float = 30.0, samples: int = 73) -> np.ndarray:
    """(n, samples, 3) meridians and parallels of the unit sphere, for the light wireframe."""
    t = np.linspace(0, 2 * np.pi, samples)
    lines = []
    for lon in np.radians(np.arange(0, 180, step_deg)):
        lines.append(np.column_stack([np.cos(t) * np.cos(lon), np.cos(t) * np.sin(lon), np.sin(t)]))
    for lat in np.radians(np.arange(-90 + step_deg, 90, step_deg)):
        lines.append(np.column_stack([np.cos(lat) * np.cos(t), np.cos(lat) * np.sin(t), np.full_like(t, np.sin(lat))]))
    return np.array(lines)


def _paths(paths: np.ndarray, keep: np.ndarray, joins: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Flatten (n, L, 2) screen paths into x, y and a `connect` array that joins consecutive kept points of a path
    (and, where `joins` (n, L − 1) is given, only the segments it allows)."""
    n, length = keep.shape
    connect = keep & np.roll(keep, -1, axis=1)
    connect[:, -1] = False
    if joins is not None:
        connect[:, :-1] &= joins
    return paths[..., 0].ravel(), paths[..., 1].ravel(), connect.ravel()


def _color_keys(colors: np.ndarray) -> np.ndarray:
    """RGBA rows in [0, 1] packed into one integer each (0xRRGGBBAA)."""
    q = (np.asarray(colors) * 255).round().astype(np.int64)
    return (q[:, 0] << 24) | (q[:, 1] << 16) | (q[:, 2] << 8) | q[:, 3]


def _key_color(key: int) -> QColor:
    return QColor((key >> 24) & 255, (key >> 16) & 255, (key >> 8) & 255, key & 255)


class _Palette:
    """One QBrush or QPen per RGBA colour, reused so pyqtgraph's symbol atlas keeps a few entries instead of m."""

    def __init__(self, make) -> None:
        self._make = make
        self._cache: dict[int, object] = {}

    def get(self, key: int):
        if key not in self._cache:
            self._cache[key] = self._make(_key_color(key))
        return self._cache[key]

    def __call__(self, colors: np.ndarray) -> np.ndarray:
        unique, inverse = np.unique(_color_keys(colors), return_inverse=True)
        table = np.empty(len(unique), dtype=object)
        table[:] = [self.get(key) for key in unique.tolist()]
        return table[inverse]


class _StudentLayer(QGraphicsItem):
    """All students of one hemisphere as pixel-sized discs, in one short Python paint call.

    Replaces a pyqtgraph ScatterPlotItem per colour: those run setData, bounds and culling in Python for every item
    and every frame, all holding the GIL the training thread needs. Here a frame stores positions and sprite
    indices (numpy), and paint maps the positions to pixels and blits one pre-rendered antialiased disc per point
    with `drawPixmapFragments`, one call per colour and size, fainter colours first (faded neurons lie under bright
    ones). The bounding rect changes only when the points leave it, so Qt's scene index asks Python rarely.
    """

    PAD = 0.25  # data units around the points' bounds in the bounding rect; pixel-sized discs overhang the points

    def __init__(self) -> None:
        super().__init__()
        self._rect = QRectF(-1.5, -1.5, 3.0, 3.0)
        self._xy = np.zeros((0, 2))
        self._groups: list[tuple[tuple[int, int], np.ndarray]] = []  # ((colour key, size px), point indices)
        self._sprites: dict[tuple[int, int, float], QPixmap] = {}
        self._fragments = PrimitiveArray(QPainter.PixmapFragment, 10)

    def set_points(self, xy: np.ndarray, sizes: np.ndarray, keys: np.ndarray) -> None:
        self._xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        sizes = np.maximum(np.round(np.asarray(sizes, dtype=float)), 1).astype(np.int64)
        self._groups = []
        if len(self._xy):
            combined = np.stack([np.asarray(keys, dtype=np.int64), sizes], axis=1)
            unique, inverse = np.unique(combined, axis=0, return_inverse=True)
            inverse = inverse.ravel()
            order = np.argsort(unique[:, 0] & 255, kind="stable")  # by alpha: faded first, under the opaque
            self._groups = [((int(unique[g, 0]), int(unique[g, 1])), np.flatnonzero(inverse == g)) for g in order]
            low, high = self._xy.min(axis=0) - self.PAD, self._xy.max(axis=0) + self.PAD
            if not self._rect.contains(QRectF(low[0], low[1], high[0] - low[0], high[1] - low[1])):
                self.prepareGeometryChange()
                self._rect = QRectF(low[0] - 0.5, low[1] - 0.5, high[0] - low[0] + 1.0, high[1] - low[1] + 1.0)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._rect

    def _sprite(self, key: int, size: int, dpr: float) -> QPixmap:
        sprite = self._sprites.get((key, size, dpr))
        if sprite is None:
            image = renderSymbol("o", size, NO_PEN, QBrush(_key_color(key)), dpr=dpr)
            sprite = self._sprites[(key, size, dpr)] = QPixmap.fromImage(image)
        return sprite

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self._groups:
            return
        t = painter.transform()
        x, y = self._xy[:, 0], self._xy[:, 1]
        px = np.clip(t.m11() * x + t.m21() * y + t.dx(), -2.0**30, 2.0**30)
        py = np.clip(t.m12() * x + t.m22() * y + t.dy(), -2.0**30, 2.0**30)
        dpr = widget.devicePixelRatioF() if widget is not None else 1.0
        painter.resetTransform()
        for (key, size), index in self._groups:
            sprite = self._sprite(key, size, dpr)
            self._fragments.resize(len(index))
            frags = self._fragments.ndarray()
            frags[:, 0], frags[:, 1] = px[index], py[index]
            frags[:, 2:6] = (0.0, 0.0, sprite.width(), sprite.height())
            frags[:, 6:10] = (1 / dpr, 1 / dpr, 0.0, 1.0)
            painter.drawPixmapFragments(*self._fragments.drawargs(), sprite)


class _OrbitBox(pg.ViewBox):
    """A ViewBox whose mouse drag rotates the camera and whose wheel zooms, instead of panning the data."""

    def __init__(self, canvas: ProjectedCanvas) -> None:
        super().__init__(lockAspect=True, enableMenu=False, enableMouse=False)
        self._canvas = canvas
        self._teacher_row: int | None = None  # the teacher marker being dragged

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 (pyqtgraph override)
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        ev.accept()
        if ev.isStart():  # a drag that starts on a teacher moves the teacher; anywhere else it turns the globe
            down = self.mapSceneToView(ev.buttonDownScenePos())
            self._teacher_row = self._canvas.teacher_row_at(down.x(), down.y(), self.viewPixelSize()[0])
        if self._teacher_row is not None:
            here = self.mapSceneToView(ev.scenePos())
            direction = self._canvas.direction_at(here.x(), here.y())
            if direction is not None or ev.isFinish():
                self._canvas.teacher_dragged.emit(self._teacher_row, direction, bool(ev.isFinish()))
            if ev.isFinish():
                self._teacher_row = None
            return
        delta = ev.screenPos() - ev.lastScreenPos()
        self._canvas.orbit_requested.emit(float(delta.x()), float(delta.y()))

    def wheelEvent(self, ev, axis=None) -> None:  # noqa: N802 (pyqtgraph override)
        ev.accept()
        self._canvas.zoom_requested.emit(float(ev.delta()))


class ProjectedCanvas(pg.GraphicsView):
    """Orthographic sphere (or flat circle for d = 2) drawn with 2-D pyqtgraph items; it emits the signals of
    sphere_gl.GLCanvas (the sphere view listens to either renderer the same way).

    teacher_dragged(row, direction, finished): the teacher marker `row` of the scene was dragged to the display
    direction (a unit vector, None when the pointer left the sphere); finished on release.
    """

    orbit_requested = Signal(float, float)
    zoom_requested = Signal(float)
    teacher_dragged = Signal(int, object, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=BACKGROUND)
        self.box = _OrbitBox(self)
        self.setCentralItem(self.box)
        self._wires = wire_lines()
        self._scene: SphereScene | None = None
        self._camera = Camera()
        self._ring_pens = _Palette(lambda color: pg.mkPen(color, width=TEACHER_RING_PX))
        self._hover_students: tuple[np.ndarray, np.ndarray] | None = None
        self._hover_teachers: tuple[np.ndarray, np.ndarray] | None = None
        self._build_items()
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def _build_items(self) -> None:
        add = self.box.addItem
        # Stacking order is drawing order: the back hemisphere, the veil over it, then the front hemisphere.
        curve = lambda color, width=1.0: pg.PlotCurveItem(pen=pg.mkPen(color, width=width), antialias=True)  # noqa: E731
        self.items = {
            "wire_back": curve((*WIRE, 90)),
            "spokes_back": curve((60, 60, 60, 120), 1.0),
            "edges_back": pg.ScatterPlotItem(pxMode=True),
            "teachers_back": pg.ScatterPlotItem(pxMode=True),
            "students_back": _StudentLayer(),
            "heat": pg.ImageItem(axisOrder="row-major"),
            "wire_front": curve((*WIRE, 150)),
            "spokes_front": curve((60, 60, 60, 170), 1.2),
            "edges_front": pg.ScatterPlotItem(pxMode=True),
            "teachers_front": pg.ScatterPlotItem(pxMode=True),
            "students_front": _StudentLayer(),
            # Opaque and aliased: a translucent or antialiased stroke of thousands of arrows takes Qt ~0.5 s.
            "arrows": pg.PlotCurveItem(pen=pg.mkPen(tuple(int(255 * c) for c in ARROW_COLOR[:3]), width=0),
                                       antialias=False, skipFiniteCheck=True),
        }
        self._trail_items: dict[tuple[int, bool], pg.PlotCurveItem] = {}
        self._wired_for: Camera | None = None
        self.veil = QGraphicsEllipseItem(-1.0, -1.0, 2.0, 2.0)  # fades everything drawn before it
        self.veil.setPen(QPen(Qt.PenStyle.NoPen))
        self.veil.setBrush(VEIL)
        t = np.linspace(0, 2 * np.pi, 361)
        self.outline = pg.PlotCurveItem(np.cos(t), np.sin(t), pen=pg.mkPen((110, 110, 110), width=1.4), antialias=True)
        back = [self.items[k] for k in ("wire_back", "spokes_back", "edges_back", "teachers_back", "students_back")]
        front = [self.items[k] for k in ("wire_front", "spokes_front", "edges_front", "teachers_front",
                                         "students_front", "arrows")]
        for z, item in enumerate(back + [self.veil, self.items["heat"], self.outline] + front):
            add(item)
            item.setZValue(z)
        # What moves only with the camera or the run is painted once into a pixmap and blitted until it changes.
        for name in ("wire_back", "wire_front", "spokes_back", "spokes_front", "edges_back", "edges_front",
                     "teachers_back", "teachers_front"):
            cache_item(self.items[name])
        cache_item(self.outline)
        self._teachers_for: tuple | None = None  # (camera, flat, teacher positions) the teacher items show

    # --- public ------------------------------------------------------------------------------------------

    def show_scene(self, scene: SphereScene, camera: Camera) -> None:
        self._scene, self._camera = scene, camera
        self._fit(camera)
        self._draw()

    def set_camera(self, camera: Camera) -> None:
        self._camera = camera
        self._fit(camera)
        if self._scene is not None:
            self._draw()

    def render_array(self, width: int, height: int) -> np.ndarray:
        """(height, width, 4) uint8 RGBA of the current scene, drawn in a hidden twin of this canvas at that size."""
        twin = getattr(self, "_twin", None)
        if twin is None:
            # A window of its own (so its size is free) owned by this canvas (so it dies with it), never on screen.
            twin = self._twin = type(self)(self)  # the map's twin is a map
            twin.setWindowFlag(Qt.WindowType.Window)
            twin.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
            twin.show()
        twin.resize(width, height)
        if self._scene is not None:
            twin.show_scene(self._scene, self._camera)
        else:
            twin.set_camera(self._camera)
        image = twin.grab().toImage().convertToFormat(pg.QtGui.QImage.Format.Format_RGBA8888)
        image = image.scaled(width, height) if (image.width(), image.height()) != (width, height) else image
        return pg.functions.ndarray_from_qimage(image).copy()

    # --- drawing -----------------------------------------------------------------------------------------

    def _fit(self, camera: Camera) -> None:
        half = camera.half_extent()
        self.box.setRange(xRange=(-half, half), yRange=(-half, half), padding=0)

    def _draw(self) -> None:
        scene, camera = self._scene, self._camera
        flat = scene.dim == 2
        self.veil.setVisible(not flat)
        self._draw_wires(flat, camera)
        self._draw_students(flat)
        self._draw_teachers(flat, camera)
        self._draw_trails(flat)
        self._draw_arrows(flat)
        self._draw_heat(flat)

    def _draw_teachers(self, flat: bool, camera: Camera) -> None:
        """Teachers and their spokes stay put while students move: set them only when the camera or run changes."""
        t = self._scene.teachers
        key = (camera, flat, t.positions.tobytes(), t.sizes.tobytes(), t.colors.tobytes())
        if key == self._teachers_for:
            return
        self._teachers_for = key
        xy, depth = self._screen(t.positions, flat)
        sizes, colors = self._depth_cued(t.sizes, t.colors, depth)
        self._hover_teachers = (xy, sizes + TEACHER_RING_PX)
        self._teachers_in_front = depth >= 0  # only those can be picked up (the globe's back is veiled)
        for side, mask in (("front", depth >= 0), ("back", depth < 0)):
            pens = self._ring_pens(colors[mask])
            self.items[f"teachers_{side}"].setData(pos=xy[mask], size=sizes[mask], pen=pens, brush=TEACHER_FILL)
            edge = sizes[mask] + TEACHER_RING_PX + 1
            self.items[f"edges_{side}"].setData(pos=xy[mask], size=edge, pen=EDGE_PEN, brush=NO_BRUSH)
        self._draw_spokes(flat)

    def _draw_students(self, flat: bool) -> None:
        """Front and back students, each one lean item (see _StudentLayer): no per-colour pyqtgraph items."""
        s = self._scene.students
        xy, depth = self._screen(s.positions, flat)
        sizes, colors = self._depth_cued(s.sizes, s.colors, depth)
        keys = _color_keys(colors)
        self._hover_students = (xy, sizes)
        for side, mask in (("front", depth >= 0), ("back", depth < 0)):
            self.items[f"students_{side}"].set_points(xy[mask], sizes[mask], keys[mask])

    @staticmethod
    def _depth_cued(sizes: np.ndarray, colors: np.ndarray, depth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Markers behind the sphere smaller and fainter with depth (on top of the veil), quantised to few colours."""
        sizes, fade = depth_cue(sizes, depth)
        colors = np.array(colors, dtype=np.float64)
        colors[:, 3] *= 1.0 - 0.4 * np.round(fade * 4) / 4
        return np.round(sizes), colors

    def _screen(self, points: np.ndarray, flat: bool) -> tuple[np.ndarray, np.ndarray]:
        if flat:
            return points, np.zeros(points.shape[:-1])
        return project(points, self._camera)

    def _draw_wires(self, flat: bool, camera: Camera) -> None:
        if self._wired_for == (camera if not flat else None):
            return  # the wireframe only moves with the camera
        self._wired_for = camera if not flat else None
        if flat:
            self.items["wire_front"].setData([], [])
            self.items["wire_back"].setData([], [])
            return
        xy, depth = project(self._wires, camera)
        for name, keep in (("wire_front", depth >= 0), ("wire_back", depth < 0)):
            x, y, connect = _paths(xy, keep)
            self.items[name].setData(x, y, connect=connect)

    def _draw_spokes(self, flat: bool) -> None:
        xy, depth = self._screen(self._scene.teacher_spokes, flat)  # (n, 2, 2), (n, 2)
        front = depth[:, 1] >= 0
        for name, mask in (("spokes_front", front), ("spokes_back", ~front)):
            x, y, connect = _paths(xy[mask], np.ones(depth[mask].shape, dtype=bool))
            self.items[name].setData(x, y, connect=connect)

    def _draw_trails(self, flat: bool) -> None:
        scene = self._scene
        for item in self._trail_items.values():
            item.setVisible(False)
        if scene.trails is None:
            return
        xy, depth = self._screen(scene.trails, flat)
        # Translucent strokes of long paths are very slow in Qt's raster engine: blend with white instead.
        rgba = scene.trail_colors
        opaque = np.concatenate([rgba[:, :3] * rgba[:, 3:] + (1 - rgba[:, 3:]), np.ones((len(rgba), 1))], axis=1)
        keys = _color_keys(opaque)
        joins = scene.trail_connect & self._joinable(xy)
        for key in np.unique(keys).tolist():
            same = keys == key
            for front in (True, False):
                keep = (depth[same] >= 0) if front else (depth[same] < 0)
                x, y, connect = _paths(xy[same], keep, joins[same])
                item = self._trail_item(key, front)
                item.setData(x, y, connect=connect)
                item.setVisible(True)

    def _trail_item(self, key: int, front: bool) -> pg.PlotCurveItem:
        if (key, front) not in self._trail_items:  # at most (2 signs × active/inactive) × front/back, made once
            item = pg.PlotCurveItem(pen=pg.mkPen(_key_color(key), width=0), antialias=False, skipFiniteCheck=True)
            self.box.addItem(item)
            item.setZValue(self.items["students_front" if front else "students_back"].zValue() - 0.5)
            self._trail_items[(key, front)] = item
        return self._trail_items[(key, front)]

    def _joinable(self, xy: np.ndarray) -> np.ndarray:
        """(..., L − 1) which consecutive screen points of paths may be joined: all of them on the globe."""
        return np.ones(xy.shape[:-2] + (xy.shape[-2] - 1,), dtype=bool)

    # --- hover -------------------------------------------------------------------------------------------

    def hover_text(self, x: float, y: float, pixel: float) -> str:
        """The tooltip at view coordinates (x, y), `pixel` view units per screen pixel: the student under the
        pointer (drawn on top, so it wins), else the teacher, else ""."""
        scene = self._scene
        if scene is None:
            return ""
        for layer, table in ((self._hover_students, scene.student_info), (self._hover_teachers, scene.teacher_info)):
            if layer is None or table is None or not len(layer[0]):
                continue
            xy, sizes = layer
            gap = np.hypot(xy[:, 0] - x, xy[:, 1] - y) / pixel - sizes / 2
            candidates = np.flatnonzero(gap <= HOVER_PX)
            if len(candidates):
                row = candidates[np.argmin(gap[candidates])] if len(candidates) > 1 else candidates[0]
                if (gap[candidates] <= 0).any():  # inside one or more markers: the one drawn last (on top)
                    row = candidates[gap[candidates] <= 0].max()
                return table.describe(int(row))
        return ""

    # --- moving a teacher ---------------------------------------------------------------------------------

    def teacher_row_at(self, x: float, y: float, pixel: float) -> int | None:
        """The teacher marker at view coordinates (x, y) that a drag may pick up: in front, and only where the view
        is the exact sphere or circle (d ≤ 3), since a projected ball has no direction under the pointer."""
        scene, layer = self._scene, self._hover_teachers
        if scene is None or layer is None or scene.projection_label or not len(layer[0]) or pixel <= 0:
            return None
        xy, sizes = layer
        gap = np.hypot(xy[:, 0] - x, xy[:, 1] - y) / pixel - sizes / 2
        gap[~self._teachers_in_front] = np.inf
        row = int(np.argmin(gap))
        return row if gap[row] <= HOVER_PX else None

    def direction_at(self, x: float, y: float) -> np.ndarray | None:
        """The unit vector (display coordinates) under view point (x, y): on the front hemisphere of the globe (the
        rim when outside it), or the circle's direction for d = 2."""
        if self._scene is not None and self._scene.dim == 2:
            r = np.hypot(x, y)
            return np.array([x, y]) / r if r > 0 else None
        r2 = x * x + y * y
        local = np.array([x, y, np.sqrt(1.0 - r2)]) if r2 <= 1.0 else np.array([x, y, 0.0]) / np.sqrt(r2)
        return local @ self._camera.axes()  # project() is points @ axes.T, and the axes are orthonormal

    def _on_mouse_moved(self, scene_pos) -> None:
        if QApplication.mouseButtons() != Qt.MouseButton.NoButton or QApplication.platformName() in NO_TOOLTIPS:
            return  # a drag turns the globe; and a windowless platform has nowhere to show a tooltip
        view = self.box.mapSceneToView(scene_pos)
        pixel = self.box.viewPixelSize()[0]
        text = self.hover_text(view.x(), view.y(), pixel) if pixel > 0 else ""
        if text:
            QToolTip.showText(self.mapToGlobal(self.mapFromScene(scene_pos)), text, self)
        else:
            QToolTip.hideText()

    ARROW_HEAD = 0.05  # barb length, in sphere radii

    def _arrows_shown(self, xy: np.ndarray, depth: np.ndarray) -> np.ndarray:
        """The arrows worth drawing: not those of neurons behind the sphere, which would only clutter it."""
        return xy[depth[:, 0] >= 0]

    def _draw_arrows(self, flat: bool) -> None:
        arrows = self._scene.arrows
        if arrows is None or len(arrows) == 0:
            self.items["arrows"].setData([], [])
            return
        xy = self._arrows_shown(*self._screen(arrows, flat))
        start, end = xy[:, 0], xy[:, 1]
        shaft = end - start
        length = np.linalg.norm(shaft, axis=1, keepdims=True)
        unit = shaft / np.where(length > 0, length, 1.0)
        head = np.minimum(length, self.ARROW_HEAD)
        normal = unit[:, ::-1] * np.array([-1.0, 1.0])
        left = end - head * (unit * 0.9 + normal * 0.45)
        right = end - head * (unit * 0.9 - normal * 0.45)
        paths = np.stack([start, end, left, end, right], axis=1)  # shaft, then both barbs, as one polyline
        keep = np.ones(paths.shape[:2], dtype=bool)
        x, y, connect = _paths(paths, keep)
        self.items["arrows"].setData(x, y, connect=connect)

    def _draw_heat(self, flat: bool) -> None:
        heat, image = self._scene.heat, self.items["heat"]
        image.setVisible(heat is not None)
        if heat is None:
            return
        diameter = 2.0 / (2.0 * self._camera.half_extent()) * min(self.width(), self.height())
        pixels = int(np.clip(diameter, *HEAT_PIXELS))
        if flat:
            extent = RING_BAND[1] + 0.02
            raster = ring_raster(heat, pixels, extent, RING_BAND)
        else:
            extent = 1.0
            raster = sphere_raster(heat, self._camera, pixels)
        image.setImage(raster, autoLevels=False, levels=(0, 255))
        image.setOpacity(BALL_HEAT_ALPHA if self._scene.projection_label else 1.0)
        image.setRect(QRectF(-extent, -extent, 2 * extent, 2 * extent))
