"""One run's sphere in a comparison: a header (its colour, label, what differs, status, pause and stop) above the
app's SphereView, and its own failure message, so a diverged run says so where people look without stopping the
others.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from featlearn_gui.compare.compare_run import CompareRun
from featlearn_gui.scene import ViewOptions
from featlearn_gui.views.sphere_view import SphereView

Icon = QtWidgets.QStyle.StandardPixmap
STATUS_TEXT = {"ready": "waiting for play", "running": "training", "paused": "paused", "stopped": "stopped",
               "finished": "finished", "failed": "failed", "loaded": "from a file"}


class RunView(QtWidgets.QFrame):
    """Signals: pause_toggled(bool) (the run's own pause button), stop_requested()."""

    pause_toggled = QtCore.Signal(bool)
    stop_requested = QtCore.Signal()

    def __init__(self, run: CompareRun, colour: str, renderer: str = "auto",
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.run = run
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.view = SphereView(self, renderer=renderer)
        self.drawn: tuple | None = None  # (index, options) on screen: redraw only when it changes
        self._build_header(colour)
        self.banner = QtWidgets.QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fdecea; border: 1px solid #d32f2f; color: #611a15; padding: 4px;")
        self.banner.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.header)
        layout.addWidget(self.banner)
        layout.addWidget(self.view, 1)
        run.changed.connect(self._on_run_changed)
        self._on_run_changed()

    def _build_header(self, colour: str) -> None:
        self.header = QtWidgets.QWidget()
        swatch = QtWidgets.QLabel()
        swatch.setFixedSize(14, 14)
        swatch.setStyleSheet(f"background: {colour}; border-radius: 7px;")
        swatch.setToolTip("this run's colour in the plots and the table")
        self.title = QtWidgets.QLabel(f"<b>{self.run.label}</b>")
        self.title.setStyleSheet("font-size: 11pt;")
        short, full = self.run.differences
        self.differs = QtWidgets.QLabel(short)
        self.differs.setStyleSheet("color: #555;")
        self.differs.setToolTip(f"What differs from the other runs:\n{full}")
        # The header must not widen its view: every run gets the same width, so the spheres are the same size.
        self.differs.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.differs.setMinimumWidth(10)
        self.status = QtWidgets.QLabel()
        self.status.setStyleSheet("color: #555;")
        self.pause_button = QtWidgets.QToolButton()
        self.pause_button.setCheckable(True)
        self.pause_button.setIcon(self.style().standardIcon(Icon.SP_MediaPause))
        self.pause_button.setToolTip("Pause this run only; the others keep training")
        self.pause_button.toggled.connect(self.pause_toggled)
        self.stop_button = QtWidgets.QToolButton()
        self.stop_button.setIcon(self.style().standardIcon(Icon.SP_MediaStop))
        self.stop_button.setToolTip("Stop this run for good (its history stays on screen)")
        self.stop_button.clicked.connect(self.stop_requested)
        row = QtWidgets.QHBoxLayout(self.header)
        row.setContentsMargins(4, 2, 2, 2)
        row.addWidget(swatch)
        row.addWidget(self.title)
        row.addWidget(self.differs, 1)
        row.addWidget(self.status)
        row.addWidget(self.pause_button)
        row.addWidget(self.stop_button)

    @QtCore.Slot()
    def _on_run_changed(self) -> None:
        run = self.run
        self.status.setText(STATUS_TEXT[run.status])
        self.status.setToolTip(run.message)
        controllable = run.worker is not None and not run.done
        self.pause_button.setEnabled(controllable)
        self.stop_button.setEnabled(controllable)
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(run.status == "paused")
        self.pause_button.blockSignals(False)
        if run.status == "failed":
            self.banner.setText(f"<b>This run stopped.</b> {run.message}. Its history up to there stays on screen; "
                                "the other runs carry on.")
        self.banner.setVisible(run.status == "failed")

    def needs_draw(self, step: int, options: ViewOptions) -> bool:
        return self.run.count > 0 and (self.run.index_at(step), options) != self.drawn

    def draw(self, step: int, options: ViewOptions) -> bool:
        """Show the run at the shared cursor `step`; True when something new was drawn."""
        run = self.run
        if not self.needs_draw(step, options):
            return False
        key = (run.index_at(step), options)
        self.view.set_frame(run.history, key[0], options)
        self.drawn = key
        return True

    @property
    def displayed_step(self) -> int:
        """The step of the snapshot on screen (tests, and the lock-step promise)."""
        return int(self.run.history.steps[self.drawn[0]]) if self.drawn else -1
