"""The dual certificate of the selected run along a closed path of great-circle arcs through the teachers.

Shows the static pre-certificate η of the teacher and the live η_λ of the snapshot at the cursor, the band
|η| ≤ 1, the teachers' positions on the path, and the students within NEAR_PATH_DEG of the path as dots on the
live curve (size: mass, colour: as on the sphere, by role or by the sign of a_j). Where |η_λ| > 1 a new neuron would
lower the objective. The curves come from featlearn_gui.plots (`certificate_curves`), which the export figures
draw too.

The axis shows η within ±ETA_SHOWN, where the story is (the band ±1, and the jump to about ±2 when λ is
halved); values beyond it are marked by triangles at the edge and their extent is said in the title. Early in a
run, or on a run that fits a few samples, η_λ can reach hundreds, which would flatten everything else.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from featlearn_gui import palette
from featlearn_gui.model import AppModel, Run
from featlearn_gui.panels._plotting import (
    RANGE_PADDING,
    curve,
    embed_canvas,
    legend_row,
    steady_range,
    style_plot,
    training_flat_out,
)
from featlearn_gui.plots import ETA_SHOWN, LAMBDA_JUMP, NEAR_PATH_DEG, certificate_curves


class CertificatePanel(QtWidgets.QWidget):
    def __init__(self, model: AppModel, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.canvas = embed_canvas(self)
        legend = legend_row(self.canvas)  # above the plot: the curves reach ±1 at its top and bottom
        self.plot = style_plot(self.canvas.addPlot(), "η", bottom="position along the teacher path (°)")
        self.plot.legend = legend
        self.plot.setClipToView(False)  # the scatter of students must not be clipped with the curves
        self.plot.enableAutoRange(y=False)  # steady_range: the live curve moves every frame, its axis need not
        self._y_range: tuple[float, float] | None = None
        self._user_ranged = False  # zoomed or panned by hand: leave the range alone until "A" or a new run
        self.plot.getViewBox().sigRangeChangedManually.connect(self._on_view_range_changed_manually)
        band = pg.mkPen(palette.FOREGROUND, width=1, style=QtCore.Qt.PenStyle.DotLine)
        for y in (-1.0, 1.0):
            self.plot.addLine(y=y, pen=band)
        self.pre = curve(self.plot, palette.PRE_CERTIFICATE, "pre-certificate η", width=1.2, dash=True)
        self.live = curve(self.plot, palette.LIVE_CERTIFICATE, "live η<sub>λ</sub>")
        self.students = pg.ScatterPlotItem(pxMode=True, pen=pg.mkPen(palette.FOREGROUND, width=0.5), size=8,
                                           brush=pg.mkBrush("#9a9a9a"),
                                           name=f"students within {NEAR_PATH_DEG:g}° of the path")
        self.plot.addItem(self.students)
        # Triangles on the edge where η leaves the axis (±ETA_SHOWN): up at the top, down at the bottom.
        self.beyond = pg.ScatterPlotItem(pxMode=True, size=7, pen=None, brush=pg.mkBrush(palette.FAILED))
        self.plot.addItem(self.beyond, ignoreBounds=True)
        self.setToolTip(f"The pre-certificate η of the teacher (dashed) and the live η<sub>λ</sub> of the step on "
                        f"screen (solid) along a path through the teachers; |η| ≤ 1 (dotted) certifies. The axis "
                        f"shows ±{ETA_SHOWN:g}: triangles mark values beyond it. Dots: students within "
                        f"{NEAR_PATH_DEG:g}° of the path, coloured as on the sphere. {LAMBDA_JUMP} The dock beside "
                        "plots max |η<sub>λ</sub>| against the step, with each change of λ marked.")
        self.teacher_lines: list[pg.InfiniteLine] = []
        self._brushes = np.array([pg.mkBrush(palette.NEGATIVE), pg.mkBrush(palette.POSITIVE)], dtype=object)
        self._role_brushes: dict[tuple, QtGui.QBrush] = {}  # one shared brush per colour: few atlas entries
        self._shown = None  # the history whose teacher the static items show
        self.drawn: tuple[Run, int] | None = None  # the run and its snapshot (index) drawn in the last frame
        self._stale = True
        model.events.step.connect(self._on_model_changed)
        model.events.selected.connect(self._on_model_changed)
        model.events.options.connect(self._on_model_changed)  # the dots take the sphere's colour mode
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
        # Whole-pixel sizes: pyqtgraph renders each new (size, colour) once into its atlas, and sizes that vary
        # continuously made every frame render (and keep) a dot per student anew.
        self.students.setData(curves.student_x, np.clip(curves.student_y, -ETA_SHOWN, ETA_SHOWN),
                              size=np.round(5 + 10 * curves.student_size), brush=self._student_brushes(curves))
        unscaled = "" if curves.scaled else ": λ = 0, the live curve is the unscaled correlation"
        first = f"step {curves.step}{unscaled}"
        if len(self.model.runs) > 1:
            first = f"<b style='color:{run.colour}'>{run.label}</b>   ·   {first}"
        lines = [first]
        if curves.pre_max > 1 + 1e-6:
            lines.append(f"<span style='color:{palette.FAILED}'>pre-certificate max |η| = {curves.pre_max:.3g} > 1 "
                         "on this path: not certified</span>")
        # One short line per note, so the title never widens the plot beyond its dock.
        lines += [text for text in (self._mark_beyond(curves), self._lambda_note(run)) if text]
        self.plot.setTitle("<br>".join(lines), size="9pt", color=palette.FOREGROUND)

    def _student_brushes(self, curves) -> np.ndarray:
        """The dots' colours as on the sphere: by role (the default) or by the sign of a_j."""
        if self.model.options.colour == "sign":
            return self._brushes[curves.student_positive.astype(np.intp)]
        brushes = []
        for rgba in curves.student_role:
            key = tuple(int(round(255 * c)) for c in rgba)
            if key not in self._role_brushes:
                self._role_brushes[key] = pg.mkBrush(*key)
            brushes.append(self._role_brushes[key])
        return np.array(brushes, dtype=object)

    def _mark_beyond(self, curves) -> str:
        """Triangles on the edge where η leaves ±ETA_SHOWN, and the words saying how far ('' when it stays)."""
        values = np.concatenate([curves.live, curves.pre])
        x = np.concatenate([curves.x, curves.x])
        above, below = values > ETA_SHOWN, values < -ETA_SHOWN
        every = max(len(curves.x) // 60, 1)  # a triangle every few degrees of the path
        keep = np.zeros(len(values), dtype=bool)
        keep[::every] = True
        up, down = above & keep, below & keep
        self.beyond.setData(np.concatenate([x[up], x[down]]),
                            np.concatenate([np.full(up.sum(), ETA_SHOWN), np.full(down.sum(), -ETA_SHOWN)]),
                            symbol=["t1"] * int(up.sum()) + ["t"] * int(down.sum()))
        if self._user_ranged or not (above.any() or below.any()):
            return ""
        return (f"<span style='color:{palette.FAILED}'>▲▼ η beyond ±{ETA_SHOWN:g}: from {values.min():.3g} "
                f"to {values.max():.3g}</span>")

    def _lambda_note(self, run: Run) -> str:
        """Why η_λ jumped, shown for a while after each change of λ (the jump settles as the neurons move)."""
        history, index = run.history, run.index_at(self.model.step)
        view = history.view()
        lam, steps = view["weight_decay"][: index + 1], view["step"][: index + 1]
        changes = np.flatnonzero(lam[1:] != lam[:-1]) + 1
        if len(changes) == 0 or lam[changes[-1]] <= 0:
            return ""
        c = int(changes[-1])
        every = history.config.optim.decay_every
        if steps[index] - steps[c] > max(every // 4, 1):
            return ""
        return (f"λ {lam[c - 1]:.3g} → {lam[c]:.3g} at step {int(steps[c]):,}: η<sub>λ</sub> = correlation / λ "
                f"jumped ×{lam[c - 1] / lam[c]:.3g}")

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
        values = np.clip(values[np.isfinite(values)], -ETA_SHOWN, ETA_SHOWN)  # beyond: marked, not scaled to
        y_range = steady_range(float(values.min()), float(values.max()), self._y_range, log=False,
                               expand_only=training_flat_out(self.model))
        if y_range != self._y_range:
            self._y_range = y_range
            self.plot.setYRange(*y_range, padding=RANGE_PADDING)
