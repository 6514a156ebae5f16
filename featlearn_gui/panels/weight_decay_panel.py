"""The weight decay λ(t) in force at each step (log scale): the schedule that sweeps far neurons away."""

from __future__ import annotations

from PySide6 import QtWidgets

from featlearn_gui.panels._plotting import WEIGHT_DECAY, TimePlotPanel, curve, positive
from featlearn_gui.state import AppState


class WeightDecayPanel(TimePlotPanel):
    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.plot = self.add_plot("weight decay λ", log_y=True)
        self.decay = curve(self.plot, WEIGHT_DECAY, "λ")

    def update_curves(self) -> None:
        view, n = self.state.history.view(), self.state.count
        lam = view["weight_decay"][:n]
        # λ = 0 (no weight decay) has no logarithm: show the flat line on a linear axis instead.
        log = bool((lam > 0).all())
        if self.plot.ctrl.logYCheck.isChecked() != log:
            self.plot.setLogMode(y=log)
        self.decay.setData(view["step"][:n], positive(lam) if log else lam)
