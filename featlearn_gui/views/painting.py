"""Item caching for pyqtgraph views: Qt keeps an item's picture as a pixmap and blits it until it changes."""

from __future__ import annotations

from PySide6 import QtWidgets

CACHED = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache


def cache_item(item: QtWidgets.QGraphicsItem) -> QtWidgets.QGraphicsItem:
    """Let Qt keep the item's picture as a pixmap: repaints blit it in C++ until the item or the zoom changes."""
    item.setCacheMode(CACHED)
    return item
