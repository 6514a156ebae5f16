"""The sphere drawn with OpenGL (pyqtgraph.opengl GLViewWidget): a shaded globe, seen as if translucent.

Markers and trails behind the globe are drawn over it, before everything in front, smaller and with their colours
mixed toward the globe's the deeper they are (views.camera.depth_cue): every neuron stays visible, and the far
hemisphere still reads as behind.

Needs a real OpenGL context (a display, or Xvfb); never create it under QT_QPA_PLATFORM=offscreen, where
GLViewWidget is unsupported and renderToArray crashes (SphereView checks `gl_available()` first).
Items are created once; every frame only calls setData.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph.opengl as gl
from OpenGL import GL
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QSurfaceFormat
from PySide6.QtWidgets import QToolTip, QWidget

from ..scene import ARROW_COLOR, SphereScene, heat_rgba, lat_long_grid
from .camera import FOV_DEG, Camera, depth_cue
from .heat_raster import sample_heat
from .sphere_projected import wire_lines

SPHERE_COLOR = (0.93, 0.94, 0.96, 1.0)
WIRE_COLOR = (0.45, 0.45, 0.5, 0.35)
SHADING = 0.2  # how much darker the globe's unlit side is
RING_PX = 4.0  # teachers are hollow rings: converged students stay visible inside them
MESH_ROWS = 48
BACK_TRAIL_ALPHA = 0.35  # trails behind the globe keep this share of their opacity

# Lines test depth against the globe (so the far side is hidden) but do not write depth: they are drawn in order,
# like the 2-D renderer, instead of clipping each other. Markers are culled on the CPU and drawn on top.
# Blending keeps the framebuffer's alpha at 1 (alpha: ONE, ONE_MINUS_SRC_ALPHA). With plain glBlendFunc a translucent
# hole, trail or faded neuron leaves alpha < 1 under a brighter colour; Qt composites the QOpenGLWidget's
# framebuffer as premultiplied, so such pixels overflow: white teacher holes turn blue or red, trails blue/green.
BLEND_OVER = (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA, GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA)
OVERLAY_GL = {
    GL.GL_DEPTH_TEST: True,
    GL.GL_BLEND: True,
    GL.GL_CULL_FACE: False,
    "glBlendFuncSeparate": BLEND_OVER,
    "glDepthMask": (GL.GL_FALSE,),
}
ON_TOP_GL = {**OVERLAY_GL, GL.GL_DEPTH_TEST: False}  # markers and arrows: culled to the visible side
GLOBE_GL = {GL.GL_DEPTH_TEST: True, GL.GL_BLEND: False, GL.GL_CULL_FACE: False, "glDepthMask": (GL.GL_TRUE,)}
# d > 3: students lie inside the ball, so the globe is a faint veil that hides nothing.
VEIL_GL = {**OVERLAY_GL, GL.GL_DEPTH_TEST: False}


def sphere_mesh(rows: int = MESH_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """(vertices (n, 3), faces (f, 3)) of a latitude-longitude sphere, two triangles per grid cell."""
    grid = lat_long_grid(rows, 2 * rows)
    cols = grid.shape[1]
    i, j = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    a, b = i * cols + j, i * cols + (j + 1) % cols
    c, d = a + cols, b + cols
    faces = np.concatenate([np.stack([a, c, d], -1).reshape(-1, 3), np.stack([a, d, b], -1).reshape(-1, 3)])
    return grid.reshape(-1, 3), faces.astype(np.int32)


def _segments(paths: np.ndarray) -> np.ndarray:
    """(n, L, 3) polylines as (n·(L−1)·2, 3) vertex pairs for GL 'lines' mode."""
    return np.stack([paths[:, :-1], paths[:, 1:]], axis=2).reshape(-1, 3)


class GLCanvas(gl.GLViewWidget):
    """Shaded globe with teacher and student markers, trails, arrows and an optional heat map on its surface.

    Signals
    -------
    orbit_requested(dx, dy) : the user dragged by (dx, dy) pixels.
    zoom_requested(delta) : the user turned the wheel (angleDelta units).
    teacher_dragged(row, direction, finished) : as ProjectedCanvas's: a drag that started on a teacher marker.
    """

    orbit_requested = Signal(float, float)
    zoom_requested = Signal(float)
    teacher_dragged = Signal(int, object, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        surface = QSurfaceFormat(self.format())
        surface.setSamples(4)  # multisampling: smooth globe outline and markers on screen
        self.setFormat(surface)
        self.setBackgroundColor("w")
        self.opts["fov"] = FOV_DEG
        self._vertices, self._faces = sphere_mesh()
        self._scene: SphereScene | None = None
        self._camera = Camera()
        self._last_mouse = None
        self._teacher_row: int | None = None  # the teacher marker being dragged
        self._ball = False
        self._build_items()
        self.setMouseTracking(True)  # hover tooltips: moves without a button pressed arrive too

    def _build_items(self) -> None:
        plain = np.tile(SPHERE_COLOR, (len(self._vertices), 1))
        meshdata = gl.MeshData(vertexes=self._vertices * 0.995, faces=self._faces, vertexColors=plain)
        self.globe = gl.GLMeshItem(meshdata=meshdata, smooth=True, shader=None, glOptions=GLOBE_GL)
        wires = wire_lines()
        self.wire = gl.GLLinePlotItem(pos=_segments(wires), color=WIRE_COLOR, mode="lines", antialias=True,
                                      glOptions=OVERLAY_GL)
        self.spokes = gl.GLLinePlotItem(mode="lines", color=(0.3, 0.3, 0.3, 0.6), glOptions=OVERLAY_GL)
        self.trails = gl.GLLinePlotItem(mode="lines", width=1.0, glOptions=ON_TOP_GL)
        self.back_teacher_outline = gl.GLScatterPlotItem(pxMode=True, glOptions=ON_TOP_GL)
        self.back_teachers = gl.GLScatterPlotItem(pxMode=True, glOptions=ON_TOP_GL)
        self.back_teacher_holes = gl.GLScatterPlotItem(pxMode=True, glOptions=ON_TOP_GL)
        self.back_students = gl.GLScatterPlotItem(pxMode=True, glOptions=ON_TOP_GL)
        self.teacher_outline = gl.GLScatterPlotItem(pxMode=True, glOptions=ON_TOP_GL)
        self.teachers = gl.GLScatterPlotItem(pxMode=True, glOptions=ON_TOP_GL)
        self.teacher_holes = gl.GLScatterPlotItem(pxMode=True, glOptions=ON_TOP_GL)
        self.students = gl.GLScatterPlotItem(pxMode=True, glOptions=ON_TOP_GL)
        self.arrows = gl.GLLinePlotItem(mode="lines", width=1.5, color=ARROW_COLOR, antialias=True, glOptions=ON_TOP_GL)
        order = [self.globe, self.back_teacher_outline, self.back_teachers, self.back_teacher_holes, self.back_students,
                 self.wire, self.spokes, self.trails, self.teacher_outline, self.teachers,
                 self.teacher_holes, self.students,
                 self.arrows]
        for depth, item in enumerate(order):
            item.setDepthValue(depth)  # GLViewWidget draws by depth value: this is the painter's order
            self.addItem(item)

    # --- public ------------------------------------------------------------------------------------------

    def show_scene(self, scene: SphereScene, camera: Camera) -> None:
        self._scene = scene
        self._draw()
        self.set_camera(camera)

    def set_camera(self, camera: Camera) -> None:
        self._camera = camera
        self.setCameraPosition(distance=camera.distance, elevation=camera.elevation, azimuth=camera.azimuth)
        if self._scene is not None:
            self._draw_view_dependent()
        self.update()

    def render_array(self, width: int, height: int) -> np.ndarray:
        """(height, width, 4) uint8 RGBA rendered offscreen at that size (the widget must have been shown)."""
        bgra = self.renderToArray((width, height))
        rgba = bgra[..., [2, 1, 0, 3]].copy()
        rgba[..., 3] = 255  # blending leaves partial alpha in the framebuffer; the picture itself is opaque
        return rgba

    def projectionMatrix(self, region, viewport):  # noqa: N802 (pyqtgraph override)
        # pyqtgraph's fov is horizontal; widen it for wide views so FOV_DEG spans the shorter side, as in 2-D.
        w, h = viewport[2], viewport[3]
        self.opts["fov"] = float(np.degrees(2 * np.arctan(np.tan(np.radians(FOV_DEG / 2)) * max(1.0, w / max(h, 1)))))
        return super().projectionMatrix(region, viewport)

    def paint(self, *, region, viewport, useItemNames=False) -> None:
        # Markers turn depth writes off; glClear honours that mask, so turn it back on before every frame.
        GL.glDepthMask(GL.GL_TRUE)
        super().paint(region=region, viewport=viewport, useItemNames=useItemNames)

    # --- mouse: report, and let SphereView own the camera -------------------------------------------------

    def mousePressEvent(self, ev) -> None:  # noqa: N802 (Qt override)
        self._last_mouse = ev.position()
        self._teacher_row = self.teacher_row_at(ev.position().x(), ev.position().y())

    def mouseMoveEvent(self, ev) -> None:  # noqa: N802 (Qt override)
        pos = ev.position()
        if ev.buttons() == Qt.MouseButton.NoButton:
            self._hover(pos)
            return
        if self._teacher_row is not None:  # a drag that starts on a teacher moves the teacher
            self.teacher_dragged.emit(self._teacher_row, self.direction_at(pos.x(), pos.y()), False)
            return
        if self._last_mouse is not None:
            diff = pos - self._last_mouse
            self.orbit_requested.emit(float(diff.x()), float(diff.y()))
        self._last_mouse = pos

    def mouseReleaseEvent(self, ev) -> None:  # noqa: N802 (Qt override)
        self._last_mouse = None
        if self._teacher_row is not None:
            row, self._teacher_row = self._teacher_row, None
            self.teacher_dragged.emit(row, self.direction_at(ev.position().x(), ev.position().y()), True)

    # --- moving a teacher ---------------------------------------------------------------------------------

    def teacher_row_at(self, x: float, y: float) -> int | None:
        """The teacher marker in front under pixel (x, y) (none inside a projected ball: no direction is there)."""
        scene = self._scene
        if scene is None or self._ball or not len(scene.teachers.positions):
            return None
        positions = scene.teachers.positions
        gap = np.hypot(*(self.screen_positions(positions) - (x, y)).T) - scene.teachers.sizes / 2
        gap[~self._visible(positions)] = np.inf
        row = int(np.argmin(gap))
        return row if gap[row] <= 6.0 else None

    def direction_at(self, x: float, y: float) -> np.ndarray:
        """The unit vector under pixel (x, y): where the eye's ray through it meets the globe, or, past the rim,
        the point of the silhouette nearest to that ray (the inverse of screen_positions)."""
        right, up, toward = self._camera.axes()
        half = min(self.width(), self.height()) / 2
        slope = np.tan(np.radians(FOV_DEG / 2)) / half
        ray = slope * (x - self.width() / 2) * right - slope * (y - self.height() / 2) * up - toward
        eye = self._camera.distance * toward
        b, c = eye @ ray / (ray @ ray), (eye @ eye - 1.0) / (ray @ ray)
        t = -b - np.sqrt(max(b * b - c, 0.0))  # the nearer intersection (the tangent point when it misses)
        point = eye + t * ray
        return point / np.linalg.norm(point)

    # --- hover -------------------------------------------------------------------------------------------

    def screen_positions(self, points: np.ndarray) -> np.ndarray:
        """Pixel positions (n, 2) of points (n, 3) in this widget, by the perspective GLViewWidget draws with
        (FOV_DEG across the shorter side, see projectionMatrix)."""
        right, up, toward = self._camera.axes()
        depth = self._camera.distance - points @ toward  # distance in front of the eye
        half = min(self.width(), self.height()) / 2
        scale = half / (np.tan(np.radians(FOV_DEG / 2)) * np.maximum(depth, 1e-6))
        return np.column_stack([self.width() / 2 + scale * (points @ right),
                                self.height() / 2 - scale * (points @ up)])

    def hover_text(self, x: float, y: float) -> str:
        """The tooltip at pixel (x, y): the student under the pointer (front ones first), else the teacher, else ""."""
        scene = self._scene
        if scene is None:
            return ""
        for layer, table in ((scene.students, scene.student_info), (scene.teachers, scene.teacher_info)):
            if table is None or not len(layer.positions):
                continue
            gap = np.hypot(*(self.screen_positions(layer.positions) - (x, y)).T) - layer.sizes / 2
            front = self._visible(layer.positions)
            for side in (front, ~front):
                rows = np.flatnonzero(side & (gap <= 6.0))
                if len(rows):
                    return table.describe(int(rows[np.argmin(gap[rows])]))
        return ""

    def _hover(self, pos) -> None:
        text = self.hover_text(pos.x(), pos.y())
        if text:
            QToolTip.showText(self.mapToGlobal(pos.toPoint()), text, self)
        else:
            QToolTip.hideText()

    def wheelEvent(self, ev) -> None:  # noqa: N802 (Qt override)
        delta = ev.angleDelta().y() or ev.angleDelta().x()
        self.zoom_requested.emit(float(delta))

    # --- drawing -----------------------------------------------------------------------------------------

    def _draw(self) -> None:
        scene = self._scene
        self._ball = scene.projection_label != ""  # d > 3: points fill the ball, the globe must not hide them
        self.globe.setGLOptions(VEIL_GL if self._ball else GLOBE_GL)
        self.spokes.setVisible(self._ball)
        self.spokes.setData(pos=scene.teacher_spokes.reshape(-1, 3))
        self._draw_view_dependent()

    def _draw_view_dependent(self) -> None:
        """What changes when the camera turns: shading, which markers face the camera, and arrows."""
        self._draw_globe()
        self._draw_markers()
        self._draw_trails()
        self._draw_arrows()

    def _visible(self, points: np.ndarray) -> np.ndarray:
        """Markers on the side of the sphere the camera sees (all of them inside the ball, for d > 3).

        Markers are culled here rather than by the depth buffer: a sprite near the rim would otherwise be cut in
        half by the globe's surface bulging in front of its centre.
        """
        if self._ball:
            return np.ones(len(points), dtype=bool)
        toward = self._camera.axes()[2]
        unit = points / np.maximum(np.linalg.norm(points, axis=1, keepdims=True), 1e-12)
        return unit @ toward >= 1.0 / self._camera.distance  # the camera sees a unit vector p iff p·eye ≥ 1

    def _draw_globe(self) -> None:
        heat = self._scene.heat
        if heat is not None:
            colors = heat_rgba(sample_heat(heat, self._vertices) / heat.limit)
        else:
            colors = np.tile(SPHERE_COLOR, (len(self._vertices), 1))
        right, up, toward = self._camera.axes()
        light = toward + 0.6 * up - 0.3 * right
        shade = 1.0 - SHADING * (1.0 - np.clip(self._vertices @ (light / np.linalg.norm(light)), 0.0, 1.0))
        colors[:, :3] *= shade[:, None]  # a soft Lambert term in numpy: heat colours stay readable
        if self._ball:
            colors[:, 3] = 0.25
        self.globe.setMeshData(vertexes=self._vertices * 0.995, faces=self._faces, vertexColors=colors)

    def _depth(self, points: np.ndarray) -> np.ndarray:
        unit = points / np.maximum(np.linalg.norm(points, axis=-1, keepdims=True), 1e-12)
        return unit @ self._camera.axes()[2]

    def _behind(self, colors: np.ndarray, sizes: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Colours mixed toward the globe's and sizes shrunk, by depth, for markers behind it."""
        sizes, fade = depth_cue(sizes, self._depth(points))
        colors = np.array(colors, dtype=np.float64)
        colors[:, :3] = colors[:, :3] * (1 - fade[:, None]) + np.array(SPHERE_COLOR[:3]) * fade[:, None]
        return colors, sizes

    def _draw_markers(self) -> None:
        t, s = self._scene.teachers, self._scene.students
        seen = self._visible(t.positions)
        at, size = t.positions[seen], t.sizes[seen]
        self.teacher_outline.setData(pos=at, size=size + RING_PX + 2, color=(0.12, 0.12, 0.12, 1.0))
        self.teachers.setData(pos=at, size=size + RING_PX, color=t.colors[seen])
        self.teacher_holes.setData(pos=at, size=size - RING_PX, color=(1.0, 1.0, 1.0, 0.92))
        back = t.positions[~seen]
        colors, size = self._behind(t.colors[~seen], t.sizes[~seen], back)
        edge, _ = self._behind(np.tile((0.12, 0.12, 0.12, 1.0), (len(back), 1)), size, back)
        self.back_teacher_outline.setData(pos=back, size=size + RING_PX + 2, color=edge)
        self.back_teachers.setData(pos=back, size=size + RING_PX, color=colors)
        self.back_teacher_holes.setData(pos=back, size=np.maximum(size - RING_PX, 1.0), color=SPHERE_COLOR)
        seen = self._visible(s.positions)
        self.students.setData(pos=s.positions[seen], size=s.sizes[seen], color=s.colors[seen])
        colors, size = self._behind(s.colors[~seen], s.sizes[~seen], s.positions[~seen])
        self.back_students.setData(pos=s.positions[~seen], size=size, color=colors)

    def _draw_trails(self) -> None:
        trails = self._scene.trails
        self.trails.setVisible(trails is not None)
        if trails is None:
            return
        segments = _segments(trails)  # great-circle arcs, on the surface: sides by culling, not the depth test
        colors = np.repeat(self._scene.trail_colors, 2 * (trails.shape[1] - 1), axis=0)
        pairs = self._visible(segments).reshape(-1, 2)
        colors[~np.repeat(pairs.all(axis=1), 2), 3] *= BACK_TRAIL_ALPHA
        if self._scene.trail_connect is not None:
            colors[~np.repeat(self._scene.trail_connect.ravel(), 2), 3] = 0.0
        self.trails.setData(pos=segments, color=colors)

    def _draw_arrows(self) -> None:
        arrows = self._scene.arrows
        self.arrows.setVisible(arrows is not None and len(arrows) > 0)
        if arrows is None or len(arrows) == 0:
            return
        arrows = arrows[self._visible(arrows[:, 0])]
        start, end = arrows[:, 0], arrows[:, 1]
        shaft = end - start
        length = np.linalg.norm(shaft, axis=1, keepdims=True)
        unit = shaft / np.where(length > 0, length, 1.0)
        toward = self._camera.axes()[2]
        normal = np.cross(unit, toward)  # barbs in the screen plane, whatever way the arrow points
        normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-9)
        head = np.minimum(length, 0.05)
        left = end - head * (unit * 0.9 + normal * 0.45)
        right = end - head * (unit * 0.9 - normal * 0.45)
        self.arrows.setData(pos=np.stack([start, end, end, left, end, right], axis=1).reshape(-1, 3))
