"""Legend, captions and the certificate colour bar, painted with QPainter around and over either renderer.

The legend sits beside or below the sphere, never over it (`legend_layout` splits a view's rectangle into the
sphere's and the legend's, whichever leaves the larger sphere), so no marker is ever behind it. The caption (the
one line of step, L and λ) and the colour bar are painted over the sphere's rectangle. The same functions serve the
screen (widgets placed by SphereView) and `render_image` (painted onto an image), so exported frames carry exactly
the labels the user sees.

On screen the overlay is a QLabel showing a pixmap painted once per change of what it says: Qt composites it over
the renderer in C++, so repainting the sphere never runs Python for the labels (and never waits for the GIL the
training thread holds). The legend, the same in every frame, is painted once per size and reused.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QImage, QLinearGradient, QPainter, QPen, QPixmap
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


def paint_overlay(painter: QPainter, rect: QRectF, scene: SphereScene | None, caption: bool = True,
                  title: str = "", px: int | None = None) -> None:
    """Paint over the sphere's rectangle: the title (bold) and the caption (top left; `caption=False` leaves the
    step, L and λ out) and, with a heat map, the colour bar (bottom). `px`: the font size (default from `rect`)."""
    if scene is None:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    px = px or font_px(rect)
    font = QFont()
    font.setPixelSize(px)
    painter.setFont(font)
    _captions(painter, rect, scene, px, caption, title)
    if scene.heat is not None:
        _colour_bar(painter, rect, scene, px)
    painter.restore()


def paint_legend(painter: QPainter, rect: QRectF, scene: SphereScene | None, px: int, columns: int) -> None:
    """The legend in `rect` (from `legend_layout`), in `columns` columns."""
    if scene is None:
        return
    ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
    legend = _legend_image(px, ratio, legend_entries(scene), columns)
    painter.drawImage(rect.topLeft(), legend)


def legend_entries(scene: SphereScene | None) -> tuple:
    return tuple(scene.legend) if scene is not None and scene.legend else LEGEND_ENTRIES


LEGEND_MIN_PX = 140  # the legend is left out where it would leave the drawing less than this many pixels high


def legend_layout(width: float, height: float, px: int, entries: tuple | None = None, aspect: float = 1.0
                  ) -> tuple[QRectF, QRectF, int]:
    """(the sphere's rectangle, the legend's, the legend's columns) in a view of width × height: the legend in one
    column beside the sphere, or in as many columns as fit below it, whichever draws the sphere larger (`aspect`:
    the drawing's width over its height, 1 for the sphere, about 2 for the map). The sphere's rectangle starts
    at (0, 0) and has whole-pixel sides."""
    entries = entries or LEGEND_ENTRIES
    gap = round(px * 0.6)
    beside = _legend_size(px, entries, 1)
    side_beside = min(width - beside[0] - 2 * gap, height * aspect)
    columns = max(c for c in range(1, len(entries) + 2)
                  if c == 1 or _legend_size(px, entries, c)[0] <= width - 2 * gap)
    below = _legend_size(px, entries, columns)
    side_below = min(width, (height - below[1] - 2 * gap) * aspect)
    if max(side_beside, side_below) / aspect < LEGEND_MIN_PX < height:
        # A small view (many runs side by side on a laptop): the legend would leave the sphere a strip. The sphere
        # wins; its colours are named in Help, on hover, and in a larger view or an export.
        return QRectF(0, 0, int(width), int(height)), QRectF(), 0
    if side_beside > side_below:
        sphere = QRectF(0, 0, int(width - beside[0] - 2 * gap), int(height))
        legend = QRectF(sphere.right() + gap, max((height - beside[1]) / 2, 0), *beside)
        return sphere, legend, 1
    sphere = QRectF(0, 0, int(width), int(height - below[1] - 2 * gap))
    legend = QRectF(max((width - below[0]) / 2, 0), sphere.bottom() + gap, *below)
    return sphere, legend, columns


def caption_band(px: int, lines: int = 1) -> int:
    """Pixels kept above the sphere for `lines` lines of caption (the title, then step, L and λ), so the words
    never sit on the sphere or the map's own name."""
    return round(px * 0.7 + lines * px * 1.4 + px * 0.3)


def view_layout(width: float, height: float, scene: SphereScene | None, lines: int = 1, aspect: float = 1.0
                ) -> tuple[QRectF, QRectF, QRectF, int, int]:
    """(the renderer's rectangle, the overlay's (the renderer's and the caption band above it), the legend's,
    the legend's columns, the font size) of a view of width × height, on screen and in exports alike."""
    px = font_px(QRectF(0, 0, width, height))
    area, legend, columns = legend_layout(width, height, px, legend_entries(scene), aspect)
    canvas = area.adjusted(0, min(caption_band(px, lines), area.height() // 2), 0, 0)
    return canvas, area, legend, columns, px


def _caption_box(rect: QRectF, px: int) -> QRectF:
    """Where the first line of words goes: the top left of `rect`, inset."""
    pad = px * 0.7
    return QRectF(rect.left() + pad, rect.top() + pad, rect.width() - 2 * pad, px * 1.5)


def _captions(painter: QPainter, rect: QRectF, scene: SphereScene, px: int, caption: bool = True,
              title: str = "") -> None:
    box = _caption_box(rect, px)
    if title:
        bold = QFont(painter.font())
        bold.setBold(True)
        painter.save()
        painter.setFont(bold)
        painter.setPen(TEXT)
        painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, title)
        painter.restore()
        box.translate(0, px * 1.4)
    painter.setPen(TEXT)
    if caption:
        painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, scene.caption)
    if scene.projection_label:
        painter.setPen(WARNING)  # a projection loses information: say so where the eye goes first
        below = QRectF(box.left(), box.bottom(), rect.width() * 0.5, px * 3.2)
        painter.drawText(below, Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap, scene.projection_label)


_legends: dict[tuple, QImage] = {}


def _legend_size(px: int, entries: tuple, columns: int) -> tuple[float, float]:
    box = _legend_box(QFontMetricsF(_font(px)), px, entries, columns)
    return box.width() + 2, box.height() + 2


def _legend_image(px: int, ratio: float = 1.0, entries: tuple | None = None, columns: int = 1) -> QImage:
    """The legend at font size `px`, painted once per colour mode and shape: the same in every frame and export."""
    entries = entries or LEGEND_ENTRIES
    key = (px, ratio, entries, columns)
    if key not in _legends:
        box = _legend_box(QFontMetricsF(_font(px)), px, entries, columns)
        size = (round((box.width() + 2) * ratio), round((box.height() + 2) * ratio))
        image = QImage(*size, QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(_font(px))
        _legend(painter, px, entries, columns)
        painter.end()
        _legends[key] = image
    return _legends[key]


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


def _cells(metrics, px: int, entries: tuple, columns: int) -> tuple[int, float, float]:
    """(rows, column width, line height) of the legend's grid: its entries and the size note, column by column."""
    rows = -(-(len(entries) + 1) // columns)
    width = max(metrics.horizontalAdvance(text) for *_, text in (*entries, ("", (), LEGEND_NOTE))) + px * 2.6
    return rows, width, px * 1.45


def _legend_box(metrics, px: int, entries: tuple = LEGEND_ENTRIES, columns: int = 1) -> QRectF:
    """The legend's panel, with its top left corner at (0.5, 0.5) so the 1 px edge lands on pixels."""
    rows, width, line = _cells(metrics, px, entries, columns)
    return QRectF(0.5, 0.5, width * columns, line * rows + px * 0.5)


def _legend(painter: QPainter, px: int, entries: tuple = LEGEND_ENTRIES, columns: int = 1) -> None:
    metrics = painter.fontMetrics()
    rows, cell, line = _cells(metrics, px, entries, columns)
    box = _legend_box(metrics, px, entries, columns)
    painter.setPen(QPen(PANEL_EDGE, 1))
    painter.setBrush(PANEL)
    painter.drawRoundedRect(box, 4, 4)
    for i, (kind, rgba, text) in enumerate(entries):
        left = box.left() + cell * (i // rows)
        centre = QPointF(left + px * 1.1, box.top() + px * 0.25 + line * (i % rows + 0.5))
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
        painter.drawText(QPointF(left + px * 2.1, centre.y() + metrics.ascent() / 2 - 1), text)
    painter.setPen(MUTED)
    n = len(entries)
    y = box.top() + px * 0.25 + line * (n % rows + 0.5)
    painter.drawText(QPointF(box.left() + cell * (n // rows) + px * 0.6, y + metrics.ascent() / 2 - 1), LEGEND_NOTE)


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

    A QLabel showing a pixmap of the overlay (the colour bar, the projection's name), painted again only when they
    or the size change, and a small label on top of it for the caption (step, L, λ), which changes every frame: a
    whole-view pixmap repainted for it took ~1 ms a frame. `px`: the font size, the legend's (SphereView sets both
    from the whole view's size).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for label in (self, caption := QLabel(self)):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            label.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)  # the pixmap follows the size
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.caption = caption
        self._scene: SphereScene | None = None
        self._painted: tuple | None = None
        self._captioned: tuple | None = None
        self.px = 12

    def set_scene(self, scene: SphereScene | None) -> None:
        self._scene = scene
        self._repaint_pixmap()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._repaint_pixmap()

    def _repaint_pixmap(self) -> None:
        scene, ratio = self._scene, self.devicePixelRatioF()
        if self.width() <= 0 or self.height() <= 0:
            return
        heat = scene.heat if scene is not None else None
        key = (self.width(), self.height(), ratio, self.px, scene is None, scene.projection_label if scene else "",
               (heat.title, heat.status, heat.limit, heat.exceeds) if heat is not None else None)
        if key != self._painted:
            self._painted = key
            if scene is None or (heat is None and not scene.projection_label):
                self.setPixmap(QPixmap())  # nothing but the caption: no whole-view layer to blend in each frame
            else:
                self.setPixmap(self._paint(self.width(), self.height(), ratio,
                                           lambda painter, rect: paint_overlay(painter, rect, scene, caption=False,
                                                                               px=self.px)))
        band = round(self.px * 2.4)  # the caption's line (see _captions), descenders included
        key = (self.width(), band, ratio, self.px, scene.caption if scene else "")
        if key != self._captioned:
            self._captioned = key
            self.caption.setGeometry(0, 0, self.width(), band)
            self.caption.setPixmap(self._paint(self.width(), band, ratio,
                                               lambda painter, rect: self._paint_caption(painter, rect, scene)))

    def _paint_caption(self, painter: QPainter, rect: QRectF, scene: SphereScene | None) -> None:
        if scene is None:
            return
        font = QFont()
        font.setPixelSize(self.px)
        painter.setFont(font)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(TEXT)
        painter.drawText(_caption_box(rect, self.px), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                         scene.caption)

    @staticmethod
    def _paint(width: int, height: int, ratio: float, paint) -> QPixmap:
        pixmap = QPixmap(round(width * ratio), round(height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        paint(painter, QRectF(0, 0, width, height))
        painter.end()
        return pixmap


class LegendWidget(QLabel):
    """The legend beside or below the sphere (SphereView places it with `legend_layout`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._shown: tuple | None = None

    def show_legend(self, entries: tuple, px: int, columns: int) -> None:
        ratio = self.devicePixelRatioF()
        if (entries, px, columns, ratio) != self._shown:
            self._shown = (entries, px, columns, ratio)
            self.setPixmap(QPixmap.fromImage(_legend_image(px, ratio, entries, columns)))


def render_view(width: int, height: int, scene: SphereScene | None, draw_sphere, caption: bool = True,
                title: str = "", legend: bool = True, aspect: float = 1.0) -> np.ndarray:
    """(height, width, 4) uint8 RGBA of a whole view: the sphere drawn by `draw_sphere(w, h)` (an RGBA array) in
    its rectangle, the caption (and `title`) above it, the colour bar over its bottom, the legend (unless
    `legend=False`) beside or below it, on white."""
    canvas, area, box, columns, px = view_layout(width, height, scene, 2 if title else 1, aspect)
    buffer = np.full((height, width, 4), 255, dtype=np.uint8)
    image = QImage(buffer.data, width, height, 4 * width, QImage.Format.Format_RGBA8888)
    pixels = np.ascontiguousarray(draw_sphere(int(canvas.width()), int(canvas.height())), dtype=np.uint8)
    sphere_image = QImage(pixels.data, pixels.shape[1], pixels.shape[0], 4 * pixels.shape[1],
                          QImage.Format.Format_RGBA8888)
    painter = QPainter(image)
    painter.drawImage(canvas.topLeft(), sphere_image)
    paint_overlay(painter, area, scene, caption=caption, title=title, px=px)
    if legend and columns:
        paint_legend(painter, box, scene, px, columns)
    painter.end()
    return buffer
