"""What the plot panels share: a styled plot, steady axis ranges, log axes that label sparingly, cursors.

Each plot item is created once and fed with `setData`; curves clip to the view and downsample by peaks, so a
long history costs what is visible, not what is recorded.

Ranges follow the data in steps (`steady_range`), not exactly: an axis whose range changes must lay out and paint
its tick labels again, the slowest part of a plot, so a growing run changes them a dozen times, not every frame.
Zooming or panning by hand switches that off for the plot until its "A" button (or a new run) switches it back.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from featlearn_gui.model import AppModel
from featlearn_gui.palette import BACKGROUND, FOREGROUND
from featlearn_gui.views.painting import cache_item

GRID_ALPHA = 0.12
LOG_STEP = 0.5  # log axes move in half decades
RANGE_PADDING = 0.06  # beyond the steady range, so the labels of ticks at its ends (1, −1, 0.01) still fit
NICE = (1.0, 2.0, 2.5, 5.0, 10.0)
RESERVED_LABELS = ("-0.0025", "1e-10")  # left axes start this wide: see TidyLogAxis


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least `value` (> 0)."""
    power = 10.0 ** math.floor(math.log10(value))
    return next(n * power for n in NICE if n * power >= value * (1 - 1e-12))


def steady_range(lo: float, hi: float, current: tuple[float, float] | None, log: bool,
                 expand_only: bool = False) -> tuple[float, float]:
    """A range holding [lo, hi] (in view coordinates: log10 for log axes) that changes only in coarse steps.

    Keeps `current` while it holds the data and is not over 3 times wider than it (`expand_only`: while it holds
    the data at all); else rounds outward to half decades (log) or to multiples of a 1-2-5 unit of about a quarter
    of the span (linear). `expand_only` also never gives up any of `current`: while training runs flat out a range
    only grows, so its axis lays out and paints its labels again as rarely as possible; it settles afterwards.
    """
    span = hi - lo
    holds = current is not None and current[0] <= lo and hi <= current[1]
    if holds and (expand_only or span <= 0 or current[1] - current[0] <= 3 * max(span, LOG_STEP if log else 0.0)):
        return current
    if expand_only and current is not None:
        lo, hi = min(lo, current[0]), max(hi, current[1])
        span = hi - lo
    if log:
        unit = LOG_STEP
    elif span > 0:
        unit = nice_ceiling(span / 4)
    else:
        unit = nice_ceiling(abs(hi)) if hi != 0 else 1.0
    low, high = math.floor(lo / unit) * unit, math.ceil(hi / unit) * unit
    if high <= low:
        high = low + unit
    return low, high


class TidyLogAxis(pg.AxisItem):
    """On a log axis spanning less than a few decades pyqtgraph labels every minor tick (0.09 0.08 0.07 …), which
    overlap; keep the labels of 1, 2 and 5 times a power of ten."""

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph override)
        strings = super().logTickStrings(values, scale, spacing)
        if len(values) <= 4:
            return strings
        leads = [int(round(10 ** (float(v) % 1.0))) for v in values]
        return [s if lead in (1, 2, 5, 10) else "" for s, lead in zip(strings, leads)]


def steady_width(axis: pg.AxisItem) -> None:
    """Make a left axis start wide enough for the labels it usually shows ("-0.0025", "1e-10") and never shrink.

    An axis that fits itself to its widest tick label changes width whenever its range does: that re-lays out the
    plot, so both its axes paint their labels again (the slowest paint), and the x range of a plot linked
    to it shifts too. Now a range change repaints the one axis, and the width only grows for a wider label.
    """
    metrics = QtGui.QFontMetrics(axis.style["tickFont"] or axis.font())
    axis.setStyle(autoReduceTextSpace=False)
    axis.textWidth = max(axis.textWidth, max(metrics.horizontalAdvance(text) for text in RESERVED_LABELS) + 2)
    axis._updateWidth()  # pyqtgraph keeps the widest label so far in textWidth


def training_flat_out(model: AppModel) -> bool:
    """Training runs unpaced (max speed) right now: ranges then only grow, so axes are not laid out every frame."""
    return model.speed == 0 and any(run.status == "running" for run in model.runs)


def style_plot(plot: pg.PlotItem, left: str, bottom: str = "step", log_y: bool = False) -> pg.PlotItem:
    plot.setLabel("left", left)
    plot.setLabel("bottom", bottom)
    plot.showGrid(x=True, y=True, alpha=GRID_ALPHA)
    plot.setLogMode(y=log_y)
    plot.setClipToView(True)
    plot.setDownsampling(mode="peak", auto=True)
    plot.setMenuEnabled(True)
    plot.getViewBox().setDefaultPadding(0.02)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setTextPen(FOREGROUND)
        axis.setPen(pg.mkPen(FOREGROUND, width=1))
        axis.enableAutoSIPrefix(False)  # "loss (x0.001)" on a log axis reads as a bug
        cache_item(axis)  # tick labels are the slowest thing to paint: blit them until the range changes
    steady_width(plot.getAxis("left"))
    return plot


class RowLegend(pg.LegendItem):
    """A legend in a row of its own above its plot: never over the data, whatever the curves do.

    pyqtgraph's legend floats over the view box, where curves near ±1 or at the top of a log axis hide under it.
    This one sits in the canvas layout, as tall as its entries, and lays them out in as many columns as fit.
    """

    def __init__(self) -> None:
        super().__init__(labelTextColor=FOREGROUND, labelTextSize="8pt", frame=False, horSpacing=6,
                         colCount=1)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(1)  # its entries wrap into rows: never widen the plot below it
        self.updateSize()  # empty: no room taken until a curve is named

    def updateSize(self) -> None:  # noqa: N802 (pyqtgraph override: it would move the legend to (0, 0))
        self._fit_columns()
        height = sum(max((self.layout.itemAt(r, c).height() for c in range(self.layout.columnCount())
                          if self.layout.itemAt(r, c)), default=0) for r in range(self.layout.rowCount()))
        self.setFixedHeight(height + 2 if self.items else 0)
        self.setVisible(bool(self.items))

    def setGeometry(self, *rect) -> None:  # noqa: N802 (Qt override: the canvas layout gives the row's width)
        super().setGeometry(*rect)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """As many columns as the widest entry allows in the row's width (at least one)."""
        if not self.items:
            return
        spacing = 2 * self.layout.horizontalSpacing()
        widest = max(sample.boundingRect().width() + label.item.boundingRect().width() + spacing
                     for sample, label in self.items)
        row = self.parentWidget().contentsRect().width() if self.parentWidget() else self.geometry().width()
        columns = int(max(1, min(len(self.items), row // max(widest, 1.0))))
        if columns != self.columnCount:
            self.setColumnCount(columns)

    def mouseDragEvent(self, event) -> None:  # noqa: N802 (pyqtgraph override: the row is its place)
        event.ignore()


def legend_row(canvas: pg.GraphicsLayoutWidget, plot: pg.PlotItem | None = None) -> RowLegend:
    """A RowLegend on the canvas's current row (call before adding `plot` on the next row); curves added to `plot`
    with a name appear in it, as with plot.addLegend()."""
    legend = RowLegend()
    canvas.addItem(legend)
    canvas.nextRow()
    if plot is not None:
        plot.legend = legend
    return legend


def curve(plot: pg.PlotItem, colour: str, name: str, width: float = 1.6, dash: bool = False) -> pg.PlotDataItem:
    style = QtCore.Qt.PenStyle.DashLine if dash else QtCore.Qt.PenStyle.SolidLine
    return plot.plot([], [], pen=pg.mkPen(colour, width=width, style=style), name=name)


def place_cursors(cursors: list[pg.InfiniteLine], step: int) -> None:
    """Move step cursors to `step` without echoing their drag signal back to the model."""
    for cursor in cursors:
        if cursor.value() != step:
            cursor.blockSignals(True)
            cursor.setValue(step)
            cursor.blockSignals(False)


def embed_canvas(panel: QtWidgets.QWidget) -> pg.GraphicsLayoutWidget:
    """A plot canvas filling `panel`, in the house background and margins."""
    canvas = pg.GraphicsLayoutWidget()
    canvas.setBackground(BACKGROUND)
    canvas.ci.setContentsMargins(4, 4, 8, 4)
    layout = QtWidgets.QVBoxLayout(panel)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(canvas)
    panel.setMinimumSize(200, 120)
    return canvas
