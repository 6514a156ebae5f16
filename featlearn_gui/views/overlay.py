"""Legend, captions and the certificate colour bar, painted with QPainter over either renderer.

One painting function serves the screen (a transparent widget stacked on the renderer) and `render_image` (painted
onto the renderer's array), so exported frames carry exactly the labels the user sees.

On screen the overlay is a QLabel showing a pixmap painted once per change of what it says: Qt composites it over
the renderer in C++, so repainting the sphere never runs Python for the labels (and never waits for the GIL the
training thread holds). The legend, the same in every frame, is painted once per size and reused.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QLinearGradient, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from ..scene import HEAT_OVER, HEAT_UNDER, INACTIVE_ALPHA, NEGATIVE, POSITIVE, SphereScene, heat_rgba

TEXT = QColor(40, 40, 40)
MUTED = QColor(95, 95, 95)
WARNING = QColor(170, 30, 30)
PANEL = QColor(255, 255, 255, 215)
PANEL_EDGE = QColor(180, 180, 180)


def qcolor(rgba) -> QColor:
    return QColor.fromRgbF(*(float(c) for c in rgba))


def font_px(rect: QRectF) -> int:
    """Label size that scales with the picture, so exports at any size keep the on-screen proportions."""
    return int(np.clip(round(min(rect.width(), rect.height()) / 42), 10, 26))


def paint_overlay(painter: QPainter, rect: QRectF, scene: SphereScene | None) -> None:
    """Paint captions (top left), the legend (top right) and, with a heat map, the colour bar (bottom)."""
    if scene is None:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    px = font_px(rect)
    font = QFont()
    font.setPixelSize(px)
    painter.setFont(font)
    _captions(painter, rect, scene, px)
    ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
    legend = _legend_image(px, ratio, tuple(scene.legend) or LEGEND_ENTRIES)
    width = legend.width() / legend.devicePixelRatioF()
    painter.drawImage(QPointF(rect.right() - width - px * 0.7, rect.top() + px * 0.7), legend)
    if scene.heat is not None:
        _colour_bar(painter, rect, scene, px)
    painter.restore()


def _captions(painter: QPainter, rect: QRectF, scene: SphereScene, px: int) -> None:
    pad = px * 0.7
    painter.setPen(TEXT)
    box = QRectF(rect.left() + pad, rect.top() + pad, rect.width() * 0.55, px * 1.5)
    painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, scene.caption)
    if scene.projection_label:
        painter.setPen(WARNING)  # a projection loses information: say so where the eye goes first
        below = QRectF(box.left(), box.bottom(), rect.width() * 0.5, px * 3.2)
        painter.drawText(below, Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap, scene.projection_label)


_legends: dict[tuple, QImage] = {}


def _legend_image(px: int, ratio: float = 1.0, entries: tuple | None = None) -> QImage:
    """The legend at font size `px`, painted once per colour mode: the same in every frame and every export."""
    entries = entries or LEGEND_ENTRIES
    if (px, ratio, entries) not in _legends:
        probe = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)
        painter = QPainter(probe)
        painter.setFont(_font(px))
        box = _legend_box(painter, px, entries)
        painter.end()
        size = (round((box.width() + 2) * ratio), round((box.height() + 2) * ratio))
        image = QImage(*size, QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(_font(px))
        _legend(painter, px, entries)
        painter.end()
        _legends[(px, ratio, entries)] = image
    return _legends[(px, ratio, entries)]


def _font(px: int) -> QFont:
    font = QFont()
    font.setPixelSize(px)
    return font


LEGEND_ENTRIES = (  # colour by sign; the scene names its own entries (SphereScene.legend)
    ("teacher", POSITIVE, "teacher, a* > 0"),
    ("teacher", NEGATIVE, "teacher, a* < 0"),
    ("student", POSITIVE, "student, a > 0"),
    ("student", NEGATIVE, "student, a < 0"),
    ("student", (*POSITIVE[:3], INACTIVE_ALPHA), "inactive"),
)
LEGEND_NOTE = "size ∝ √(|a|‖w‖)"


def _legend_box(painter: QPainter, px: int, entries: tuple = LEGEND_ENTRIES) -> QRectF:
    """The legend's panel, with its top left corner at (0.5, 0.5) so the 1 px edge lands on pixels."""
    metrics = painter.fontMetrics()
    line = px * 1.45
    width = max(metrics.horizontalAdvance(text) for *_, text in (*entries, ("", (), LEGEND_NOTE))) + px * 2.6
    return QRectF(0.5, 0.5, width, line * (len(entries) + 1) + px * 0.5)


def _legend(painter: QPainter, px: int, entries: tuple = LEGEND_ENTRIES) -> None:
    metrics = painter.fontMetrics()
    line = px * 1.45
    box = _legend_box(painter, px, entries)
    painter.setPen(QPen(PANEL_EDGE, 1))
    painter.setBrush(PANEL)
    painter.drawRoundedRect(box, 4, 4)
    for i, (kind, rgba, text) in enumerate(entries):
        centre = QPointF(box.left() + px * 1.1, box.top() + px * 0.25 + line * (i + 0.5))
        if kind == "teacher":  # a ring, as the renderers draw it
            ring = max(2.0, px / 4.5)
            painter.setPen(QPen(QColor(30, 30, 30), 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(centre, px * 0.55 + 0.5, px * 0.55 + 0.5)
            painter.setPen(QPen(qcolor(rgba), ring))
            painter.setBrush(QColor(255, 255, 255))
            painter.drawEllipse(centre, px * 0.55 - ring / 2, px * 0.55 - ring / 2)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(qcolor(rgba))
            painter.drawEllipse(centre, px * 0.3, px * 0.3)
        painter.setPen(TEXT)
        painter.drawText(QPointF(box.left() + px * 2.1, centre.y() + metrics.ascent() / 2 - 1), text)
    painter.setPen(MUTED)
    y = box.top() + px * 0.25 + line * (len(entries) + 0.5)
    painter.drawText(QPointF(box.left() + px * 0.6, y + metrics.ascent() / 2 - 1), LEGEND_NOTE)


def _colour_bar(painter: QPainter, rect: QRectF, scene: SphereScene, px: int) -> None:
    heat = scene.heat
    width = max(rect.width() * 0.36, px * 14)
    bar = QRectF(rect.center().x() - width / 2, rect.bottom() - px * 4.4, width, px * 0.8)
    swatch = px * 1.2  # over/under colours, so |η| > 1 is never confused with |η| = 1
    backdrop = bar.adjusted(-swatch - px * 3.4, -px * 1.7, swatch + px * 3.4, px * 2.9)
    painter.setPen(QPen(PANEL_EDGE, 1))
    painter.setBrush(PANEL)
    painter.drawRoundedRect(backdrop, 4, 4)
    gradient = QLinearGradient(bar.left(), 0, bar.right(), 0)
    for t, rgba in zip(np.linspace(0, 1, 33), heat_rgba(np.linspace(-1, 1, 33)), strict=True):
        gradient.setColorAt(float(t), qcolor(rgba))
    painter.setPen(QPen(MUTED, 1))
    painter.setBrush(QBrush(gradient))
    painter.drawRect(bar)
    painter.setBrush(qcolor(HEAT_UNDER))
    painter.drawRect(QRectF(bar.left() - swatch, bar.top(), swatch, bar.height()))
    painter.setBrush(qcolor(HEAT_OVER))
    painter.drawRect(QRectF(bar.right(), bar.top(), swatch, bar.height()))
    limit = "1" if heat.limit == 1.0 else f"{heat.limit:.2g}"
    painter.setPen(TEXT)
    metrics = painter.fontMetrics()
    for x, text in ((bar.left(), f"−{limit}"), (bar.center().x(), "0"), (bar.right(), limit)):
        painter.drawText(QPointF(x - metrics.horizontalAdvance(text) / 2, bar.bottom() + metrics.ascent() + 2), text)
    mid = bar.center().y() + metrics.ascent() / 2 - 1  # beyond-range labels sit beside their swatches
    under, over = f"< −{limit}", f"> {limit}"
    painter.drawText(QPointF(bar.left() - swatch - px * 0.3 - metrics.horizontalAdvance(under), mid), under)
    painter.drawText(QPointF(bar.right() + swatch + px * 0.3, mid), over)
    above = QRectF(backdrop.left(), bar.top() - px * 1.55, backdrop.width(), px * 1.4)
    painter.drawText(above, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, heat.title)
    painter.setPen(WARNING if heat.exceeds else TEXT)
    below = QRectF(backdrop.left(), bar.bottom() + px * 1.3, backdrop.width(), px * 1.4)
    painter.drawText(below, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, heat.status)


class OverlayWidget(QLabel):
    """Transparent layer stacked on the renderer; mouse events pass through to the renderer below.

    A QLabel showing a pixmap of the overlay, painted again only when the text on it or the size changes.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)  # the pixmap follows the size
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._scene: SphereScene | None = None
        self._painted: tuple | None = None

    def set_scene(self, scene: SphereScene | None) -> None:
        self._scene = scene
        self._repaint_pixmap()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._repaint_pixmap()

    def _repaint_pixmap(self) -> None:
        scene, ratio = self._scene, self.devicePixelRatioF()
        heat = scene.heat if scene is not None else None
        key = (self.width(), self.height(), ratio, scene is None,
               scene.caption if scene else "", scene.projection_label if scene else "",
               (heat.title, heat.status, heat.limit, heat.exceeds) if heat is not None else None)
        if key == self._painted or self.width() <= 0 or self.height() <= 0:
            return
        self._painted = key
        pixmap = QPixmap(round(self.width() * ratio), round(self.height() * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        paint_overlay(painter, QRectF(0, 0, self.width(), self.height()), scene)
        painter.end()
        self.setPixmap(pixmap)


def paint_over_array(rgba: np.ndarray, scene: SphereScene | None) -> np.ndarray:
    """The overlay painted onto an (h, w, 4) uint8 RGBA image; returns a new array."""
    h, w = rgba.shape[:2]
    buffer = np.ascontiguousarray(rgba, dtype=np.uint8).copy()
    image = QImage(buffer.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
    painter = QPainter(image)
    paint_overlay(painter, QRectF(0, 0, w, h), scene)
    painter.end()
    return buffer
