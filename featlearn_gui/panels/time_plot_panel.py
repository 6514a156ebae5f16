"""A dock of plots against the training step: the `TimePlot` definitions of featlearn_gui.plots, one curve per run.

Every plot carries a dashed cursor at the step on screen, which can be dragged to scrub. With one run each line
has its own colour; with several, a run's lines take the run's colour and a legend names the runs.

Ranges follow the data in steps (`steady_range`), not exactly: an axis whose range changes must lay out and paint
its tick labels again, the slowest part of a plot, so a growing run changes them a dozen times, not every frame.
Zooming or panning by hand switches that off for the plot until its "A" button (or a new set of runs) switches it
back. The window's frame clock calls `draw_frame()` once per frame with every other panel: each run's curve ends at
its snapshot at the cursor while the cursor rides the live edge (the spheres show that snapshot too). The export
dashboard draws the same panel, offscreen (`draw_now`).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from featlearn_gui.model import AppModel, Run
from featlearn_gui.palette import CURSOR, FOREGROUND
from featlearn_gui.panels._plotting import (
    RANGE_PADDING,
    TidyLogAxis,
    embed_canvas,
    legend_row,
    nice_ceiling,
    place_cursors,
    steady_range,
    style_plot,
    training_flat_out,
)
from featlearn_gui.plots import TIME_PLOTS, RunSeries, TimePlot

DASH, SOLID = QtCore.Qt.PenStyle.DashLine, QtCore.Qt.PenStyle.SolidLine
# With several runs colour says which run: a run's lines differ by these, and grey legend entries name them.
STYLES = (SOLID, DASH, QtCore.Qt.PenStyle.DotLine, QtCore.Qt.PenStyle.DashDotLine)


class TimePlotPanel(QtWidgets.QWidget):
    def __init__(self, model: AppModel, keys: tuple[str, ...], parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.specs: list[TimePlot] = [TIME_PLOTS[key] for key in keys]
        self.canvas = embed_canvas(self)
        self.plots: list[pg.PlotItem] = []
        self.cursors: list[pg.InfiniteLine] = []
        self._ranges: list[tuple | None] = []  # the steady (x, y) range set on each plot, None when user-ranged
        self._curves: dict[tuple[int, int], list[pg.PlotDataItem]] = {}  # (plot, run position) -> its lines
        self._guides: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []
        self._marks: dict[int, list[pg.InfiniteLine]] = {}  # plot -> its vertical marks (TimePlot.marks)
        self._keys: list[tuple[pg.PlotItem, pg.PlotDataItem]] = []  # legend-only samples of the line styles
        self.drawn: dict[Run, int] = {}  # each run's snapshot (index) at the cursor in the last frame drawn
        for i, spec in enumerate(self.specs):
            self._add_plot(spec, last=i == len(self.specs) - 1)
        self.setToolTip("\n".join(spec.tooltip for spec in self.specs if spec.tooltip))
        self._stale_data = True
        self._stale_runs = True
        self._stale_cursor = True
        model.events.step.connect(self._on_model_step_changed)
        model.run_changed.connect(self._on_model_run_changed)
        model.runs_changed.connect(self._on_model_runs_changed)

    def _add_plot(self, spec: TimePlot, last: bool) -> None:
        if self.plots:
            self.canvas.nextRow()
        legend = legend_row(self.canvas)  # above the plot, never over its curves
        plot = style_plot(self.canvas.addPlot(axisItems={"left": TidyLogAxis("left")}), spec.y_label)
        plot.legend = legend
        if not last:  # stacked plots share the step axis: label it once, under the bottom one
            plot.getAxis("bottom").setStyle(showValues=False)
            plot.setLabel("bottom", "")
        if self.plots:
            plot.setXLink(self.plots[0])
        cursor = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen(CURSOR, width=1, style=DASH),
                                 hoverPen=pg.mkPen(CURSOR, width=2))
        cursor.setZValue(10)
        plot.addItem(cursor, ignoreBounds=True)
        cursor.sigDragged.connect(self._on_cursor_dragged)
        plot.disableAutoRange()  # steady_range instead, in _settle_ranges
        plot.getViewBox().sigRangeChangedManually.connect(self._on_view_range_changed_manually)
        self.plots.append(plot)
        self.cursors.append(cursor)
        self._ranges.append(())

    # --- model events ---------------------------------------------------------------------------------------

    def _on_model_runs_changed(self, *_args) -> None:
        self._stale_runs = self._stale_data = True

    def _on_model_run_changed(self, run: Run, name: str) -> None:
        if name in ("count", "status", "label", "colour"):
            self._stale_data = True
            self._stale_runs |= name in ("label", "colour")

    def _on_model_step_changed(self, step: int) -> None:
        self._stale_cursor = True
        self._stale_data |= self.model.following  # the curves end at the cursor

    # --- drawing --------------------------------------------------------------------------------------------

    def draw_frame(self) -> None:
        """The frame clock's call: draw what changed (nothing while nobody sees the panel)."""
        if self.isVisible() and (self._stale_runs or self._stale_data or self._stale_cursor):
            self.draw_now()

    def draw_now(self) -> None:
        """Bring every curve and cursor up to date, visible or not (exports paint the panel offscreen)."""
        if self._stale_runs:
            self._stale_runs = False
            self._rebuild()
        if self._stale_data:
            self._stale_data = False
            self._update_curves()
            self._settle_ranges()
        self._stale_cursor = False
        step = self.model.step
        place_cursors(self.cursors, step)
        self.drawn = {run: run.index_at(step) for run in self.model.runs}

    def _series(self) -> list[RunSeries]:
        """Each run as far as the screen shows it: to its snapshot at the cursor while riding the live edge."""
        model, series = self.model, []
        for run in model.runs:
            count = run.index_at(model.step) + 1 if model.following and run.count else run.count
            series.append(RunSeries(run.history, run.metrics, count))
        return series

    def _rebuild(self) -> None:
        """A run came, went, moved or was renamed: new curve items (and legend entries) for every run."""
        for (p, _r), items in self._curves.items():
            for item in items:
                self.plots[p].removeItem(item)
        for plot, guide in self._guides:
            plot.removeItem(guide)
        for plot, key in self._keys:
            plot.legend.removeItem(key)
        self._keys = []
        self._curves.clear()
        self._guides = []
        selected = self.model.selected
        for plot, spec in zip(self.plots, self.specs):
            for guide in spec.guides(selected.history) if selected is not None else []:
                line = plot.addLine(y=guide.y, pen=pg.mkPen(guide.colour, width=1, style=QtCore.Qt.PenStyle.DotLine))
                self._guides.append((plot, line))
        self._ranges = [() for _ in self.plots]

    def _update_curves(self) -> None:
        runs, series = list(self.model.runs), self._series()
        several = len(runs) > 1
        for p, (plot, spec) in enumerate(zip(self.plots, self.specs)):
            log = spec.log(series)
            if plot.ctrl.logYCheck.isChecked() != log:
                plot.setLogMode(y=log)
            for r, (run, data) in enumerate(zip(runs, series)):
                lines = spec.lines(data) if data.count else []
                items = self._curves.setdefault((p, r), [])
                while len(items) < len(lines):
                    i, line = len(items), lines[len(items)]
                    colour = run.colour if several else line.colour
                    if line.symbols:  # marked snapshots: dots, no line
                        items.append(plot.plot([], [], pen=None, symbol="o", symbolSize=7, symbolPen=None,
                                               symbolBrush=colour, name=None if several else line.label))
                    elif several:
                        style = STYLES[i % len(STYLES)]
                        # The runs are named once per dock (its top plot): the same colours below need no legend.
                        items.append(plot.plot([], [], pen=pg.mkPen(colour, width=1.6, style=style),
                                               name=None if i or p else run.label))
                        if r == 0 and len(lines) > 1:
                            self._add_key(plot, line.label, style)
                    else:
                        style = DASH if line.dash else SOLID
                        items.append(plot.plot([], [], pen=pg.mkPen(colour, width=1.6, style=style),
                                               name=line.label))
                for item, line in zip(items, lines):
                    item.setData(line.x, line.y)
            selected = runs.index(self.model.selected) if self.model.selected in runs else None
            data = series[selected] if selected is not None and series[selected].count else None
            self._place_marks(p, spec.marks(data) if data is not None else [])
            self._show_note(plot, spec.note(series))

    def _place_marks(self, p: int, steps) -> None:
        """Dotted vertical lines at `steps` on plot p (the selected run's changes of λ), reusing the ones there."""
        plot, marks = self.plots[p], self._marks.setdefault(p, [])
        while len(marks) < len(steps):
            mark = pg.InfiniteLine(angle=90, movable=False,
                                   pen=pg.mkPen(FOREGROUND, width=1, style=QtCore.Qt.PenStyle.DotLine))
            plot.addItem(mark, ignoreBounds=True)
            marks.append(mark)
        for mark, step in zip(marks, steps):
            mark.setValue(float(step))
            mark.show()
        for mark in marks[len(steps):]:
            mark.hide()

    @staticmethod
    def _show_note(plot: pg.PlotItem, note: str) -> None:
        """The plot's words for what it does not draw (e.g. a share that is 1 by construction), as its title."""
        if (plot.titleLabel.text if plot.titleLabel.isVisible() else "") != note:
            plot.setTitle(note or None, color=FOREGROUND, size="8pt")

    def _add_key(self, plot: pg.PlotItem, label: str, style) -> None:
        """A grey legend entry naming a line style (with several runs, colours name the runs)."""
        key = pg.PlotDataItem(pen=pg.mkPen(FOREGROUND, width=1.6, style=style))
        plot.legend.addItem(key, label)
        self._keys.append((plot, key))

    @QtCore.Slot(object)
    def _on_view_range_changed_manually(self, _mask) -> None:
        for i, plot in enumerate(self.plots):
            if plot.getViewBox() is self.sender():
                self._ranges[i] = None  # the person zoomed or panned: leave the range to them

    def _settle_ranges(self) -> None:
        """Give each automatically ranged plot a steady range around its data (see `steady_range`)."""
        model = self.model
        last_step = float(model.last_step)
        planned = max([float(model.stop_step(run)) for run in model.runs] + [last_step, 1.0])
        # Training flat out, the axes show the whole planned run at once and y ranges only grow: a range that follows
        # the run would re-render every plot's tick labels (the costliest paint) in frame after frame. Once it stops
        # the ranges settle around the data again.
        flat_out = training_flat_out(model)
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

    def _on_cursor_dragged(self, line: pg.InfiniteLine) -> None:
        self.model.set_step(int(round(line.value())))
        place_cursors(self.cursors, self.model.step)  # snap the line to the recorded step
