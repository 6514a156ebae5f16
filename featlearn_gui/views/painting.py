"""Painting pyqtgraph views without holding the GIL the training thread needs.

PySide6 holds the GIL for the whole of every Qt call made from Python, and pyqtgraph's `GraphicsView.paintEvent`
is a Python override that calls the C++ `QGraphicsView.paintEvent`: so every pixel of every plot and of the
sphere was rasterized with the GIL held, and the training thread (pure Python and numpy for small problems) waited
for it. Views here resolve `paintEvent` to the C++ method itself, which Qt then calls without entering Python;
only items that paint in Python (and only when their pixmap cache is stale) take the GIL, briefly.

pyqtgraph's own `paintEvent` also asked the scene to `prepareForPaint()` (deferred auto-range and view-matrix
updates); an event filter on the viewport does that instead, as a short Python call before the C++ paint.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

CACHED = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache


class _PrepareForPaint(QtCore.QObject):
    """Viewport event filter: run pyqtgraph's deferred updates just before the (C++) paint, as pyqtgraph does."""

    def eventFilter(self, viewport: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QtCore.QEvent.Type.Paint:
            view = viewport.parent()
            scene = view.scene() if isinstance(view, QtWidgets.QGraphicsView) else None
            if scene is not None and hasattr(scene, "prepareForPaint"):
                scene.prepareForPaint()
        return False


def paint_without_python(view: pg.GraphicsView) -> None:
    """Install the prepare-for-paint filter on a view whose class sets `paintEvent = GIL_FREE_PAINT_EVENT`."""
    view.viewport().installEventFilter(_PrepareForPaint(view))  # a child: no Python reference back to the view


# Assign in a pyqtgraph GraphicsView subclass: shiboken sees the C++ method, not a Python override, and Qt calls
# QGraphicsView::paintEvent directly, without the GIL.
GIL_FREE_PAINT_EVENT = QtWidgets.QGraphicsView.paintEvent


class PlotCanvas(pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget that paints without the GIL (see the module docstring)."""

    paintEvent = GIL_FREE_PAINT_EVENT  # noqa: N815 (Qt override)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        paint_without_python(self)


def cache_item(item: QtWidgets.QGraphicsItem) -> QtWidgets.QGraphicsItem:
    """Let Qt keep the item's picture as a pixmap: repaints blit it in C++ until the item or the zoom changes."""
    item.setCacheMode(CACHED)
    return item
