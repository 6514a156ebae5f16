"""The dual certificate of the selected run along a closed path of great-circle arcs through the teachers.

Shows the static pre-certificate η of the teacher and the live η_λ of the snapshot at the cursor, the band
|η| ≤ 1, the teachers' positions on the path, and the students within a few degrees of the path as dots on the
live curve (size: mass, colour: sign of a_j). Where |η_λ| > 1 a new neuron would lower the objective. The curves
come from featlearn_gui.plots (`certificate_curves`), which the export figures draw too.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from featlearn_gui import palette
from featlearn_gui.model import AppModel, Run
from featlearn_gui.panels._plotting import (
    RANGE_PADDING,
    curve,
    embed_canvas,
    steady_range,
    style_plot,
    training_flat_out,
)
from featlearn_gui.plots import NEAR_PATH_DEG, certificate_curves


class CertificatePanel(QtWidgets.QWidget):
    def __init__(self, model: AppModel, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.canvas = embed_canvas(self)
        self.plot = style_plot(self.canvas.addPlot(), "η", bottom="position along the teacher path (°)")
        self.plot.setClipToView(False)  # the scatter of students must not be clipped with the curves
        self.plot.enableAutoRange(y=False)  # steady_range: the live curve moves every frame, its axis need not
        self._y_range: tuple[float, float] | None = None
        self._user_ranged = False  # zoomed or panned by hand: leave the range alone until "A" or a new run
        self.plot.getViewBox().sigRangeChangedManually.connect(self._on_view_range_changed_manually)
        legend = self.plot.addLegend(offset=(-8, -8), labelTextColor=palette.FOREGROUND,
                                     brush=pg.mkBrush(255, 255, 255, 215))
        legend.setLabelTextSize("8pt")
        band = pg.mkPen(palette.FOREGROUND, width=1, style=QtCore.Qt.PenStyle.DotLine)
        for y in (-1.0, 1.0):
            self.plot.addLine(y=y, pen=band)
        self.pre = curve(self.plot, palette.PRE_CERTIFICATE, "pre-certificate η", width=1.2, dash=True)
        self.live = curve(self.plot, palette.LIVE_CERTIFICATE, "live η<sub>λ</sub>")
        self.students = pg.ScatterPlotItem(pxMode=True, pen=pg.mkPen(palette.FOREGROUND, width=0.5), size=8,
                                           brush=pg.mkBrush("#9a9a9a"), name=f"students within {NEAR_PATH_DEG:g}°")
        self.plot.addItem(self.students)
        self.teacher_lines: list[pg.InfiniteLine] = []
        self._brushes = np.array([pg.mkBrush(palette.NEGATIVE), pg.mkBrush(palette.POSITIVE)], dtype=object)
        self._shown = None  # the history whose teacher the static items show
        self.drawn: tuple[Run, int] | None = None  # the run and its snapshot (index) drawn in the last frame
        self._stale = True
        model.events.step.connect(self._on_model_changed)
        model.events.selected.connect(self._on_model_changed)
        model.run_changed.connect(self._on_model_run_changed)

    def _on_model_changed(self, *_args) -> None:
        self._stale = True

    def _on_model_run_changed(self, run: Run, name: str) -> None:
        if run is self.model.selected and name in ("count", "status"):
            self._stale = True  # at the live edge a new snapshot moves the curve; a stop settles the range

    @QtCore.Slot(object)
    def _on_view_range_changed_manually(self, _mask) -> None:
        self._user_ranged = True

    def draw_frame(self) -> None:
        """The frame clock's call: draw the snapshot at the cursor when it changed and someone can see it."""
        run = self.model.selected
        key = (run, run.index_at(self.model.step)) if run is not None else None
        if self.isVisible() and (self._stale or key != self.drawn):
            self.draw_now()

    def draw_now(self) -> None:
        self._stale = False
        run = self.model.selected
        if run is None or run.count == 0:
            return
        index = run.index_at(self.model.step)
        self.drawn = (run, index)
        curves = certificate_curves(run.history, index)
        if self._shown is not run.history:
            self._show_teacher(run, curves)
        self.live.setData(curves.x, curves.live)
        self._settle_y_range(curves.live)
        brushes = self._brushes[curves.student_positive.astype(np.intp)]  # two shared brushes: two atlas entries
        self.students.setData(curves.student_x, curves.student_y, size=5 + 10 * curves.student_size, brush=brushes)
        unscaled = "" if curves.scaled else ": λ = 0, the live curve is the unscaled correlation"
        lines = [f"step {curves.step}{unscaled}"]
        if curves.pre_max > 1 + 1e-6:
            lines.append(f"<span style='color:{palette.FAILED}'>pre-certificate exceeds 1 on this path "
                         f"(max |η| = {curves.pre_max:.3g}): the teacher is not certified</span>")
        if len(self.model.runs) > 1:
            lines.insert(0, f"<b style='color:{run.colour}'>{run.label}</b>")
        self.plot.setTitle("   ·   ".join(lines), size="9pt", color=palette.FOREGROUND)

    def _show_teacher(self, run: Run, curves) -> None:
        """A new run on screen: its pre-certificate and its teachers' positions along its path."""
        self._shown = run.history
        for line in self.teacher_lines:
            self.plot.removeItem(line)
        self.pre.setData(curves.x, curves.pre)
        dash = QtCore.Qt.PenStyle.DashLine
        self.teacher_lines = []
        for i, position in enumerate(curves.teacher_x):
            colour = palette.teacher_colour(i)
            line = pg.InfiniteLine(pos=position, angle=90, pen=pg.mkPen(colour, width=1, style=dash),
                                   label=f"w{i + 1}*", labelOpts={"position": 0.95, "color": colour})
            self.plot.addItem(line)
            self.teacher_lines.append(line)
        self.plot.setXRange(0, curves.x[-1], padding=0.01)
        self._y_range, self._user_ranged = None, False

    def _settle_y_range(self, live: np.ndarray) -> None:
        view = self.plot.getViewBox()
        if any(view.autoRangeEnabled()):  # the "A" button: automatic (steady) ranges again
            self.plot.disableAutoRange()
            self.plot.setXRange(0, float(self.pre.xData[-1]), padding=0.01)
            self._y_range, self._user_ranged = None, False
        if self._user_ranged:
            return
        values = np.concatenate([live, self.pre.yData, [-1.0, 1.0]])
        values = values[np.isfinite(values)]
        y_range = steady_range(float(values.min()), float(values.max()), self._y_range, log=False,
                               expand_only=training_flat_out(self.model))
        if y_range != self._y_range:
            self._y_range = y_range
            self.plot.setYRange(*y_range, padding=RANGE_PADDING)
