"""Captured signed mass per teacher, Σ_{j near i} a_j‖w_j‖, converging to the teacher's a_i* (dashed)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from featlearn_gui.panels._plotting import TimePlotPanel, curve, teacher_colour
from featlearn_gui.state import AppState


class CapturedPanel(TimePlotPanel):
    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.plot = self.add_plot("captured mass")
        self.legend = self.add_legend(self.plot)
        self.curves: list[pg.PlotDataItem] = []
        self.targets: list[pg.InfiniteLine] = []

    def reset_curves(self) -> None:
        for item in self.curves + self.targets:
            self.plot.removeItem(item)
        self.legend.clear()
        teacher_a = self.state.history.teacher.a
        self.curves = [curve(self.plot, teacher_colour(i), f"w{i + 1}*  (a* = {a:+.3g})")
                       for i, a in enumerate(teacher_a)]
        dash = QtCore.Qt.PenStyle.DashLine
        self.targets = [self.plot.addLine(y=a, pen=pg.mkPen(teacher_colour(i), width=1, style=dash))
                        for i, a in enumerate(teacher_a)]

    def update_curves(self) -> None:
        metrics = self.state.metrics()
        steps = self.state.history.view()["step"][: len(metrics)]
        for i, item in enumerate(self.curves):
            item.setData(steps, metrics.captured[:, i])
