"""What the plot panels share: colours, a styled plot, and a base class for plots against the training step.

Each plot item is created once and fed with `setData`; curves clip to the view and downsample by peaks, so a
long history costs what is visible, not what is recorded. Every time plot carries a cursor at the step on
screen, which can also be dragged to scrub.

Ranges follow the data in steps (`steady_range`), not exactly: an axis whose range changes must lay out and paint
its tick labels again, the slowest part of a plot, so a growing run changes them a dozen times, not every frame.
Zooming or panning by hand switches that off for the plot until its "A" button (or a new run) switches it back.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from featlearn_gui.state import AppState
from featlearn_gui.throttle import Throttle
from featlearn_gui.views.painting import PlotCanvas, cache_item

# Light, like the sphere view and the exported figures; Okabe-Ito hues, safe for colour-vision deficiencies.
BACKGROUND = "#ffffff"
FOREGROUND = "#3c3f44"
GRID_ALPHA = 0.12
LOSS = "#0072B2"
OBJECTIVE = "#D55E00"
WEIGHT_DECAY = "#CC79A7"
FAR_MASS = "#D55E00"
ANGLE = "#009E73"
CURSOR = "#5a5a5a"
POSITIVE = "#E69F00"  # a > 0 orange, a < 0 blue: the sphere's sign colours (featlearn_gui.scene)
NEGATIVE = "#0072B2"
TEACHERS = ("#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#D55E00", "#0072B2", "#999999", "#000000")
PLOT_INTERVAL_MS = 100  # plots redraw at most 10 times a second; see featlearn_gui.throttle
PLOT_BUSY_INTERVAL_MS = 250  # 4 times a second while training runs flat out: the GIL is the training thread's
TINY = 1e-300  # log-scale plots get max(value, TINY): pyqtgraph warns on log10(0)
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
    plot, so both its axes paint their labels again (the slowest paint, GIL held), and the x range of a plot linked
    to it shifts too. Now a range change repaints the one axis, and the width only grows for a wider label.
    """
    metrics = QtGui.QFontMetrics(axis.style["tickFont"] or axis.font())
    axis.setStyle(autoReduceTextSpace=False)
    axis.textWidth = max(axis.textWidth, max(metrics.horizontalAdvance(text) for text in RESERVED_LABELS) + 2)
    axis._updateWidth()  # pyqtgraph keeps the widest label so far in textWidth


def training_flat_out(state: AppState) -> bool:
    """Training runs unpaced right now (`Throttle.training` lags it by up to a governor window at the start)."""
    return state.status == "running" and (Throttle.training or state.speed == 0)


def teacher_colour(i: int) -> str:
    return TEACHERS[i % len(TEACHERS)]


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


def curve(plot: pg.PlotItem, colour: str, name: str, width: float = 1.6, dash: bool = False) -> pg.PlotDataItem:
    style = QtCore.Qt.PenStyle.DashLine if dash else QtCore.Qt.PenStyle.SolidLine
    return plot.plot([], [], pen=pg.mkPen(colour, width=width, style=style), name=name)


def positive(values: np.ndarray, floor: float = TINY) -> np.ndarray:
    """Values for a log axis: at least `floor` (pyqtgraph warns on log10(0)), NaN and inf made finite."""
    return np.maximum(np.nan_to_num(values, nan=floor, posinf=1e300), floor)


def place_cursors(cursors: list[pg.InfiniteLine], step: int) -> None:
    """Move step cursors to `step` without echoing their drag signal back to the model."""
    for cursor in cursors:
        if cursor.value() != step:
            cursor.blockSignals(True)
            cursor.setValue(step)
            cursor.blockSignals(False)


def embed_canvas(panel: QtWidgets.QWidget) -> PlotCanvas:
    """A plot canvas filling `panel`, in the house background and margins."""
    canvas = PlotCanvas()
    canvas.setBackground(BACKGROUND)
    canvas.ci.setContentsMargins(4, 4, 8, 4)
    layout = QtWidgets.QVBoxLayout(panel)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(canvas)
    panel.setMinimumSize(200, 120)
    return canvas


class TimePlotPanel(QtWidgets.QWidget):
    """A column of plots against the training step, each with a draggable cursor; subclasses add curves."""

    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.canvas = embed_canvas(self)
        self.plots: list[pg.PlotItem] = []
        self.cursors: list[pg.InfiniteLine] = []
        self.throttle = Throttle(PLOT_INTERVAL_MS, self._redraw, self, busy_interval_ms=PLOT_BUSY_INTERVAL_MS)
        self._stale_data = False
        self._ranges: list[tuple | None] = []  # the steady (x, y) range set on each plot, None when user-ranged
        state.run_replaced.connect(self._on_state_run_replaced)
        state.history_grew.connect(self._on_state_history_grew)
        state.index_changed.connect(self._on_state_index_changed)
        state.run_status_changed.connect(self._on_state_run_status_changed)

    def add_plot(self, left: str, log_y: bool = False, title: str | None = None) -> pg.PlotItem:
        if self.plots:
            self.canvas.nextRow()
        plot = style_plot(self.canvas.addPlot(title=title, axisItems={"left": TidyLogAxis("left")}), left, log_y=log_y)
        if self.plots:
            plot.setXLink(self.plots[0])
        dash = QtCore.Qt.PenStyle.DashLine
        cursor = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen(CURSOR, width=1, style=dash),
                                 hoverPen=pg.mkPen(CURSOR, width=2))
        cursor.setZValue(10)
        plot.addItem(cursor, ignoreBounds=True)
        cursor.sigDragged.connect(self._on_cursor_dragged)
        plot.disableAutoRange()  # steady_range instead, in _settle_ranges
        plot.getViewBox().sigRangeChangedManually.connect(self._on_view_range_changed_manually)
        self.plots.append(plot)
        self.cursors.append(cursor)
        self._ranges.append(())
        return plot

    def add_legend(self, plot: pg.PlotItem) -> pg.LegendItem:
        legend = plot.addLegend(offset=(-8, 8), labelTextColor=FOREGROUND, brush=pg.mkBrush(255, 255, 255, 215))
        legend.setLabelTextSize("8pt")
        return legend

    # --- subclass hooks -------------------------------------------------------------------------------------

    def reset_curves(self) -> None:
        """A new run: static items (targets, labels) from its teacher and config."""

    def update_curves(self) -> None:
        """The history grew: set the curves' data up to `self.state.count` snapshots."""

    # --- model events ---------------------------------------------------------------------------------------

    @QtCore.Slot()
    def _on_state_run_replaced(self) -> None:
        self._stale_data = True
        self.reset_curves()
        self._ranges = [() for _ in self.plots]  # a new run: steady ranges again, from scratch

    @QtCore.Slot(int)
    def _on_state_history_grew(self, count: int) -> None:
        self._stale_data = True
        self.throttle.request()

    @QtCore.Slot(int)
    def _on_state_index_changed(self, index: int) -> None:
        self.throttle.request()

    @QtCore.Slot(str)
    def _on_state_run_status_changed(self, status: str) -> None:
        self._stale_data = True  # training stopped or started: let the ranges settle (see `_settle_ranges`)
        self.throttle.request()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.throttle.request()  # catch up with what changed while the dock was closed or tabbed away

    def _redraw(self) -> None:
        if self.state.history is None or not self.isVisible():
            return  # nobody sees it: spend nothing (the GIL is the training thread's); showEvent catches up
        if self._stale_data:
            self._stale_data = False
            self.update_curves()
            self._settle_ranges()
        self._place_cursors()

    @QtCore.Slot(object)
    def _on_view_range_changed_manually(self, _mask) -> None:
        for i, plot in enumerate(self.plots):
            if plot.getViewBox() is self.sender():
                self._ranges[i] = None  # the person zoomed or panned: leave the range to them

    def _settle_ranges(self) -> None:
        """Give each automatically ranged plot a steady range around its data (see `steady_range`)."""
        last_step = float(self.state.history.steps[self.state.count - 1]) if self.state.count else 0.0
        planned = max(float(self.state.max_steps), last_step, 1.0)
        # Training flat out, the axes show the whole planned run at once and y ranges only grow: a range that follows
        # the run would re-render every plot's tick labels (the costliest paint, GIL held) again and again while
        # training waits. Once it stops (`_on_state_run_status_changed`) the ranges settle around the data again.
        flat_out = training_flat_out(self.state)
        x_high = planned if flat_out else min(nice_ceiling(max(last_step, 1.0)), planned)
        for i, plot in enumerate(self.plots):
            view = plot.getViewBox()
            if any(view.autoRangeEnabled()):  # the plot's "A" button: back to steady automatic ranges
                view.disableAutoRange()
                self._ranges[i] = ()
            if self._ranges[i] is None:
                continue
            y = self._y_bounds(plot)
            if y is None:
                continue
            log = plot.ctrl.logYCheck.isChecked()
            previous = self._ranges[i] or (None, None)
            x_range = (0.0, x_high)
            y_range = steady_range(*y, previous[1], log, expand_only=flat_out)
            if (x_range, y_range) != self._ranges[i]:
                self._ranges[i] = (x_range, y_range)
                view.setRange(xRange=x_range, yRange=y_range, padding=RANGE_PADDING)

    @staticmethod
    def _y_bounds(plot: pg.PlotItem) -> tuple[float, float] | None:
        """Smallest and largest finite y of the plot's curves and horizontal lines, in view coordinates."""
        log = plot.ctrl.logYCheck.isChecked()
        values = [np.asarray(item.yData, dtype=float) for item in plot.listDataItems() if item.yData is not None]
        values += [np.array([line.value()]) for line in plot.items
                   if isinstance(line, pg.InfiniteLine) and line.angle == 0]
        values = [v for v in values if v.size]
        if not values:
            return None
        y = np.concatenate(values)
        y = y[np.isfinite(y) & (y > 0)] if log else y[np.isfinite(y)]
        if y.size == 0:
            return None
        lo, hi = float(y.min()), float(y.max())
        return (math.log10(lo), math.log10(hi)) if log else (lo, hi)

    def _place_cursors(self) -> None:
        place_cursors(self.cursors, self.state.step)

    def _on_cursor_dragged(self, line: pg.InfiniteLine) -> None:
        self.state.set_step(int(round(line.value())))
        self._place_cursors()  # snap the line to the recorded step
