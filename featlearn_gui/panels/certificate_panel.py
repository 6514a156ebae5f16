"""The dual certificate along a closed path of great-circle arcs through the teachers (PAPER.md §7).

Shows the static pre-certificate η of the teacher and the live η_λ of the snapshot on screen, the band |η| ≤ 1,
the teachers' positions on the path, and the students within a few degrees of the path as dots on the live curve
(size: mass, colour: sign of a_j). Where |η_λ| > 1 a new neuron would lower the objective.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from engine.certificate import live_certificate, pre_certificate, teacher_path
from engine.metrics import unit_rows
from featlearn_gui.panels._plotting import (
    FOREGROUND,
    NEGATIVE,
    PLOT_BUSY_INTERVAL_MS,
    PLOT_INTERVAL_MS,
    POSITIVE,
    RANGE_PADDING,
    curve,
    embed_canvas,
    steady_range,
    style_plot,
    teacher_colour,
    training_flat_out,
)
from featlearn_gui.state import AppState
from featlearn_gui.throttle import Throttle

PATH_SAMPLES = 360
NEAR_PATH_DEG = 8.0  # students farther than this from the path are not marked on it
PRE = "#8c8c8c"
LIVE = "#222222"


class CertificatePanel(QtWidgets.QWidget):
    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.canvas = embed_canvas(self)
        self.plot = style_plot(self.canvas.addPlot(), "η", bottom="position along the teacher path (°)")
        self.plot.setClipToView(False)  # the scatter of students must not be clipped with the curves
        self.plot.enableAutoRange(y=False)  # steady_range: the live curve moves every frame, its axis need not
        self._y_range: tuple[float, float] | None = None
        self._user_ranged = False  # zoomed or panned by hand: leave the range alone until "A" or a new run
        self.plot.getViewBox().sigRangeChangedManually.connect(self._on_view_range_changed_manually)
        legend = self.plot.addLegend(offset=(-8, -8), labelTextColor=FOREGROUND, brush=pg.mkBrush(255, 255, 255, 215))
        legend.setLabelTextSize("8pt")
        band = pg.mkPen(FOREGROUND, width=1, style=QtCore.Qt.PenStyle.DotLine)
        for y in (-1.0, 1.0):
            self.plot.addLine(y=y, pen=band)
        self.pre = curve(self.plot, PRE, "pre-certificate η", width=1.2, dash=True)
        self.live = curve(self.plot, LIVE, "live η<sub>λ</sub>")
        self.students = pg.ScatterPlotItem(pxMode=True, pen=pg.mkPen(FOREGROUND, width=0.5), size=8,
                                           brush=pg.mkBrush("#9a9a9a"), name=f"students within {NEAR_PATH_DEG:g}°")
        self.plot.addItem(self.students)
        self.teacher_lines: list[pg.InfiniteLine] = []
        self._brushes = np.array([pg.mkBrush(POSITIVE), pg.mkBrush(NEGATIVE)], dtype=object)
        self._path = None
        self._pre_max = 0.0
        self.throttle = Throttle(PLOT_INTERVAL_MS, self._redraw, self, busy_interval_ms=PLOT_BUSY_INTERVAL_MS)
        state.run_replaced.connect(self._on_state_run_replaced)
        state.index_changed.connect(self._on_state_index_changed)
        state.history_grew.connect(self._on_state_history_grew)
        state.run_status_changed.connect(self._on_state_run_status_changed)

    @QtCore.Slot()
    def _on_state_run_replaced(self) -> None:
        history = self.state.history
        for line in self.teacher_lines:
            self.plot.removeItem(line)
        self._path = teacher_path(history.teacher.w, samples=PATH_SAMPLES)
        x = np.degrees(self._path.arclength)
        pre = pre_certificate(history.teacher, history.config.model.activation)(self._path.points)
        self._pre_max = float(np.max(np.abs(pre)))
        self.pre.setData(x, pre)
        dash = QtCore.Qt.PenStyle.DashLine
        self.teacher_lines = []
        for i, position in enumerate(np.degrees(self._path.teacher_arclength)):
            line = pg.InfiniteLine(pos=position, angle=90, pen=pg.mkPen(teacher_colour(i), width=1, style=dash),
                                   label=f"w{i + 1}*", labelOpts={"position": 0.95, "color": teacher_colour(i)})
            self.plot.addItem(line)
            self.teacher_lines.append(line)
        self.plot.setXRange(0, x[-1], padding=0.01)
        self._y_range, self._user_ranged = None, False
        self._redraw()

    @QtCore.Slot(object)
    def _on_view_range_changed_manually(self, _mask) -> None:
        self._user_ranged = True

    @QtCore.Slot(int)
    def _on_state_index_changed(self, index: int) -> None:
        self.throttle.request()

    @QtCore.Slot(int)
    def _on_state_history_grew(self, count: int) -> None:
        if self.state.at_live_edge:
            self.throttle.request()

    @QtCore.Slot(str)
    def _on_state_run_status_changed(self, status: str) -> None:
        self.throttle.request()  # training stopped or started: let the y range settle (see `_settle_y_range`)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.throttle.request()  # catch up with what changed while the dock was closed or tabbed away

    def _settle_y_range(self, live: np.ndarray) -> None:
        view = self.plot.getViewBox()
        if any(view.autoRangeEnabled()):  # the "A" button: automatic (steady) ranges again
            self.plot.disableAutoRange()
            self.plot.setXRange(0, float(np.degrees(self._path.arclength[-1])), padding=0.01)
            self._y_range, self._user_ranged = None, False
        if self._user_ranged:
            return
        values = np.concatenate([live, self.pre.yData, [-1.0, 1.0]])
        values = values[np.isfinite(values)]
        y_range = steady_range(float(values.min()), float(values.max()), self._y_range, log=False,
                               expand_only=training_flat_out(self.state))
        if y_range != self._y_range:
            self._y_range = y_range
            self.plot.setYRange(*y_range, padding=RANGE_PADDING)

    def _redraw(self) -> None:
        history = self.state.history
        if history is None or self._path is None or self.state.count == 0 or not self.isVisible():
            return
        snap = history.snapshot(self.state.index)
        teacher, activation = history.teacher, history.config.model.activation
        x = np.degrees(self._path.arclength)
        live, scaled = live_certificate(self._path.points, snap.student_w, snap.student_a, teacher, activation,
                                        snap.weight_decay)
        self.live.setData(x, live)
        self._settle_y_range(live)
        directions, norms = unit_rows(np.asarray(snap.student_w, dtype=np.float64))
        position, distance = self._path.locate(directions)
        mass = np.abs(snap.student_a) * norms
        keep = (distance <= NEAR_PATH_DEG) & (mass > 1e-3 * max(mass.max(), 1e-300))
        sx = np.degrees(position[keep])
        sy = np.interp(sx, x, live)
        size = 5 + 10 * np.sqrt(mass[keep] / max(mass.max(), 1e-300))
        brushes = self._brushes[(snap.student_a[keep] <= 0).astype(np.intp)]  # two shared brushes: two atlas entries
        self.students.setData(sx, sy, size=size, brush=brushes)
        lines = [f"step {snap.step}" + ("" if scaled else ": λ = 0, the live curve is the unscaled correlation")]
        if self._pre_max > 1 + 1e-6:
            lines.append(f"<span style='color:#c62828'>pre-certificate exceeds 1 on this path "
                         f"(max |η| = {self._pre_max:.3g}): the teacher is not certified</span>")
        self.plot.setTitle("   ·   ".join(lines), size="9pt", color=FOREGROUND)
