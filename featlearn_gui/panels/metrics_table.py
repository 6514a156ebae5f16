"""The final metrics of each run, one row per run: loss, max active angle, far mass and its share of all mass,
and the mass captured at each teacher against a*. The numbers come from the run's metrics (`Run.metrics`,
computed once per snapshot) at its last snapshot (updated while it trains), so the table answers "which regime
cleaned up?" without reading curves.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from engine.metrics import ACTIVE_FRACTION, CLOSE_DEG
from featlearn_gui.model import AppModel, Run
from featlearn_gui.panels.run_view import STATUS_TEXT

COLUMNS = ("run", "what differs", "status", "last step", "loss L", "population L", "max active angle", "far mass",
           "far / all mass",
           "captured mass (a*)")
TIPS = {
    "loss L": "the training loss: on the samples for empirical and online runs",
    "population L": "the exact population loss (equal to L for population runs)",
    "max active angle": f"largest angle of a neuron with ≥ {ACTIVE_FRACTION:g} of the largest mass to its nearest "
                        "teacher",
    "far mass": f"Σ |a_j|‖w_j‖ over neurons more than {CLOSE_DEG:g}° from every teacher",
    "far / all mass": "far mass as a share of Σ |a_j|‖w_j‖: 0 when every neuron sits on a teacher",
    "captured mass (a*)": f"Σ a_j‖w_j‖ over neurons within {CLOSE_DEG:g}° of each teacher; in brackets a_i*",
}


def final_row(run: Run) -> list[str]:
    """The row's texts at the run's last announced snapshot (its metrics read from `Run.metrics`)."""
    history, index = run.history, max(run.count - 1, 0)
    if run.count == 0:
        return [run.label, run.differences[0], STATUS_TEXT[run.status]] + [""] * (len(COLUMNS) - 3)
    snap, metrics = history.snapshot(index), run.metrics
    far = float(metrics.far_mass[index])
    total = float(np.sum(np.abs(snap.student_a) * np.linalg.norm(snap.student_w, axis=1)))
    share = far / total if total > 0 else 0.0
    captured = " ".join(f"{c:+.2f}" for c in metrics.captured[index])
    targets = " ".join(f"{a:+g}" for a in history.teacher.a)
    population = snap.loss if snap.population_loss is None else snap.population_loss
    return [run.label, run.differences[0], STATUS_TEXT[run.status], f"{snap.step:,}", f"{snap.loss:.3g}",
            f"{population:.3g}",
            f"{float(metrics.max_active_angle_deg[index]):.1f}°", f"{far:.3g}", f"{100 * share:.3g}%",
            f"{captured}  ({targets})"]


def _swatch(colour: str) -> QtGui.QIcon:
    pixmap = QtGui.QPixmap(12, 12)
    pixmap.fill(QtGui.QColor(colour))
    return QtGui.QIcon(pixmap)


class MetricsTable(QtWidgets.QTableWidget):
    """One row per run of the model, in its order; clicking a row selects that run. Shown when N > 1."""

    def __init__(self, model: AppModel, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.model = model
        self._shown: dict[Run, tuple] = {}
        self.setHorizontalHeaderLabels(list(COLUMNS))
        for c, name in enumerate(COLUMNS):
            self.horizontalHeaderItem(c).setToolTip(TIPS.get(name, ""))
        self.verticalHeader().hide()
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # arrow keys belong to the window's step actions
        self.setAlternatingRowColors(True)
        # Never wider than the window makes room for: the columns scroll instead of widening the window.
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.cellClicked.connect(self._on_cell_clicked)
        self.refresh()

    def refresh(self, grown: bool = True) -> None:
        """Rows for the runs on screen; recompute those whose run changed status or (`grown`) recorded more."""
        runs = list(self.model.runs)
        if self.rowCount() != len(runs) or list(self._shown) != runs:
            self._rebuild(runs)
        for r, run in enumerate(runs):
            key = (run.count, run.status, run.label, run.differences)
            shown = self._shown.get(run)
            if key == shown or (not grown and shown is not None and shown[1:] == key[1:]):
                continue
            self._shown[run] = key
            for c, text in enumerate(final_row(run)):
                self.item(r, c).setText(text)
            self.item(r, 0).setIcon(_swatch(run.colour))
            self.item(r, 2).setToolTip(run.message)
            self.item(r, 1).setToolTip(run.differences[1])
        self.setFixedHeight(self.preferred_height())

    def _rebuild(self, runs: list[Run]) -> None:
        self.setRowCount(len(runs))
        self._shown = {run: () for run in runs}
        for r in range(len(runs)):
            for c in range(len(COLUMNS)):
                item = QtWidgets.QTableWidgetItem()
                if c >= 3:
                    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                self.setItem(r, c, item)

    def _on_cell_clicked(self, row: int, _column: int) -> None:
        if row < len(self.model.runs):
            self.model.selected = self.model.runs[row]

    def values(self, r: int) -> dict[str, str]:
        """Row r as {column: text} (tests)."""
        return {name: self.item(r, c).text() for c, name in enumerate(COLUMNS)}

    def preferred_height(self) -> int:
        rows = sum(self.rowHeight(r) for r in range(self.rowCount()))
        scroll = self.horizontalScrollBar()
        bar = scroll.sizeHint().height() if scroll.maximum() > 0 else 0  # columns wider than the window scroll
        return rows + self.horizontalHeader().height() + 2 * self.frameWidth() + 2 + bar
