"""An adaptive sweep's phase diagram (pyqtgraph): the seed-averaged metric at the sampled points and its boundary.

One interval axis: the metric against the axis, one curve per combination of list values, the threshold as a
dashed line and each crossing as a vertical line in its curve's colour. Two: the metric interpolated over both axes
(one combination at a time) with the sampled points (filled: at or above the threshold) and the boundary curve.
Log-scale axes are drawn in log10 units with powers of ten on their ticks. Clicking a point reports it.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from engine.sweep import boundary
from engine.sweep.grid import Sweep, format_value

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
THRESHOLD_COLOUR = "#777777"


def log_ticks(lo: float, hi: float) -> list[list[tuple[float, str]]]:
    """Ticks of a log10 axis drawn in log10 units: each power of ten labelled (1e-3), 2..9 times it unlabelled."""
    decades = range(math.floor(lo), math.ceil(hi) + 1)
    major = [(float(k), f"1e{k}" if not 0 <= k <= 3 else f"{10**k:g}") for k in decades if lo - 1e-9 <= k <= hi + 1e-9]
    minor = [(k + math.log10(m), "") for k in decades for m in range(2, 10) if lo <= k + math.log10(m) <= hi]
    return [major, minor]


def combo_label(combo: dict) -> str:
    return ", ".join(f"{k} = {format_value(v)}" for k, v in combo.items()) or "all runs"


class BoundaryView(pg.GraphicsLayoutWidget):
    """`point_clicked(combination index, point's interval values as a tuple)`."""

    point_clicked = QtCore.Signal(int, object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.plot = self.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.bar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False, width=18)
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self.bar.hide()
        self.samples: list[boundary.Samples] = []
        self.crossings: list[list[dict]] = []  # per combination (one interval axis)
        self.curves: list[np.ndarray] = []  # the shown combination's boundary (two interval axes)
        self._selected: pg.ScatterPlotItem | None = None

    def set_data(self, sweep: Sweep, rows: list[dict], combo: int = 0) -> None:
        """Draw the sweep's results (`ResultsTable.rows`); `combo` picks the combination shown over two axes."""
        self.plot.clear()
        self._selected = None
        self.samples = boundary.samples(sweep, rows)
        intervals = boundary.interval_axes(sweep)
        for side, axis in zip(("bottom", "left"), intervals):
            log = axis.interval.scale == "log"
            item = self.plot.getAxis(side)
            item.enableAutoSIPrefix(False)
            item.setTicks(log_ticks(*axis.interval.bounds) if log else None)  # the data are in log10 units
            self.plot.setLabel(side, axis.key + (" (log scale)" if log else ""))
        if len(intervals) == 1:
            self._draw_1d(sweep)
        else:
            self._draw_2d(sweep, self.samples[combo], combo)

    def _draw_1d(self, sweep: Sweep) -> None:
        self.bar.hide()
        axis, metric = boundary.interval_axes(sweep)[0], sweep.adaptive.metric
        self.plot.setLabel("left", f"{metric} (mean over seeds)")
        self.plot.getAxis("left").setTicks(None)
        threshold = pg.InfiniteLine(
            sweep.adaptive.threshold,
            angle=0,
            pen=pg.mkPen(THRESHOLD_COLOUR, width=1.5, style=QtCore.Qt.PenStyle.DashLine),
        )
        self.plot.addItem(threshold)
        self.crossings = []
        for c, s in enumerate(self.samples):
            colour = COLOURS[c % len(COLOURS)]
            u = np.array([axis.interval.to_unit(x) for x in s.values[:, 0]])
            self.plot.addItem(pg.PlotDataItem(u, s.mean, pen=pg.mkPen(colour, width=2)))
            self._scatter(u, s.mean, c, s, colour, colour)
            found = boundary.crossings(sweep, s)
            self.crossings.append(found)
            for row in found:
                line = pg.InfiniteLine(
                    axis.interval.to_unit(row["boundary"]),
                    angle=90,
                    pen=pg.mkPen(colour, width=1.5, style=QtCore.Qt.PenStyle.DotLine),
                )
                self.plot.addItem(line)
        lo, hi = axis.interval.bounds
        self.plot.setXRange(lo, hi, padding=0.03)

    def _draw_2d(self, sweep: Sweep, s: boundary.Samples, c: int) -> None:
        ax, ay = boundary.interval_axes(sweep)
        gx, gy, z = boundary.unit_map(sweep, s)
        self.plot.addItem(self.image)
        self.image.setImage(z, autoLevels=False)
        self.image.setRect(QtCore.QRectF(gx[0], gy[0], gx[-1] - gx[0], gy[-1] - gy[0]))
        finite = z[np.isfinite(z)]
        lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        self.bar.setLevels((lo, hi if hi > lo else lo + 1.0))
        self.bar.setLabel("right", f"{sweep.adaptive.metric} (mean over seeds, interpolated)")
        self.bar.show()
        self.curves = boundary.curves(sweep, s)
        for line in self.curves:
            u = np.array([[ax.interval.to_unit(x), ay.interval.to_unit(y)] for x, y in line])
            self.plot.addItem(pg.PlotDataItem(u[:, 0], u[:, 1], pen=pg.mkPen("#ffffff", width=3)))
            self.plot.addItem(pg.PlotDataItem(u[:, 0], u[:, 1], pen=pg.mkPen("#d62728", width=1.5)))
        ux = np.array([ax.interval.to_unit(x) for x in s.values[:, 0]])
        uy = np.array([ay.interval.to_unit(y) for y in s.values[:, 1]])
        above = s.mean >= sweep.adaptive.threshold
        fill = ["#000000" if a else "#ffffff" for a in above]
        self._scatter(ux, uy, c, s, "#000000", fill)
        self.plot.setRange(xRange=(gx[0], gx[-1]), yRange=(gy[0], gy[-1]), padding=0.02)

    def _scatter(self, x, y, c: int, s: boundary.Samples, edge, fill) -> None:
        scatter = pg.ScatterPlotItem(
            x,
            y,
            size=9,
            pen=pg.mkPen(edge, width=1.2),
            brush=fill,
            data=[(c, tuple(v)) for v in s.values],
            hoverable=True,
            tip=lambda x, y, data: f"{data[1]}: click to list its runs",
        )
        scatter.sigClicked.connect(self._on_clicked)
        self.plot.addItem(scatter)

    def _on_clicked(self, scatter, points, event) -> None:
        if len(points):
            c, key = points[0].data()
            self.point_clicked.emit(c, key)

    def select(self, x: float, y: float) -> None:
        """Ring the selected point (in plot units)."""
        if self._selected is not None:
            self.plot.removeItem(self._selected)
        self._selected = pg.ScatterPlotItem([x], [y], size=18, pen=pg.mkPen("#ff9f1c", width=3), brush=None)
        self.plot.addItem(self._selected)
