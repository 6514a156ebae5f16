"""A pyqtgraph heat map of a PhaseGrid: one cell per pair of axis values, a colour bar with the metric's units,
each cell's value and run count written on it; cells with diverged or failed runs framed in their colour (and
their counts written), the selected cell framed in white; it reports the cell under the mouse and the cell clicked.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from engine.sweep.phase import METRICS, PhaseGrid

from .phase_figure import TROUBLE_COLOURS, shown_values

SELECTED_COLOUR = "#ffffff"  # drawn over a black frame, so that it shows on light and dark cells alike


def _tick(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _frame(ix: int, iy: int, colour: str, width: float, style=QtCore.Qt.PenStyle.SolidLine):
    inset = 0.04 + 0.02 * width  # inside the cell, so neighbouring frames do not overlap
    item = QtWidgets.QGraphicsRectItem(ix - 0.5 + inset, iy - 0.5 + inset, 1 - 2 * inset, 1 - 2 * inset)
    pen = pg.mkPen(colour, width=width, style=style)
    pen.setCosmetic(True)
    item.setPen(pen)
    item.setBrush(QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush))
    return item


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
        self._frames: list[QtWidgets.QGraphicsRectItem] = []
        self._selection: tuple[QtWidgets.QGraphicsRectItem, ...] | None = None
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
        self._frame_cells(grid)
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

    def _frame_cells(self, grid: PhaseGrid) -> None:
        for item in self._frames:
            self.plot.removeItem(item)
        self._frames = []
        for iy, ix in np.ndindex(grid.value.shape):
            trouble = grid.trouble(iy, ix)
            if trouble:
                item = _frame(ix, iy, TROUBLE_COLOURS[trouble], 2.5, QtCore.Qt.PenStyle.DashLine)
                self.plot.addItem(item)
                self._frames.append(item)

    def select(self, cell: tuple[int, int] | None) -> None:
        """Frame the selected cell (iy, ix), or none."""
        for item in self._selection or ():
            self.plot.removeItem(item)
        self._selection = None
        if cell is not None:
            self._selection = (_frame(cell[1], cell[0], "#000000", 7), _frame(cell[1], cell[0], SELECTED_COLOUR, 3))
            for z, item in enumerate(self._selection):
                item.setZValue(20 + z)
                self.plot.addItem(item)

    def _set_axes(self, grid: PhaseGrid) -> None:
        bottom, left = self.plot.getAxis("bottom"), self.plot.getAxis("left")
        bottom.setTicks([[(i, _tick(v)) for i, v in enumerate(grid.x_values)]])
        left_ticks = [(i, _tick(v)) for i, v in enumerate(grid.y_values)] if grid.y else [(0, "")]
        left.setTicks([left_ticks])
        # pyqtgraph drops a tick label wider than the axis ("relu_centered"): make room for the widest one.
        metrics = QtGui.QFontMetrics(left.style.get("tickFont") or self.font())
        left.setWidth(max(metrics.horizontalAdvance(text) for _, text in left_ticks) + 16)
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
