"""Render export frames: one cell per run, side by side with a shared camera, each the sphere view as the screen
draws it (its one caption of step, L and λ, its legend beside or below the sphere; optionally the dashboard's
plots beside it), and on the frames at a guided-tour stop that stop's caption (featlearn_gui.tour_stops).

The sphere itself is drawn by the app's SphereView (`render_image`), so an export shows what the screen shows.
Everything runs in the thread that owns the QApplication: Qt widgets cannot be painted elsewhere.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

from featlearn_gui.view_state import ViewState

from .headless import ensure_app, is_offscreen
from .job import ExportInputError


def resolve(requested: str) -> str:
    """The renderer an export asks the sphere view for: an explicit "gl" where OpenGL cannot run is a user error,
    not a silent fallback; everything else is resolved by the view (sphere_view.resolve_renderer)."""
    from featlearn_gui.views.sphere_view import gl_available

    if requested == "gl" and (is_offscreen() or not gl_available()):
        raise ExportInputError("--renderer gl: OpenGL is not available here (no display); use --renderer projected")
    return requested


def _to_qimage(rgba: np.ndarray) -> QtGui.QImage:
    h, w = rgba.shape[:2]
    rgba = np.ascontiguousarray(rgba)
    image = QtGui.QImage(rgba.data, w, h, 4 * w, QtGui.QImage.Format.Format_RGBA8888)
    return image.copy()  # detach from the numpy buffer, which may be freed before painting ends


class FrameRenderer:
    """Renders frames of a view state's runs side by side, each cell `size` = (width, height) pixels.

    Parameters
    ----------
    state : the runs, view options, renderer, camera, content ("sphere", or "dashboard": the sphere on the left,
        the plots on the right), overlay and captions (see featlearn_gui.view_state.ViewState).
    size : one cell's (width, height); the frame is len(state.runs) cells wide.
    """

    def __init__(self, state: ViewState, size: tuple[int, int]) -> None:
        ensure_app()
        from featlearn_gui.views.sphere_view import SphereView

        self.state, self.runs, self.size = state, list(state.runs), size
        self.content, self.overlay, self.options = state.content, state.overlay, state.options
        mode = resolve(state.renderer)
        self.views = [SphereView(None, renderer=mode) for _ in self.runs]
        self.captions = []
        if state.captions:
            from featlearn_gui.tour_stops import tour_stops  # the metrics: only when captions are asked for

            self.captions = [dict(tour_stops(run.history)) for run in self.runs]
        self.panels = []
        if self.content == "dashboard":
            from .dashboard import DashboardPanels

            self.panels = [DashboardPanels(run, font_px=self._font_px()) for run in self.runs]

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) of a whole frame."""
        return self.size[0] * len(self.runs), self.size[1]

    def _font_px(self) -> int:
        return max(11, round(self.size[1] / 40))

    def _sphere_rect(self, cell: QtCore.QRect) -> QtCore.QRect:
        if self.content != "dashboard":
            return cell
        side = min(cell.height(), round(cell.width() * 0.55))
        return QtCore.QRect(cell.left(), cell.top(), side, cell.height())

    def camera(self) -> tuple[float, float]:
        """(azimuth, elevation) of the first frame: the state's camera, or the view's own start (facing the
        teachers, as the window starts)."""
        azimuth, elevation = self.state.camera or (None, None)
        if azimuth is None or elevation is None:
            view, run = self.views[0], self.runs[0]
            view.set_frame(run.history, 0, self.options)
            own = view.camera()
            azimuth, elevation = own[0] if azimuth is None else azimuth, own[1] if elevation is None else elevation
        return azimuth, elevation

    def render(self, indices: list[int], azimuth: float, elevation: float) -> np.ndarray:
        """The frame showing snapshot `indices[r]` of each run r: (height, width, 3) uint8 RGB."""
        width, height = self.frame_size
        frame = QtGui.QImage(width, height, QtGui.QImage.Format.Format_RGBX8888)
        frame.fill(QtGui.QColor("white"))
        painter = QtGui.QPainter(frame)
        try:
            for r, index in enumerate(indices):
                cell = QtCore.QRect(r * self.size[0], 0, self.size[0], height)
                self._paint_cell(painter, r, cell, int(index), azimuth, elevation)
            self._paint_separators(painter)
        finally:
            painter.end()
        bits = np.frombuffer(frame.constBits(), np.uint8).reshape(height, frame.bytesPerLine() // 4, 4)
        return bits[:, :width, :3].copy()

    def _paint_cell(self, painter: QtGui.QPainter, r: int, cell: QtCore.QRect, index: int,
                    azimuth: float, elevation: float) -> None:
        view, run = self.views[r], self.runs[r]
        if view.camera()[:2] != (azimuth % 360.0, elevation):
            view.set_camera(azimuth, elevation)  # each call redraws the view: skip it while the camera stands still
        view.set_frame(run.history, index, self.options)
        area = self._sphere_rect(cell)
        title = run.label if len(self.runs) > 1 else ""
        image = view.render_image(area.width(), area.height(), caption=self.overlay, title=title)
        painter.drawImage(area.topLeft(), _to_qimage(image))
        if self.panels:
            panel_rect = QtCore.QRect(area.right() + 1, cell.top(), cell.right() - area.right(), cell.height())
            self.panels[r].set_index(index)
            self.panels[r].paint(painter, panel_rect)
        text = self.captions[r].get(int(run.history.steps[index]), "") if self.captions else ""
        if text:  # only at the stop's own step, so that the caption's numbers are the frame's
            sphere = view.sphere_rect(area.width(), area.height(), bool(title)).toRect().translated(area.topLeft())
            self._paint_caption(painter, sphere, text)

    def _paint_caption(self, painter: QtGui.QPainter, rect: QtCore.QRect, text: str) -> int:
        """The caption, word-wrapped in a dark box along the bottom of `rect`; returns the box's top."""
        font = QtGui.QFont()
        font.setPixelSize(max(11, round(rect.height() / 34)))
        painter.setFont(font)
        pad = max(4, font.pixelSize() // 2)
        inner = QtCore.QRect(rect.left() + 2 * pad, rect.top(), rect.width() - 4 * pad, rect.height())
        flags = int(QtCore.Qt.TextFlag.TextWordWrap | QtCore.Qt.AlignmentFlag.AlignLeft)
        bound = painter.fontMetrics().boundingRect(inner, flags, text)
        height = min(bound.height(), rect.height() // 2)
        box = QtCore.QRect(rect.left() + pad, rect.bottom() - pad - height - 2 * pad, rect.width() - 2 * pad,
                           height + 2 * pad)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(QtGui.QColor(30, 33, 38, 220))
        painter.drawRoundedRect(box, pad, pad)
        painter.setPen(QtGui.QColor("white"))
        painter.drawText(box.adjusted(pad, pad, -pad, -pad), flags, text)
        return box.top()

    def _paint_separators(self, painter: QtGui.QPainter) -> None:
        painter.setPen(QtGui.QPen(QtGui.QColor(160, 160, 160), 2))
        for r in range(1, len(self.runs)):
            x = r * self.size[0]
            painter.drawLine(x, 0, x, self.size[1])

    def close(self) -> None:
        for widget in self.views + [w for p in self.panels for w in p.widgets]:
            widget.deleteLater()
        self.views, self.panels = [], []
