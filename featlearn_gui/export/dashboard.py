"""The dashboard's side panels for export: loss and objective over training, and the certificate along the path
through the teachers at the frame's step. Built once per run with pyqtgraph; each frame moves a cursor and
replaces one curve, then the panels paint straight into the frame (no intermediate image).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from engine.certificate import live_certificate, pre_certificate, teacher_path

LOSS_COLOR, OBJECTIVE_COLOR, LIVE_COLOR, PRE_COLOR = (31, 119, 180), (255, 127, 14), (44, 160, 44), (130, 130, 130)
CERT_RANGE = (-2.0, 2.0)  # the certificate's story is |η| ≤ 1; a fixed axis keeps the animation still
TINY = 1e-30  # log axes need positive values; a loss of exactly 0 is drawn at this floor


def _style_plot(plot: pg.PlotWidget, font_px: int, x_label: str, y_label: str, title: str) -> None:
    font = QtGui.QFont()
    font.setPixelSize(font_px)
    label_style = {"font-size": f"{font_px}px", "color": "#222"}
    for side, text in (("bottom", x_label), ("left", y_label)):
        axis = plot.getAxis(side)
        axis.setTickFont(font)
        axis.setTextPen("#222")
        axis.setPen("#444")
        axis.setLabel(text, **label_style)
        axis.enableAutoSIPrefix(False)  # "(x0.001)" on a log axis reads as a wrong unit
    # A fixed width: pyqtgraph drops custom tick labels that do not fit its guess, and both panels then align.
    plot.getAxis("left").setWidth(round(font_px * 4.5))
    plot.setTitle(title, size=f"{round(font_px * 1.1)}px", color="#111")
    plot.showGrid(x=True, y=True, alpha=0.25)


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _decade_ticks(axis: pg.AxisItem, low: float, high: float) -> None:
    """Label whole decades 10ⁿ between log10 values low and high (at most ~6 labels, evenly strided)."""
    first, last = int(np.floor(low)), int(np.ceil(high))
    stride = max(1, (last - first + 5) // 6)
    major = [(n, f"10{str(n).translate(SUPERSCRIPT)}") for n in range(first, last + 1, stride)]
    axis.setTicks([major, []])


class DashboardPanels:
    """Loss (top) and certificate (bottom) plots of one run; `set_index` then `paint` per frame."""

    def __init__(self, history, font_px: int = 12) -> None:
        self.history = history
        self._font_px, self._scaled = font_px, None
        view = history.view()
        self._steps = view["step"]
        self.loss = pg.PlotWidget(background="w")
        self.certificate = pg.PlotWidget(background="w")
        self._build_loss(view, font_px)
        self._build_certificate(font_px)

    def _build_loss(self, view: dict, font_px: int) -> None:
        plot = self.loss
        _style_plot(plot, font_px, "training step", "", "Loss L and objective L<sub>λ</sub> (log scale)")
        legend = plot.addLegend(offset=(-8, 8), labelTextSize=f"{font_px}px", labelTextColor="#222")
        legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        steps = self._steps.astype(float)
        # log10 on a linear axis with our own 10ⁿ ticks: pyqtgraph's log mode labels too few decades here.
        log_objective, self._log_loss = (np.log10(np.maximum(view[key], TINY)) for key in ("objective", "loss"))
        plot.plot(steps, log_objective, pen=pg.mkPen(OBJECTIVE_COLOR, width=2), name="L<sub>λ</sub>")
        plot.plot(steps, self._log_loss, pen=pg.mkPen(LOSS_COLOR, width=2), name="L")
        _decade_ticks(plot.getAxis("left"), min(self._log_loss.min(), log_objective.min()),
                      max(self._log_loss.max(), log_objective.max()))
        self._cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen((0, 0, 0, 150), width=1.5, style=QtCore.Qt.DashLine))
        plot.addItem(self._cursor)
        self._dot = plot.plot([], [], pen=None, symbol="o", symbolSize=9, symbolBrush=LOSS_COLOR, symbolPen="k")
        plot.setXRange(steps[0], max(steps[-1], steps[0] + 1), padding=0.02)

    def _build_certificate(self, font_px: int) -> None:
        history, plot = self.history, self.certificate
        teacher, activation = history.teacher, history.config.model.activation
        self._path = teacher_path(teacher.w)
        x = np.degrees(self._path.arclength)
        self._x = x
        _style_plot(plot, font_px, "position along the path through the teachers (degrees)", "η(u)", "Certificate")
        for y in (-1.0, 1.0):
            bound_pen = pg.mkPen((200, 0, 0, 160), width=1, style=QtCore.Qt.DashLine)
            plot.addItem(pg.InfiniteLine(pos=y, angle=0, pen=bound_pen))
        for pos, sign in zip(np.degrees(self._path.teacher_arclength), teacher.a, strict=True):
            color = (200, 40, 40, 110) if sign > 0 else (40, 70, 200, 110)
            plot.addItem(pg.InfiniteLine(pos=pos, angle=90, pen=pg.mkPen(color, width=2)))
        legend = plot.addLegend(offset=(-8, 8), labelTextSize=f"{font_px}px", labelTextColor="#222")
        legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        pre = pre_certificate(teacher, activation)(self._path.points)
        plot.plot(x, pre, pen=pg.mkPen(PRE_COLOR, width=1.5, style=QtCore.Qt.DashLine), name="pre-certificate")
        self._live = plot.plot([], [], pen=pg.mkPen(LIVE_COLOR, width=2.5), name="η<sub>λ</sub> at this step")
        plot.setXRange(x[0], x[-1], padding=0.01)
        plot.setYRange(*CERT_RANGE, padding=0.02)

    def set_index(self, index: int) -> None:
        snap = self.history.snapshot(index)
        self._cursor.setValue(snap.step)
        self._dot.setData([snap.step], [self._log_loss[index]])
        values, scaled = live_certificate(
            self._path.points, snap.student_w, snap.student_a, self.history.teacher,
            self.history.config.model.activation, snap.weight_decay,
        )
        self._live.setData(self._x, values)  # beyond CERT_RANGE it leaves the view
        if scaled != self._scaled:
            self._scaled = scaled
            title = "Certificate η<sub>λ</sub> along the teacher path" if scaled else "Residual correlation (λ = 0)"
            self.certificate.setTitle(title, size=f"{round(self._font_px * 1.1)}px", color="#111")

    def paint(self, painter: QtGui.QPainter, rect: QtCore.QRect) -> None:
        """Draw both panels into `rect`, loss above certificate."""
        top_h = rect.height() // 2
        placements = ((self.loss, rect.top(), top_h), (self.certificate, rect.top() + top_h, rect.height() - top_h))
        for widget, y, h in placements:
            widget.resize(rect.width(), h)
            # QWidget.render (not QGraphicsView's override) first delivers the pending resize, so the layout fits.
            QtWidgets.QWidget.render(widget, painter, QtCore.QPoint(rect.left(), y))
