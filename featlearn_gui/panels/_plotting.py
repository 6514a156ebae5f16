"""What the plot panels share: colours, a styled plot, and a base class for plots against the training step.

Each plot item is created once and fed with `setData`; curves clip to the view and downsample by peaks, so a
long history costs what is visible, not what is recorded. Every time plot carries a cursor at the step on
screen, which can also be dragged to scrub.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from featlearn_gui.state import AppState
from featlearn_gui.throttle import Throttle

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
TINY = 1e-300  # log-scale plots get max(value, TINY): pyqtgraph warns on log10(0)


class TidyLogAxis(pg.AxisItem):
    """On a log axis spanning less than a few decades pyqtgraph labels every minor tick (0.09 0.08 0.07 …), which
    overlap; keep the labels of 1, 2 and 5 times a power of ten."""

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph override)
        strings = super().logTickStrings(values, scale, spacing)
        if len(values) <= 4:
            return strings
        leads = [int(round(10 ** (float(v) % 1.0))) for v in values]
        return [s if lead in (1, 2, 5, 10) else "" for s, lead in zip(strings, leads)]


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
    return plot


def curve(plot: pg.PlotItem, colour: str, name: str, width: float = 1.6, dash: bool = False) -> pg.PlotDataItem:
    style = QtCore.Qt.PenStyle.DashLine if dash else QtCore.Qt.PenStyle.SolidLine
    return plot.plot([], [], pen=pg.mkPen(colour, width=width, style=style), name=name)


def positive(values: np.ndarray, floor: float = TINY) -> np.ndarray:
    """Values for a log axis: at least `floor` (pyqtgraph warns on log10(0)), NaN and inf made finite."""
    return np.maximum(np.nan_to_num(values, nan=floor, posinf=1e300), floor)


class TimePlotPanel(QtWidgets.QWidget):
    """A column of plots against the training step, each with a draggable cursor; subclasses add curves."""

    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground(BACKGROUND)
        self.canvas.ci.setContentsMargins(4, 4, 8, 4)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.setMinimumSize(200, 120)
        self.plots: list[pg.PlotItem] = []
        self.cursors: list[pg.InfiniteLine] = []
        self.throttle = Throttle(PLOT_INTERVAL_MS, self._redraw, self)
        self._stale_data = False
        state.run_replaced.connect(self._on_state_run_replaced)
        state.history_grew.connect(self._on_state_history_grew)
        state.index_changed.connect(self._on_state_index_changed)

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
        self.plots.append(plot)
        self.cursors.append(cursor)
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
        for plot in self.plots:
            plot.enableAutoRange()

    @QtCore.Slot(int)
    def _on_state_history_grew(self, count: int) -> None:
        self._stale_data = True
        self.throttle.request()

    @QtCore.Slot(int)
    def _on_state_index_changed(self, index: int) -> None:
        self.throttle.request()

    def _redraw(self) -> None:
        if self.state.history is None:
            return
        if self._stale_data:
            self._stale_data = False
            self.update_curves()
        self._place_cursors()

    def _place_cursors(self) -> None:
        step = self.state.step
        for cursor in self.cursors:
            if cursor.value() != step:
                cursor.blockSignals(True)
                cursor.setValue(step)
                cursor.blockSignals(False)

    def _on_cursor_dragged(self, line: pg.InfiniteLine) -> None:
        self.state.set_step(int(round(line.value())))
        self._place_cursors()  # snap the line to the recorded step
