"""Item caching for pyqtgraph views: Qt keeps an item's picture as a pixmap and blits it until it changes.

The pixmaps live in Qt's QPixmapCache, 10 MB by default: less than a full window's cached axes (each with its
grid, as large as its plot) and sphere layers, so they evicted each other and every axis replayed its tick labels
in every frame, the slowest paint there is. `cache_item` raises the limit to PIXMAP_CACHE_KB first.
"""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

CACHED = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache
PIXMAP_CACHE_KB = 128 * 1024


def cache_item(item: QtWidgets.QGraphicsItem) -> QtWidgets.QGraphicsItem:
    """Let Qt keep the item's picture as a pixmap: repaints blit it in C++ until the item or the zoom changes."""
    if QtGui.QPixmapCache.cacheLimit() < PIXMAP_CACHE_KB:
        QtGui.QPixmapCache.setCacheLimit(PIXMAP_CACHE_KB)
    item.setCacheMode(CACHED)
    return item
