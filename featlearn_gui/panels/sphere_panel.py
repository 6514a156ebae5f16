"""Binds the sphere view to the model: the snapshot at the cursor, the view options, and the renderer.

Redraws are throttled (featlearn_gui.throttle): several changes in a burst (the history grew, the cursor followed
it) draw one frame.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from featlearn_gui.state import AppState
from featlearn_gui.throttle import Throttle
from featlearn_gui.views.sphere_view import SphereView

SPHERE_INTERVAL_MS = 33  # the sphere is what people watch: 30 frames a second, one per event-loop pass at most
SPHERE_SLOWEST_MS = 100  # however hard training runs, the sphere keeps 10 frames a second


class SpherePanel(QtWidgets.QWidget):
    def __init__(self, state: AppState, renderer: str = "auto", parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.view = SphereView(self, renderer=renderer)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.frames_drawn = 0
        self.drawn_index = -1  # the snapshot on screen, for tests and scripted screenshots
        self.throttle = Throttle(SPHERE_INTERVAL_MS, self.draw, self, max_interval_ms=SPHERE_SLOWEST_MS)
        state.request_renderer(renderer)
        state.note_renderer_in_use(self.view.renderer)
        state.run_replaced.connect(self._on_state_changed)
        state.index_changed.connect(self._on_state_changed)
        state.options_changed.connect(self._on_state_changed)
        state.renderer_changed.connect(self._on_state_renderer_changed)
        self.view.renderer_changed.connect(self._on_view_renderer_changed)

    @QtCore.Slot()
    def _on_state_changed(self, *_args) -> None:
        self.throttle.request()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.throttle.request()  # catch up with what changed while hidden

    def draw(self) -> None:
        """Draw the snapshot at the cursor now (skipped while hidden: showEvent catches up)."""
        history = self.state.history
        if history is None or self.state.count == 0 or not self.isVisible():
            return
        self.view.set_frame(history, self.state.index, self.state.options)
        self.frames_drawn += 1
        self.drawn_index = self.state.index

    @QtCore.Slot()
    def _on_state_renderer_changed(self) -> None:
        if self.state.renderer != self.view.renderer or self.state.renderer == "auto":
            self.view.set_renderer(self.state.renderer)
            self.state.note_renderer_in_use(self.view.renderer)
            self._on_state_changed()

    @QtCore.Slot(str)
    def _on_view_renderer_changed(self, name: str) -> None:
        self.state.note_renderer_in_use(name)
