"""Loss L and objective L_λ against the step, on a log scale: the fall a run is judged by."""

from __future__ import annotations

from PySide6 import QtWidgets

from featlearn_gui.panels._plotting import LOSS, OBJECTIVE, TimePlotPanel, curve, positive
from featlearn_gui.state import AppState


class LossPanel(TimePlotPanel):
    def __init__(self, state: AppState, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(state, parent)
        plot = self.add_plot("loss", log_y=True)
        self.add_legend(plot)
        self.loss = curve(plot, LOSS, "loss L")
        self.objective = curve(plot, OBJECTIVE, "objective L<sub>λ</sub>", width=1.2, dash=True)

    def update_curves(self) -> None:
        view, n = self.state.history.view(), self.state.count
        steps = view["step"][:n]
        self.loss.setData(steps, positive(view["loss"][:n]))
        self.objective.setData(steps, positive(view["objective"][:n]))
