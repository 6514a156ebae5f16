"""One run's sphere: a header (its colour, label, what differs, status, pause, stop, remove) above the app's
SphereView, and its own dismissible failure message, so a diverged run says so where people look without stopping
the others. With one run in the window the header is hidden: the window then looks like a single-run app.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from featlearn_gui.branching import lineage_text
from featlearn_gui.model import Run
from featlearn_gui.panels.whatif_bar import WhatIfBar
from featlearn_gui.scene import ViewOptions
from featlearn_gui.views.sphere_view import SphereView

Icon = QtWidgets.QStyle.StandardPixmap
STATUS_TEXT = {"ready": "waiting for play", "running": "training", "paused": "paused", "stopped": "stopped",
               "finished": "finished", "failed": "failed", "loaded": "from a file"}


class ElidedLabel(QtWidgets.QLabel):
    """Plain text cut with "…" to the width the layout gives it, never wider; the whole text in the tooltip.

    A header shares one row with its buttons, and every run's sphere gets the same width, so a long label or a
    long "what differs" must give way; cut mid-character ("λ = 0.(") it would misread, so it is elided.
    """

    def __init__(self, tip: str = "", parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._tip = tip  # a tooltip of its own (e.g. the long form of what differs), else the whole text when cut
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Preferred)

    @property
    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str, tip: str = "") -> None:
        self._full, self._tip = text, tip
        self.updateGeometry()
        self._elide()

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt override)
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + margins.left() + margins.right() + 2
        return QtCore.QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt override)
        return QtCore.QSize(self.fontMetrics().horizontalAdvance("W…"), super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, QtCore.Qt.TextElideMode.ElideRight,
                                              self.contentsRect().width())
        super().setText(shown)
        self.setToolTip(self._tip or (self._full if shown != self._full else ""))


class RunView(QtWidgets.QFrame):
    """Signals: pause_toggled(bool) (the run's own pause button), stop_requested(), remove_requested(),
    clicked() (the person clicked the header: select this run), branch_requested() (Branch here)."""

    pause_toggled = QtCore.Signal(bool)
    stop_requested = QtCore.Signal()
    remove_requested = QtCore.Signal()
    clicked = QtCore.Signal()
    branch_requested = QtCore.Signal()

    def __init__(self, run: Run, renderer: str = "auto", parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.run = run
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.view = SphereView(self, renderer=renderer)
        self.drawn: tuple | None = None  # (index, options) on screen: redraw only when it changes
        self._build_header()
        self._build_banner()
        # While a teacher is dragged: the certificate's verdict and what to do with it, floating over the sphere's
        # top edge (in the layout it would shrink the sphere under the pointer as it appears).
        self.whatif = WhatIfBar(self.view)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.header)
        layout.addWidget(self.banner)
        layout.addWidget(self.view, 1)
        run.events.connect(self._on_run_changed)
        self._on_run_changed()

    def _build_banner(self) -> None:
        self.banner = QtWidgets.QFrame()
        self.banner.setStyleSheet("QFrame { background: #fdecea; border: 1px solid #d32f2f; border-radius: 3px; }"
                                  "QLabel { color: #611a15; border: none; }")
        self.banner_label = QtWidgets.QLabel()
        self.banner_label.setWordWrap(True)
        self.banner_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QtWidgets.QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.banner.hide)
        row = QtWidgets.QHBoxLayout(self.banner)
        row.setContentsMargins(8, 4, 4, 4)
        row.addWidget(self.banner_label, 1)
        row.addWidget(close)
        self.banner.hide()

    def _build_header(self) -> None:
        self.header = QtWidgets.QWidget()
        self.swatch = QtWidgets.QLabel()
        self.swatch.setFixedSize(14, 14)
        self.swatch.setToolTip("this run's colour in the plots and the table")
        self.title = ElidedLabel()
        self.title.setStyleSheet("font-size: 11pt; font-weight: bold;")
        self.differs = ElidedLabel()
        self.differs.setStyleSheet("color: #555;")
        # The header must not widen its view: every run gets the same width, so the spheres are the same size.
        self.differs.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
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
        self.branch_button = QtWidgets.QToolButton()
        self.branch_button.setText("Branch")
        self.branch_button.setAutoRaise(True)
        self.branch_button.setToolTip("Branch here: a new run from the snapshot on screen, with changed settings "
                                      "(Ctrl+B)")
        self.branch_button.clicked.connect(self.branch_requested)
        self.remove_button = QtWidgets.QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setToolTip("Remove this run from the window")
        self.remove_button.clicked.connect(self.remove_requested)
        row = QtWidgets.QHBoxLayout(self.header)
        row.setContentsMargins(4, 2, 2, 2)
        row.addWidget(self.swatch)
        row.addWidget(self.title)
        row.addWidget(self.differs, 1)
        row.addWidget(self.status)
        row.addWidget(self.pause_button)
        row.addWidget(self.stop_button)
        row.addWidget(self.branch_button)
        row.addWidget(self.remove_button)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.clicked.emit()
        super().mousePressEvent(event)

    def set_selected(self, selected: bool) -> None:
        """Outline the run the Experiment and certificate panels show (only when there is a choice)."""
        self.setStyleSheet(f"RunView {{ border: 2px solid {self.run.colour}; }}" if selected else "")

    def _on_run_changed(self, info=None) -> None:
        if info is not None and info.signal.name in ("count", "saved"):
            return  # many times a second while training; the header shows none of it
        run = self.run
        self.swatch.setStyleSheet(f"background: {run.colour}; border-radius: 7px;")
        self.title.set_full_text(run.label)
        short, full = run.differences
        lineage = lineage_text(run)  # a branch says where it came from and what it changed
        self.differs.set_full_text(lineage or short, "\n\n".join(filter(None, [
            lineage, f"What differs from the other runs:\n{full}" if full else ""])))
        self.status.setText(STATUS_TEXT[run.status])
        self.status.setToolTip(run.message)
        controllable = not run.done
        self.pause_button.setEnabled(controllable)
        self.stop_button.setEnabled(controllable)
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(run.status == "paused")
        self.pause_button.blockSignals(False)
        if run.status == "failed" and not self.banner.isVisibleTo(self):
            self.banner_label.setText(f"<b>The run stopped.</b> {run.message}. Its history up to there stays on "
                                      "screen; change the experiment or press Reset.")
            self.banner.show()
        elif run.status != "failed":
            self.banner.hide()

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
