"""The sphere view: picks a renderer (OpenGL, the 2-D projected fallback, or the whole-sphere map), owns the
camera, stacks the legend.

    view = SphereView(renderer="auto")         # OpenGL on a GPU, else the projected renderer
    view = SphereView(renderer="map")          # every neuron at once, on an equal-area map
    view.set_frame(history, index, ViewOptions(trails=True, certificate="live"))
    rgba = view.render_image(800, 800)         # what the view shows, for export

The camera lives here, not in the renderers: both report mouse drags and wheel turns, and the view turns them into
a new camera for whichever renderer is showing, so switching renderers (or sharing a camera in compare mode)
keeps the picture.
"""

from __future__ import annotations

import functools
import logging
import weakref

import numpy as np
from PySide6.QtCore import QCoreApplication, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext
from PySide6.QtWidgets import QWidget

from ..palette import RENDERERS
from ..scene import SphereScene, ViewOptions, build_scene
from .camera import Camera, facing
from .map_projection import HALF_HEIGHT, HALF_WIDTH
from .overlay import LegendWidget, OverlayWidget, legend_entries, render_view, view_layout
from .sphere_projected import ProjectedCanvas

log = logging.getLogger(__name__)
MAP_ASPECT = float(HALF_WIDTH / HALF_HEIGHT)  # the Hammer map is twice as wide as it is high
NO_GL_PLATFORMS = ("offscreen", "minimal", "vnc")  # no usable OpenGL widget: GLViewWidget would crash or fail


SOFTWARE_GL = ("llvmpipe", "softpipe", "software", "swrast")  # GL_RENDERER of a driver that draws on the CPU
GL_RENDERER = 0x1F01


@functools.cache
def _gl_renderer(platform: str) -> str | None:
    """The OpenGL driver's name (GL_RENDERER) where a context works on this platform, else None."""
    if platform in NO_GL_PLATFORMS:
        return None
    try:
        import pyqtgraph.opengl  # noqa: F401  (needs PyOpenGL)
    except ImportError:
        return None
    context = QOpenGLContext()
    if not context.create():
        return None
    surface = QOffscreenSurface()
    surface.setFormat(context.format())
    surface.create()
    if not (surface.isValid() and context.makeCurrent(surface)):
        return None
    name = context.functions().glGetString(GL_RENDERER) or ""
    context.doneCurrent()
    return str(name)


_gl_canvases_made = 0


def _gl_canvas_allowed() -> bool:
    """pyqtgraph caches compiled shaders process-wide, valid in one OpenGL share group only: a second GL view in
    another window draws nothing unless the app set AA_ShareOpenGLContexts before creating the QApplication."""
    shared = QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    if not shared and _gl_canvases_made > 0:
        log.warning("second OpenGL sphere view without Qt.AA_ShareOpenGLContexts: using the projected renderer")
        return False
    return True


def gl_available() -> bool:
    """Whether the OpenGL renderer can run here: a Qt application on a platform that can make a GL context."""
    if QGuiApplication.instance() is None:
        return False
    return _gl_renderer(QGuiApplication.platformName()) is not None


def gl_in_software() -> bool:
    """Whether OpenGL here is drawn by the CPU (Mesa's llvmpipe, e.g. under Xvfb or without a GPU driver): a frame
    then costs ~90 ms against ~7 ms for the projected renderer, and the CPU it takes is the training's."""
    name = _gl_renderer(QGuiApplication.platformName()) if QGuiApplication.instance() is not None else None
    return name is not None and any(word in name.lower() for word in SOFTWARE_GL)


def resolve_renderer(requested: str, flat: bool = False) -> str:
    """The renderer that draws for a request: "gl" is OpenGL where it works, "auto" where a GPU draws it (not a
    software driver), else the projected renderer; "map" is the map; a circle (d = 2, `flat`) is always drawn flat
    by the projected renderer."""
    if flat:
        return "projected"
    if requested == "map":
        return "map"
    if requested == "auto":
        return "gl" if gl_available() and not gl_in_software() else "projected"
    return "gl" if requested == "gl" and gl_available() else "projected"


class SphereView(QWidget):
    """Student neurons on the unit sphere (a circle for d = 2), with teachers, legend and certificate.

    Parameters
    ----------
    parent : parent widget.
    renderer : "auto" (OpenGL when `gl_available()` and not `gl_in_software()`, else projected), "gl",
        "projected" or "map".

    Signals
    -------
    renderer_changed(str) : the renderer in use changed ("gl", "projected" or "map").
    camera_changed() : the user rotated or zoomed, or the view was reset (not emitted by set_camera).
    teacher_moved(int, object, bool) : the user dragged teacher i to a unit direction of R^d (None: off the
        sphere); True on release.
    """

    renderer_changed = Signal(str)
    camera_changed = Signal()
    teacher_moved = Signal(int, object, bool)

    def __init__(self, parent: QWidget | None = None, renderer: str = "auto") -> None:
        super().__init__(parent)
        # No layout manager: resizeEvent places the canvas under a caption band, the overlay over both and the
        # legend beside or below them, as render_image does (overlay.view_layout).
        self._projected = ProjectedCanvas(self)
        self._gl = None  # created on first use: creating a GLViewWidget where GL is unusable crashes
        self._map = None  # created on first use
        self._overlay = OverlayWidget(self)  # created after the canvas: stacked on top of it
        self._legend = LegendWidget(self)
        self.setAutoFillBackground(True)  # white around the legend too, as the renderers and the exports are
        palette = self.palette()
        palette.setColor(self.backgroundRole(), Qt.GlobalColor.white)
        self.setPalette(palette)
        self._connect(self._projected)
        self._camera = Camera()
        self._camera_chosen = False  # once the user (or a caller) picks a camera, new runs keep it
        self._history = None
        self._scene: SphereScene | None = None
        self._legend_scene: SphereScene | None = None  # the scene whose legend entries are shown
        self._requested = "auto"
        self._in_use = "projected"
        self.set_renderer(renderer)

    # --- renderer --------------------------------------------------------------------------------------

    @property
    def renderer(self) -> str:
        """The renderer in use: "gl", "projected" or "map" (d = 2 always uses the flat projected plot)."""
        return self._in_use

    def set_renderer(self, name: str) -> None:
        """Ask for "auto", "gl", "projected" or "map"; "gl" falls back to projected where OpenGL is unavailable."""
        if name not in RENDERERS:
            raise ValueError(f"renderer must be one of {', '.join(RENDERERS)}, not {name!r}")
        self._requested = name
        self._apply_renderer()

    def _apply_renderer(self) -> None:
        wanted = resolve_renderer(self._requested, flat=self._scene is not None and self._scene.dim == 2)
        if wanted == "map" and self._map is None:
            from .sphere_map import MapCanvas

            self._map = MapCanvas(self)
            self._connect(self._map)
            self._overlay.raise_()
            self._place()
        if wanted == "gl" and self._gl is None and not _gl_canvas_allowed():
            wanted = "projected"
        if wanted == "gl" and self._gl is None:
            from .sphere_gl import GLCanvas  # imported late: only where OpenGL works

            global _gl_canvases_made
            _gl_canvases_made += 1
            self._gl = GLCanvas(self)
            self._connect(self._gl)
            self._overlay.raise_()
            self._place()
        changed = wanted != self._in_use
        self._in_use = wanted
        if changed:
            self._place()  # the map is wider than the sphere: the legend may move
        self._projected.setVisible(wanted == "projected")
        if self._gl is not None:
            self._gl.setVisible(wanted == "gl")
        if self._map is not None:
            self._map.setVisible(wanted == "map")
        self._push()
        if changed:
            self.renderer_changed.emit(wanted)

    def _canvas(self):
        return {"gl": self._gl, "map": self._map}.get(self._in_use) or self._projected

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        """The canvases and the overlay fill the sphere's rectangle; the legend sits beside or below it."""
        canvas, area, legend, columns, px = view_layout(self.width(), self.height(), self._scene,
                                                        aspect=self._aspect())
        for widget in (self._projected, self._gl, self._map):
            if widget is not None:
                widget.setGeometry(canvas.toRect())
        self._overlay.setGeometry(area.toRect())  # the caption above the sphere, the colour bar over its bottom
        self._overlay.px = px
        self._legend.setVisible(columns > 0)  # no room for it in a small view: see overlay.legend_layout
        if columns:
            self._legend.show_legend(legend_entries(self._scene), px, columns)
            self._legend.setGeometry(legend.toAlignedRect())

    def _connect(self, canvas) -> None:
        canvas.orbit_requested.connect(self._on_canvas_orbit_requested)
        canvas.zoom_requested.connect(self._on_canvas_zoom_requested)
        if hasattr(canvas, "teacher_dragged"):
            canvas.teacher_dragged.connect(self._on_canvas_teacher_dragged)

    # --- frames ----------------------------------------------------------------------------------------

    def set_frame(self, history, index: int, options: ViewOptions) -> None:
        """Show snapshot `index` of `history` (a RunHistory) with the given view options."""
        scene = build_scene(history, index, options)
        new_run = self._history is None or self._history() is not history
        self._history = weakref.ref(history)
        flat_changed = self._scene is None or (self._scene.dim == 2) != (scene.dim == 2)
        self._scene = scene
        if new_run and not self._camera_chosen:
            self._camera = self._preferred_camera()
        if legend_entries(scene) != legend_entries(self._legend_scene):
            self._legend_scene = scene
            self._place()
        self._overlay.set_scene(scene)
        if flat_changed:
            self._apply_renderer()  # a circle is drawn flat, whichever renderer was asked for
        else:
            self._canvas().show_scene(scene, self._camera)

    def _push(self) -> None:
        if self._scene is not None:
            self._canvas().show_scene(self._scene, self._camera)
        else:
            self._canvas().set_camera(self._camera)

    # --- camera ----------------------------------------------------------------------------------------

    def camera(self) -> tuple[float, float, float]:
        """(azimuth_deg, elevation_deg, distance)."""
        c = self._camera
        return c.azimuth, c.elevation, c.distance

    def set_camera(self, azimuth: float, elevation: float, distance: float | None = None) -> None:
        """Point the camera; does not emit camera_changed (so views sharing a camera do not echo)."""
        self._camera_chosen = True
        d = self._camera.distance if distance is None else distance
        self._set_camera(Camera(float(azimuth) % 360.0, float(np.clip(elevation, -90, 90)), float(d)))

    def reset_camera(self) -> None:
        """Back to the default view: facing the teachers (of the current run), at the default distance."""
        self._camera_chosen = False
        self._set_camera(self._preferred_camera())
        self.camera_changed.emit()

    def _preferred_camera(self) -> Camera:
        if self._scene is None or self._scene.dim == 2:
            return Camera()
        return facing(self._scene.teacher_view)

    def _set_camera(self, camera: Camera) -> None:
        self._camera = camera
        self._canvas().set_camera(camera)

    @Slot(float, float)
    def _on_canvas_orbit_requested(self, dx: float, dy: float) -> None:
        if self._scene is not None and self._scene.dim == 2:
            return  # a circle has nothing to turn
        self._camera_chosen = True
        self._set_camera(self._camera.orbit(dx, dy))
        self.camera_changed.emit()

    @Slot(int, object, bool)
    def _on_canvas_teacher_dragged(self, row: int, direction, finished: bool) -> None:
        """A teacher marker dragged: which teacher (the −w* copy of an even σ moves w* the other way)."""
        info = self._scene.teacher_info if self._scene is not None else None
        if info is None:
            return
        self._camera_chosen = True  # the what-if scene has another teacher: the camera must not turn to face it
        sign = -1.0 if info.mirrored[row] else 1.0
        self.teacher_moved.emit(int(info.index[row]), None if direction is None else sign * direction, finished)

    @Slot(float)
    def _on_canvas_zoom_requested(self, delta: float) -> None:
        self._camera_chosen = True
        self._set_camera(self._camera.zoom(delta))
        self.camera_changed.emit()

    # --- export ----------------------------------------------------------------------------------------

    def sphere_rect(self, width: int, height: int, title: bool = False) -> QRectF:
        """Where the renderer draws in render_image at that size (with a `title` line above the caption or not);
        the caption band and the legend take the rest."""
        return view_layout(width, height, self._scene, 2 if title else 1, self._aspect())[0]

    def _aspect(self) -> float:
        """The drawing's width over its height: the map is twice as wide as high, the sphere round."""
        return MAP_ASPECT if self._in_use == "map" else 1.0

    def render_image(self, width: int, height: int, caption: bool = True, title: str = "",
                     legend: bool = True) -> np.ndarray:
        """(height, width, 4) uint8 RGBA of what the view shows at that size: the sphere, its caption (step, L and
        λ; `caption=False` leaves it out, `title` goes above it) and colour bar, the legend beside or below.

        The OpenGL renderer can only draw once its widget has been shown; a never-shown view (headless export)
        draws with the projected renderer instead.
        """
        canvas = self._canvas()
        if canvas is self._gl and not self._gl.isValid():
            canvas = self._projected
            if self._scene is not None:
                canvas.show_scene(self._scene, self._camera)
        return render_view(int(width), int(height), self._scene, canvas.render_array, caption, title, legend,
                           self._aspect())
