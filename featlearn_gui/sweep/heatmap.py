"""A pyqtgraph heat map of a PhaseGrid: one cell per pair of axis values, a colour bar with the metric's units,
each cell's value and run count written on it; it reports the cell under the mouse and the cell clicked.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from engine.sweep.phase import METRICS, PhaseGrid

from .phase_figure import shown_values


def _tick(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class HeatMap(pg.GraphicsLayoutWidget):
    """Cells at integer positions (ix, iy); `cell_hovered(iy, ix)` and `cell_clicked(iy, ix)` name them."""

    cell_hovered = QtCore.Signal(int, int)
    cell_clicked = QtCore.Signal(int, int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.plot = self.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False, width=18)
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self.grid: PhaseGrid | None = None
        self.values = np.zeros((0, 0))  # what the image shows (log10 of a log metric)
        self._texts: list[pg.TextItem] = []
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    def set_grid(self, grid: PhaseGrid) -> None:
        self.grid = grid
        shown, log = shown_values(grid)
        self.values = np.log10(shown) if log else shown
        ny, nx = shown.shape
        self.image.setImage(self.values, autoLevels=False)
        self.image.setRect(QtCore.QRectF(-0.5, -0.5, nx, ny))
        self._set_levels(grid, log)
        metric = METRICS[grid.metric]
        self.bar.setLabel("right", f"{'log10 ' if log else ''}{metric.label} ({metric.units})")
        self._label_cells(grid)
        self._set_axes(grid)
        self.plot.setRange(xRange=(-0.5, nx - 0.5), yRange=(-0.5, ny - 0.5), padding=0)

    def _set_levels(self, grid: PhaseGrid, log: bool) -> None:
        finite = self.values[np.isfinite(self.values)]
        if METRICS[grid.metric].how == "fraction":
            lo, hi = 0.0, 1.0
        else:
            lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
            hi = hi if hi > lo else lo + 1.0
        self.bar.setLevels((lo, hi))

    def _label_cells(self, grid: PhaseGrid) -> None:
        for item in self._texts:
            self.plot.removeItem(item)
        self._texts = []
        for iy, ix in np.ndindex(grid.value.shape):
            item = pg.TextItem(grid.cell_label(iy, ix), color="w", anchor=(0.5, 0.5), fill=pg.mkBrush(0, 0, 0, 90))
            item.setPos(ix, iy)
            self.plot.addItem(item)
            self._texts.append(item)

    def _set_axes(self, grid: PhaseGrid) -> None:
        bottom, left = self.plot.getAxis("bottom"), self.plot.getAxis("left")
        bottom.setTicks([[(i, _tick(v)) for i, v in enumerate(grid.x_values)]])
        left.setTicks([[(i, _tick(v)) for i, v in enumerate(grid.y_values)] if grid.y else [(0, "")]])
        self.plot.setLabel("bottom", grid.x)
        self.plot.setLabel("left", grid.y or "")

    def cell_at(self, scene_pos: QtCore.QPointF) -> tuple[int, int] | None:
        """(iy, ix) of the cell under a scene position, or None outside the cells."""
        if self.grid is None or not self.plot.vb.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.plot.vb.mapSceneToView(scene_pos)
        ix, iy = int(round(point.x())), int(round(point.y()))
        ny, nx = self.grid.value.shape
        return (iy, ix) if 0 <= ix < nx and 0 <= iy < ny else None

    def cell_center(self, iy: int, ix: int) -> QtCore.QPoint:
        """The widget position of a cell's centre (used by tests and by keyboard navigation)."""
        scene = self.plot.vb.mapViewToScene(QtCore.QPointF(ix, iy))
        return self.mapFromScene(scene)

    def _on_mouse_moved(self, pos: QtCore.QPointF) -> None:
        cell = self.cell_at(pos)
        if cell is not None:
            self.cell_hovered.emit(*cell)

    def _on_mouse_clicked(self, event) -> None:
        cell = self.cell_at(event.scenePos())
        if cell is not None:
            self.cell_clicked.emit(*cell)
