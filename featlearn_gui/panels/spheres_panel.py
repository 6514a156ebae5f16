"""The runs' spheres side by side (one RunView each, in the model's order) with one shared camera.

Dragging or zooming any sphere turns them all; each shows its run's snapshot at the model's step cursor. The
window's frame clock calls `draw()` once per frame, with every other panel; views whose snapshot and options
have not changed are skipped. The renderer the model asks for applies to every view.
"""

from __future__ import annotations

import functools

from PySide6 import QtCore, QtWidgets

from featlearn_gui import prompts
from featlearn_gui.model import AppModel, Run
from featlearn_gui.panels.run_view import RunView
from featlearn_gui.session import Session


class SpheresPanel(QtWidgets.QWidget):
    """Signals: branch_requested(Run) (a run header's Branch button); teacher_moved(Run, int, object, bool) (a
    teacher dragged on a run's sphere: index, direction, released); whatif_chosen(Run, str) (the what-if strip's
    choice after a drag)."""

    branch_requested = QtCore.Signal(object)
    teacher_moved = QtCore.Signal(object, int, object, bool)
    whatif_chosen = QtCore.Signal(object, str)

    def __init__(self, model: AppModel, session: Session, renderer: str = "auto",
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model, self.session = model, session
        self.views: list[RunView] = []
        self.frames_drawn = 0
        self._grid = QtWidgets.QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        model.renderer = renderer
        for signal, slot in ((model.events.selected, self._on_model_selected_changed),
                             (model.events.renderer, self._on_model_renderer_changed),
                             (model.runs_changed, self._on_model_runs_changed)):
            signal.connect(slot)
        self._on_model_runs_changed()

    @property
    def view(self):
        """The first run's SphereView (the camera every view shares)."""
        return self.views[0].view if self.views else None

    # --- the views ------------------------------------------------------------------------------------------

    def _on_model_runs_changed(self, *_args) -> None:
        """Runs came, went or moved: keep one view per run, reusing the views of runs still there."""
        by_run = {view.run: view for view in self.views}
        camera = self.view.camera() if self.views else None
        for view in self.views:
            self._grid.removeWidget(view)
        views = [by_run.pop(run, None) or self._make_view(run) for run in self.model.runs]
        for view in by_run.values():  # runs that left
            had_focus = view.isAncestorOf(QtWidgets.QApplication.focusWidget())
            view.run.events.disconnect(view._on_run_changed)
            view.hide()
            view.deleteLater()
            if had_focus:
                self.setFocus()  # not the next widget in the chain (a step box would take the arrow keys)
        self.views = views
        columns = len(views) if len(views) <= 3 else (len(views) + 1) // 2
        for i, view in enumerate(views):
            self._grid.addWidget(view, i // columns, i % columns)
            view.header.setVisible(len(views) > 1)
        for c in range(self._grid.columnCount()):
            self._grid.setColumnStretch(c, 1 if c < columns else 0)  # equal widths: equal spheres
        if views:
            if camera is not None:
                self.views[0].view.set_camera(*camera)
            self._share_camera(self.views[0])
        self._on_model_selected_changed()

    def _make_view(self, run: Run) -> RunView:
        view = RunView(run, self.model.renderer)
        view.view.camera_changed.connect(functools.partial(self._on_view_camera_changed, view))
        view.view.renderer_changed.connect(self._on_view_renderer_changed)
        view.pause_toggled.connect(functools.partial(self._on_view_pause_toggled, run))
        view.stop_requested.connect(functools.partial(self.session.stop_run, run))
        view.remove_requested.connect(functools.partial(self._on_view_remove_requested, run))
        view.clicked.connect(functools.partial(self._on_view_clicked, run))
        view.branch_requested.connect(functools.partial(self.branch_requested.emit, run))
        view.view.teacher_moved.connect(functools.partial(self.teacher_moved.emit, run))
        view.whatif.chosen.connect(functools.partial(self.whatif_chosen.emit, run))
        self.model.renderer_in_use = view.view.renderer
        return view

    # --- drawing --------------------------------------------------------------------------------------------

    def draw(self) -> None:
        """Draw each run at the cursor now (skipped while hidden: the next frame after showing catches up)."""
        if not self.isVisible():
            return
        for view in self.views:
            if view.draw(self.model.step, self.model.options):
                self.frames_drawn += 1

    def flush(self) -> None:
        self.draw()

    # --- the camera, the renderer, the selection ------------------------------------------------------------

    def _on_view_camera_changed(self, source: RunView) -> None:
        self._share_camera(source)

    def _share_camera(self, source: RunView) -> None:
        azimuth, elevation, distance = source.view.camera()
        for view in self.views:
            if view is not source:
                view.view.set_camera(azimuth, elevation, distance)  # does not emit: no echo

    def reset_camera(self) -> None:
        if self.views:
            self.views[0].view.reset_camera()  # emits camera_changed: the others follow

    def _on_model_renderer_changed(self, name: str) -> None:
        for view in self.views:
            if name != view.view.renderer or name == "auto":
                view.view.set_renderer(name)
                view.drawn = None
        if self.views:
            self.model.renderer_in_use = self.views[0].view.renderer

    @QtCore.Slot(str)
    def _on_view_renderer_changed(self, name: str) -> None:
        self.model.renderer_in_use = name

    def _on_model_selected_changed(self, *_args) -> None:
        several = len(self.views) > 1
        for view in self.views:
            view.set_selected(several and view.run is self.model.selected)

    def _on_view_clicked(self, run: Run) -> None:
        self.model.selected = run

    def _on_view_pause_toggled(self, run: Run, paused: bool) -> None:
        if paused:
            self.session.pause_run(run)
        else:
            self.session.resume_run(run)

    def _on_view_remove_requested(self, run: Run) -> None:
        if len(self.model.runs) > 1 and (not run.has_unsaved_work or prompts.ask_discard(self, f"remove {run.label}")):
            self.session.remove(run)
