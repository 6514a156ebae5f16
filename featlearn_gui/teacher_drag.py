"""Dragging a teacher on a sphere view: the pre-certificate answers live, and the dropped teacher can be tried.

While a teacher is dragged, its run's view shows the run's snapshot against the moved teacher with the
pre-certificate heat map, and the what-if strip above it says max |η| away from the teachers and the verdict
(featlearn_gui.moved_teacher). On release the strip offers a run from step 0 with that teacher, a branch of the
run at the step on screen against it, or putting it back. The run itself never changes: both choices add a run.
While a moved teacher is pending, the Experiment panel's teacher fields edit it (its a*: signs and weights, or
exact directions), and the certificate answers again.
"""

from __future__ import annotations

import dataclasses
import time

from PySide6 import QtCore

from engine.config import RunConfig
from engine.initial import make_teacher
from engine.sweep.summary import certificate_max
from featlearn_gui.branching import Brancher, displayed_step
from featlearn_gui.model import AppModel, Run
from featlearn_gui.moved_teacher import DraftHistory, MovedTeacher, move_teacher


class TeacherDrag(QtCore.QObject):
    """The window's teacher drags: one moved teacher per run at most, until it is used or put back.

    Signals: draft_changed(Run, object): the run's moved teacher as a config (None: put back or used)."""

    draft_changed = QtCore.Signal(object, object)

    def __init__(self, model: AppModel, spheres, brancher: Brancher, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.model, self.spheres, self.brancher = model, spheres, brancher
        self.moved: dict[Run, MovedTeacher] = {}
        self.update_seconds: list[float] = []  # how long each live update took (the benchmark reads it)
        spheres.teacher_moved.connect(self.on_moved)
        spheres.whatif_chosen.connect(self.on_chosen)
        model.events.step.connect(self._on_model_frame_changed)
        model.events.options.connect(self._on_model_frame_changed)

    def _on_model_frame_changed(self, *_args) -> None:
        """A pending teacher stays on screen as the cursor moves: its run's view shows the new step against it."""
        for run, moved in list(self.moved.items()):
            view = self._view(run)
            if view is not None and run.count:
                self._show(run, view, moved, released=True)

    def _view(self, run: Run):
        return next((view for view in self.spheres.views if view.run is run), None)

    def on_moved(self, run: Run, index: int, direction, released: bool) -> None:
        """Teacher `index` of `run` dragged to `direction` (None: the pointer is off the sphere)."""
        view = self._view(run)
        if view is None or not run.count:
            return
        start = time.perf_counter()
        self.model.playing = False  # the snapshot on screen is what a branch would start from
        if direction is not None:
            self.moved[run] = move_teacher(run.history, index, direction)
        moved = self.moved.get(run)
        if moved is not None:
            self._show(run, view, moved, released)
            self.update_seconds.append(time.perf_counter() - start)

    def config_for(self, run: Run | None) -> RunConfig | None:
        """The config of `run`'s moved teacher while one is pending (what the Experiment panel's teacher fields
        edit), else None."""
        moved = self.moved.get(run) if run is not None else None
        return moved.config if moved is not None else None

    def edit(self, run: Run, config: RunConfig) -> None:
        """The Experiment panel changed the pending teacher (its a*, or its directions): the certificate answers."""
        view, old = self._view(run), self.moved.get(run)
        if view is None or old is None:
            return
        teacher = make_teacher(config, None)  # a pending teacher's config always gives explicit directions
        value = certificate_max(teacher, config.model.activation, config.is_even)
        self.moved[run] = MovedTeacher(old.index, teacher, config, "", value)
        self._show(run, view, self.moved[run], released=True)

    def _show(self, run: Run, view, moved: MovedTeacher, released: bool) -> None:
        frame = run.index_at(self.model.step)
        view.view.set_frame(DraftHistory(run.history, moved), frame,
                            dataclasses.replace(self.model.options, certificate="pre"))
        view.drawn = (frame, self.model.options)  # the draft stays until the cursor or the options change
        view.whatif.show_verdict(moved.describe(), moved.certified, bool(moved.refusal), released)
        self.draft_changed.emit(run, moved.config)

    def on_chosen(self, run: Run, action: str) -> Run | None:
        """The strip's choice: "run" (from step 0), "branch" (at the step on screen) or "cancel"."""
        moved = self.moved.get(run)
        new = None
        if moved is not None and moved.config is not None and action == "run":
            new = self.brancher.session.make_run(moved.config, label=f"{run.label}, teacher {moved.index + 1} moved")
            self.brancher.session.add(new)
            self.model.selected = new
        elif moved is not None and moved.config is not None and action == "branch":
            new = self.brancher.branch(run, displayed_step(self.model, run), moved.config)
        self.put_back(run)
        return new

    def put_back(self, run: Run) -> None:
        if self.moved.pop(run, None) is not None:
            self.draft_changed.emit(run, None)
        view = self._view(run)
        if view is not None:
            view.whatif.hide()
            view.drawn = None  # the next frame draws the run again
