"""The final metrics of each run, one row per run: loss, max active angle, far mass and its share of all mass, the
share of the mass in the teacher span, and the mass captured at each teacher against a*. The numbers come from the
run's metrics (`Run.metrics`, computed once per snapshot) at its last snapshot (updated while it trains), so the
table answers "which regime cleaned up?" without reading curves.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from engine.metrics import ACTIVE_FRACTION, CLOSE_DEG, spans_input_space
from featlearn_gui.model import AppModel, Run
from featlearn_gui.panels.run_view import STATUS_TEXT

COLUMNS = ("run", "what differs", "status", "last step", "loss L", "population L", "max active angle", "far mass",
           "far / all mass", "in teacher span",
           "captured mass (a*)")
# What the header shows: the long names on two lines, so every column fits a laptop's width without scrolling.
HEADERS = {"what differs": "what\ndiffers", "last step": "last\nstep", "population L": "population\nL",
           "max active angle": "max active\nangle",
           "far / all mass": "far /\nall mass", "in teacher span": "in teacher\nspan",
           "captured mass (a*)": "captured mass\n(a*)"}
STRETCH = "what differs"  # the one column that gives way (elided, whole in its tooltip) when room is short
# Hidden, in this order, when the columns still do not fit (a laptop at 150 %): each run's header shows its status,
# and the transport the step.
OPTIONAL = ("status", "last step")
TIPS = {
    "loss L": "the training loss: on the samples for empirical and online runs",
    "population L": "the exact population loss (equal to L for population runs)",
    "max active angle": f"largest angle of a neuron with ≥ {ACTIVE_FRACTION:g} of the largest mass to its nearest "
                        "teacher",
    "far mass": f"Σ |a_j|‖w_j‖ over neurons more than {CLOSE_DEG:g}° from every teacher",
    "far / all mass": "far mass as a share of Σ |a_j|‖w_j‖: 0 when every neuron sits on a teacher",
    "in teacher span": "Σ |a_j|·‖P w_j‖ / Σ |a_j|‖w_j‖ with P the projection onto the span of the teacher "
                       "directions; 1 by construction when the teachers span all of R^d",
    "captured mass (a*)": f"Σ a_j‖w_j‖ over neurons within {CLOSE_DEG:g}° of each teacher; in brackets a_i*",
}


def targets_text(run: Run) -> str:
    return " ".join(f"{a:+g}" for a in run.history.teacher.a)


def final_row(run: Run, with_targets: bool = True) -> list[str]:
    """The row's texts at the run's last announced snapshot (its metrics read from `Run.metrics`); `with_targets`:
    a* in brackets after the captured masses (left out when every run has the same a*: the header says it once)."""
    history, index = run.history, max(run.count - 1, 0)
    if run.count == 0:
        return [run.label, run.differences[0], STATUS_TEXT[run.status]] + [""] * (len(COLUMNS) - 3)
    snap, metrics = history.snapshot(index), run.metrics
    far = float(metrics.far_mass[index])
    total = float(np.sum(np.abs(snap.student_a) * np.linalg.norm(snap.student_w, axis=1)))
    share = far / total if total > 0 else 0.0
    captured = " ".join(f"{c:+.2f}" for c in metrics.captured[index])
    population = snap.loss if snap.population_loss is None else snap.population_loss
    span = "1 by construction" if spans_input_space(history.teacher.w) else f"{100 * metrics.span_share[index]:.3g}%"
    return [run.label, run.differences[0], STATUS_TEXT[run.status], f"{snap.step:,}", f"{snap.loss:.3g}",
            f"{population:.3g}",
            f"{float(metrics.max_active_angle_deg[index]):.1f}°", f"{far:.3g}", _percent(share), span,
            f"{captured}  ({targets_text(run)})" if with_targets else captured]


def _percent(share: float) -> str:
    """0%, <0.01% (rounding: far mass of 1e-17 next to a total of 3), 0.0359%, 100%."""
    if share == 0:
        return "0%"
    return "<0.01%" if share < 1e-4 else f"{100 * share:.3g}%"


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
        self.setHorizontalHeaderLabels([HEADERS.get(name, name) for name in COLUMNS])
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
        self.setTextElideMode(QtCore.Qt.TextElideMode.ElideRight)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index(STRETCH), QtWidgets.QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.cellClicked.connect(self._on_cell_clicked)
        self.refresh()

    def refresh(self, grown: bool = True) -> None:
        """Rows for the runs on screen; recompute those whose run changed status or (`grown`) recorded more."""
        runs = list(self.model.runs)
        if self.rowCount() != len(runs) or list(self._shown) != runs:
            self._rebuild(runs)
        targets = {targets_text(run) for run in runs}
        shared = targets.pop() if len(targets) == 1 else None
        captured = COLUMNS.index("captured mass (a*)")
        self.horizontalHeaderItem(captured).setText(f"captured mass\n(a* = {shared})" if shared else
                                                    HEADERS["captured mass (a*)"])
        for r, run in enumerate(runs):
            key = (run.count, run.status, run.label, run.differences, shared)
            shown = self._shown.get(run)
            if key == shown or (not grown and shown is not None and shown[1:] == key[1:]):
                continue
            self._shown[run] = key
            for c, text in enumerate(final_row(run, with_targets=shared is None)):
                self.item(r, c).setText(text)
            self.item(r, 0).setIcon(_swatch(run.colour))
            self.item(r, 2).setToolTip(run.message)
            self.item(r, 1).setToolTip(run.differences[1])
        self._fit_columns()
        self.setFixedHeight(self.preferred_height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Show every column that fits; hide those of OPTIONAL, in order, while the others do not fit."""
        header = self.horizontalHeader()
        for name in OPTIONAL:
            self.setColumnHidden(COLUMNS.index(name), False)
        for name in OPTIONAL:
            if header.length() - header.sectionSize(COLUMNS.index(STRETCH)) + header.minimumSectionSize() \
                    <= self.viewport().width():
                break
            self.setColumnHidden(COLUMNS.index(name), True)

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
