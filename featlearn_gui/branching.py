"""Branch here: a child run from the snapshot on screen, with changed settings, beside its parent.

The dialog offers every optim and loss key (built from the config dataclasses, prefilled with the parent's) and a
kick; the engine builds the child's history (engine.branch: the parent's snapshots before the step, then the
child's own state there) and the session opens it like any run read from a file, so the child is a normal run:
it trains, pauses, saves (with its lineage), exports, compares and continues like the others.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from PySide6 import QtCore, QtWidgets

from engine.config import CHOICES, SECTIONS, ConfigError, RunConfig, flatten, from_dict, key_help, parse_value
from engine.history import RunHistory
from engine.lineage import KICKS, NO_KICK, Kick, name_of
from featlearn_gui import prompts
from featlearn_gui.model import AppModel, Run
from featlearn_gui.session import Session
from featlearn_gui.worker_pool import CallFailed, pool

BRANCH_SECTIONS = ("optim", "loss")  # what the dialog offers; the teacher is changed by dragging it
DEFAULT_KICK_SIZE = "0.05"


def displayed_step(model: AppModel, run: Run) -> int:
    """The step of the snapshot `run` shows at the cursor (a recorded step: where a branch can start)."""
    return int(run.history.steps[run.index_at(model.step)])


def parent_until(history: RunHistory, step: int) -> RunHistory:
    """A plain copy of `history`'s snapshots up to `step` (all of them if it was not recorded: the engine then
    names the nearest recorded step), with its lineage: what a branch needs of its parent, picklable."""
    steps = history.steps
    count = int(np.searchsorted(steps, step, side="right")) if step in steps else len(steps)
    copy = RunHistory(history.config, history.teacher, capacity=max(count, 1), dtype=history.view()["student_w"].dtype)
    for i in range(count):
        copy.append(history.snapshot(i))
    copy.lineage = getattr(history, "lineage", None)
    return copy


def lineage_text(run: Run) -> str:
    """"branched from PARENT at step S: what changed" for a branch, "" for any other run."""
    lineage = getattr(run.history, "lineage", None)
    return lineage.describe(run.config) if lineage is not None else ""


class BranchDialog(QtWidgets.QDialog):
    """The changed settings of a branch: optim and loss keys, and a kick. `choice()` gives (config, kick)."""

    def __init__(self, run: Run, step: int, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Branch {run.label} at step {step:,}")
        self.base = run.config
        self.editors: dict[str, QtWidgets.QWidget] = {}
        layout = QtWidgets.QVBoxLayout(self)
        intro = QtWidgets.QLabel(f"A new run starts from {run.label}'s students at step {step:,} and trains on with "
                                 "these settings. Steps stay absolute: λ follows the schedule at the step reached.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        values = flatten(self.base)
        for section in BRANCH_SECTIONS:
            group = QtWidgets.QGroupBox(section)
            form = QtWidgets.QFormLayout(group)
            for f in dataclasses.fields(SECTIONS[section]):
                key = f"{section}.{f.name}"
                form.addRow(f.name, self._editor(key, values[key]))
            layout.addWidget(group)
        self.editors["optim.weight_decay"].textEdited.connect(self._on_weight_decay_edited)
        layout.addWidget(self._kick_group(run.config.student.width))
        self.error = QtWidgets.QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Branch")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def _on_weight_decay_edited(self, text: str) -> None:
        """λ below its floor takes the floor with it (λ = 0 is the what-if people ask for; the floor would refuse
        it); the floor's field shows the change."""
        value, floor = parse_value(text.strip()), parse_value(self.editors["optim.weight_decay_min"].text().strip())
        numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (value, floor))
        if numbers and 0 <= value < floor:
            self.editors["optim.weight_decay_min"].setText(repr(value))

    def _editor(self, key: str, value) -> QtWidgets.QWidget:
        if key in CHOICES:
            editor = QtWidgets.QComboBox()
            editor.addItems(list(CHOICES[key]))
            editor.setCurrentText(value)
        else:
            editor = QtWidgets.QLineEdit(repr(value))
        editor.setToolTip(f"{key}: {key_help(key)}")
        self.editors[key] = editor
        return editor

    def _kick_group(self, width: int) -> QtWidgets.QGroupBox:
        group = QtWidgets.QGroupBox("kick (at the branch step)")
        form = QtWidgets.QFormLayout(group)
        self.kick_kind = QtWidgets.QComboBox()
        self.kick_kind.addItems(list(KICKS))
        self.kick_kind.setToolTip("noise: Gaussian noise of this size on every student; reset: the chosen neurons "
                                  "restart small (‖w‖ = |a| = size, random direction and sign)")
        self.kick_size = QtWidgets.QLineEdit(DEFAULT_KICK_SIZE)
        self.kick_neurons = QtWidgets.QLineEdit()
        self.kick_neurons.setPlaceholderText(f"neurons to reset, e.g. 0, 3 (0 to {width - 1})")
        self.kick_seed = QtWidgets.QSpinBox()
        self.kick_seed.setRange(0, 2**31 - 1)
        for label, widget in (("kind", self.kick_kind), ("size", self.kick_size), ("neurons", self.kick_neurons),
                              ("seed", self.kick_seed)):
            form.addRow(label, widget)
        return group

    def set_value(self, key: str, text: str) -> None:
        editor = self.editors[key]
        editor.setCurrentText(text) if isinstance(editor, QtWidgets.QComboBox) else editor.setText(text)

    def choice(self) -> tuple[RunConfig, Kick]:
        """The child's config and kick; ConfigError naming the first bad value."""
        data: dict[str, dict] = {}
        for key, editor in self.editors.items():
            text = editor.currentText() if isinstance(editor, QtWidgets.QComboBox) else editor.text().strip()
            section, _, name = key.partition(".")
            data.setdefault(section, {})[name] = text if key in CHOICES else parse_value(text)
        config = from_dict(data, base=self.base)
        kind = self.kick_kind.currentText()
        if kind == "none":
            return config, NO_KICK
        size = parse_value(self.kick_size.text().strip())
        if not isinstance(size, (int, float)) or isinstance(size, bool):
            raise ConfigError(f"kick size = {self.kick_size.text()!r} is not allowed: expected a number > 0, e.g. 0.05")
        try:
            neurons = tuple(int(j) for j in self.kick_neurons.text().replace(",", " ").split())
        except ValueError:
            raise ConfigError(f"kick neurons = {self.kick_neurons.text()!r} are not allowed: expected neuron "
                              "numbers, e.g. 0, 3") from None
        kick = Kick(kind, float(size), neurons if kind == "reset" else (), self.kick_seed.value())
        kick.check(self.base.student.width)
        return config, kick

    def accept(self) -> None:
        try:
            self.choice()
        except ConfigError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()


class Brancher(QtCore.QObject):
    """Opens the Branch dialog for a run (the selected one by default) and puts the child beside its parent."""

    def __init__(self, model: AppModel, session: Session, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.model, self.session, self._parent = model, session, parent
        self.dialog: BranchDialog | None = None

    def request(self, run: Run | None = None) -> BranchDialog | None:
        """Run ▸ Branch here…: the dialog for the snapshot of `run` on screen (opened, not waited for)."""
        run = run or self.model.selected
        if run is None or not run.count:
            return None
        self.model.playing = False  # the snapshot on screen is the one branched from
        step = displayed_step(self.model, run)
        dialog = self.dialog = BranchDialog(run, step, self._parent)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.branch(run, step, *dialog.choice()))
        dialog.finished.connect(lambda _result: self._on_dialog_finished(dialog))
        dialog.open()
        return dialog

    def _on_dialog_finished(self, dialog: BranchDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _free_label(self, label: str) -> str:
        """`label`, or `label (2)`, (3), ... when a run of the window has it already."""
        taken = {run.label for run in self.model.runs}
        return next(f"{label} ({n})" if n > 1 else label for n in range(1, len(taken) + 2)
                    if (f"{label} ({n})" if n > 1 else label) not in taken)

    def branch(self, run: Run, step: int, config: RunConfig, kick: Kick = NO_KICK) -> Run | None:
        """The child of `run` at recorded `step`, added right after it and selected; None (after saying why) if it
        cannot start."""
        try:
            # A training process builds the child (engine.branch trains it to its own state at the step): this
            # process does not import torch. It gets a plain copy of the parent up to the step.
            history = pool().call("branch_history", parent_until(run.history, step), step, config, kick,
                                  name_of(run.path, run.label))
        except (ConfigError, CallFailed) as exc:
            prompts.show_error(self._parent, "Cannot branch the run", str(exc))
            return None
        child = self.session.make_run(history, label=self._free_label(f"{run.label} @ {step:,}"))
        child.saved = False  # trained state that exists nowhere else yet
        self.session.add(child)
        runs = self.model.runs
        if run in runs and runs.index(child) != runs.index(run) + 1:
            runs.move(runs.index(child), runs.index(run) + 1)
        self.model.selected = child
        return child
