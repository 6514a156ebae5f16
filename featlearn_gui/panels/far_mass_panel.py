"""Far mass (mass on neurons not near any teacher) and the largest angle of an active neuron to its teacher.

Under weight decay both fall to zero: every neuron that still carries mass sits on a teacher direction.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from engine.metrics import CLOSE_DEG
from featlearn_gui.panels._plotting import ANGLE, FAR_MASS, TimePlotPanel, curve, positive
from featlearn_gui.state import AppState


class FarMassPanel(TimePlotPanel):
    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(state, parent)
        mass_plot = self.add_plot("far mass", log_y=True)
        mass_plot.getAxis("bottom").setStyle(showValues=False)
        mass_plot.setLabel("bottom", "")
        self.far_mass = curve(mass_plot, FAR_MASS, "far mass")
        angle_plot = self.add_plot("max active angle (°)")
        self.angle = curve(angle_plot, ANGLE, "max active angle")
        angle_plot.addLine(y=CLOSE_DEG, pen=pg.mkPen(ANGLE, width=1, style=QtCore.Qt.PenStyle.DotLine))
        self.setToolTip(
            f"Far mass: Σ |a_j|‖w_j‖ over neurons more than {CLOSE_DEG:g}° from every teacher.\n"
            "Max active angle: the largest angle to its nearest teacher of a neuron with at least 1e-3 of the "
            "largest mass (dotted: the 'near' threshold)."
        )

    def update_curves(self) -> None:
        metrics = self.state.metrics()
        steps = self.state.history.view()["step"][: len(metrics)]
        far = metrics.far_mass
        # Weight decay drives far mass to exactly 0; show that as a floor 10 decades below the start, not 1e-300.
        floor = max(float(far[0]) if len(far) else 0.0, 1e-12) * 1e-10
        self.far_mass.setData(steps, positive(far, floor))
        self.angle.setData(steps, metrics.max_active_angle_deg)
