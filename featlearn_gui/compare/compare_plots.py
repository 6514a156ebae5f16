"""The comparison's curves in one set of plots, side by side under the spheres: loss, far mass and max active
angle, one colour per run.

Far mass is the contrast the paper is about: under weight decay it falls by decades (every far neuron dies);
without it, it levels off. Each curve is created once and extended with `setData`; metrics are computed once per
snapshot (engine.metrics_series). A dashed cursor marks the shared step and can be dragged to scrub.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from engine.metrics import CLOSE_DEG
from engine.metrics_series import MetricsSeries
from featlearn_gui.compare.compare_state import CompareState
from featlearn_gui.panels._plotting import (
    BACKGROUND,
    CURSOR,
    FOREGROUND,
    TidyLogAxis,
    place_cursors,
    positive,
    style_plot,
)

FAR_FLOOR_DECADES = 1e-10  # exactly zero far mass is drawn this far below the largest starting far mass


class ComparePlots(QtWidgets.QWidget):
    def __init__(self, state: CompareState, colours: list[str], parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground(BACKGROUND)
        self.canvas.ci.setContentsMargins(4, 4, 10, 4)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.plots: list[pg.PlotItem] = []
        self.cursors: list[pg.InfiniteLine] = []
        loss = self._add_plot("loss L", "Loss", log_y=True)
        far = self._add_plot("far mass", f"Far mass (on neurons > {CLOSE_DEG:g}° from every teacher)", log_y=True)
        angle = self._add_plot("angle (°)", "Max active angle to the nearest teacher")
        angle.addLine(y=CLOSE_DEG, pen=pg.mkPen(FOREGROUND, width=1, style=QtCore.Qt.PenStyle.DotLine))
        legend = loss.addLegend(offset=(-8, 8), labelTextColor=FOREGROUND, brush=pg.mkBrush(255, 255, 255, 220))
        legend.setLabelTextSize("10pt")
        self.series = [MetricsSeries(run.history) for run in state.runs]
        self.curves = []
        for run, colour in zip(state.runs, colours):
            pen = pg.mkPen(colour, width=2.2)
            self.curves.append([plot.plot([], [], pen=pen, name=run.label if plot is loss else None)
                                for plot in (loss, far, angle)])
        self._drawn_counts = [0] * len(state.runs)
        self.setToolTip(
            "Far mass: Σ |a_j|‖w_j‖ over neurons more than "
            f"{CLOSE_DEG:g}° from every teacher; weight decay drives it to zero.\n"
            "Max active angle: the largest angle to its nearest teacher of a neuron with at least 1e-3 of the "
            f"largest mass (dotted: {CLOSE_DEG:g}°, 'near')."
        )

    def _add_plot(self, left: str, title: str, log_y: bool = False) -> pg.PlotItem:
        plot = self.canvas.addPlot(title=f"<span style='font-size:10pt'>{title}</span>",
                                   axisItems={"left": TidyLogAxis("left")})
        style_plot(plot, left, log_y=log_y)
        if self.plots:
            plot.setXLink(self.plots[0])
        cursor = pg.InfiniteLine(angle=90, movable=True,
                                 pen=pg.mkPen(CURSOR, width=1, style=QtCore.Qt.PenStyle.DashLine),
                                 hoverPen=pg.mkPen(CURSOR, width=2))
        cursor.setZValue(10)
        plot.addItem(cursor, ignoreBounds=True)
        cursor.sigDragged.connect(self._on_cursor_dragged)
        self.plots.append(plot)
        self.cursors.append(cursor)
        return plot

    def refresh(self) -> None:
        """Extend the curves of runs that grew and move the cursor; cheap when nothing changed."""
        grew = [r for r, run in enumerate(self.state.runs) if run.count != self._drawn_counts[r]]
        if grew:
            for series in self.series:
                series.update()
            floor = self._far_floor()
            for r in grew:
                self._set_curves(r, self.state.runs[r].count, floor)
        self._place_cursors()

    def _far_floor(self) -> float:
        starts = [float(s.far_mass[0]) for s in self.series if len(s)]
        return max(max(starts, default=0.0), 1e-12) * FAR_FLOOR_DECADES

    def _set_curves(self, r: int, count: int, floor: float) -> None:
        series = self.series[r]
        n = min(count, len(series))
        view = self.state.runs[r].history.view()
        steps = view["step"][:n]
        loss, far, angle = self.curves[r]
        loss.setData(steps, positive(np.asarray(view["loss"][:n])))
        far.setData(steps, positive(series.far_mass[:n], floor))
        angle.setData(steps, series.max_active_angle_deg[:n])
        self._drawn_counts[r] = count

    def _place_cursors(self) -> None:
        place_cursors(self.cursors, self.state.step)

    def _on_cursor_dragged(self, line: pg.InfiniteLine) -> None:
        self.state.set_step(int(round(line.value())))
        self._place_cursors()
