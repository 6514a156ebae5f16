"""Words on screen: Help → "What am I looking at?" and Help → "Guided tour".

- `HelpDialog`: a non-modal window explaining every panel with the numbers of the selected run at the cursor
  (`featlearn_gui.explain`), updated as the cursor moves.
- `TourController`: plays the window's run and pauses at the stops of `featlearn_gui.tour_stops`, with the caption
  drawn over the spheres. It drives the window's AppModel only (`playing`, `set_step`): the window trains as
  usual. Space (the window's play action) continues; Esc leaves.
- `start_tour(window, name)`: Help → Guided tour (the entries are in featlearn_gui.actions).

The theory these texts tell is in docs/theory.md.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from engine.metrics_series import MetricsSeries
from featlearn_gui.explain import help_html
from featlearn_gui.model import AppModel, Run
from featlearn_gui.tour_stops import tour_stops

HELP_SHORTCUT = "Shift+F1"  # F1 lists the shortcuts
HELP_REFRESH_MS = 150
CAPTION_STYLE = ("QLabel { background: rgba(30, 33, 38, 215); color: white; border-radius: 6px; padding: 10px 14px;"
                 " font-size: 13pt; }")
CAPTION_HINT = "<br><span style='font-size:9pt; color:#c8c8c8'>Space: continue · Esc: leave the tour</span>"
TOUR_TITLES = {"paper": "The paper's setting", "three-stage": "The three-stage procedure"}


class HelpDialog(QtWidgets.QDialog):
    """What am I looking at? Every panel in words, with the selected run's numbers at the cursor."""

    def __init__(self, model: AppModel, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setWindowTitle("What am I looking at?")
        self.setModal(False)
        self.resize(620, 720)
        self.browser = QtWidgets.QTextBrowser()
        self.browser.setOpenLinks(False)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.browser)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self._timer = QtCore.QTimer(self, singleShot=True, interval=HELP_REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        model.events.step.connect(self._on_model_changed)
        model.events.selected.connect(self._on_model_changed)
        model.events.options.connect(self._on_model_changed)  # the words follow the colours and the fold
        model.run_changed.connect(self._on_model_run_changed)
        self.shown_step: int | None = None

    def _on_model_changed(self, *_args) -> None:
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    def _on_model_run_changed(self, run: Run, name: str) -> None:
        if run is self.model.selected and name in ("count", "label"):
            self._on_model_changed()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        run, model = self.model.selected, self.model
        if run is None or run.count == 0:
            self.browser.setHtml("<p>No run yet.</p>")
            self.shown_step = None
            return
        index = run.index_at(model.step)
        scroll = self.browser.verticalScrollBar().value()
        self.browser.setHtml(help_html(run.history, index, run.label, several=len(model.runs) > 1,
                                       options=model.options))
        self.browser.verticalScrollBar().setValue(scroll)
        self.shown_step = int(run.history.steps[index])


class TourController(QtCore.QObject):
    """Plays the selected run and pauses at each tour stop with its caption over `host` (the spheres)."""

    caption_changed = QtCore.Signal(str)
    finished = QtCore.Signal()

    def __init__(self, model: AppModel, host: QtWidgets.QWidget, window: QtWidgets.QWidget) -> None:
        super().__init__(window)
        self.model, self.host = model, host
        self.active = False
        self.stops: list[tuple[int, str]] = []
        self.shown: int = -1  # the step of the stop on screen (or last passed)
        self.caption = QtWidgets.QLabel(host)
        self.caption.setObjectName("tourCaption")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet(CAPTION_STYLE)
        self.caption.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.caption.hide()
        host.installEventFilter(self)
        self.leave_shortcut = QtGui.QShortcut(QtGui.QKeySequence("Esc"), window, self.leave)
        self.leave_shortcut.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        self.leave_shortcut.setEnabled(False)
        self._series: MetricsSeries | None = None
        self._run: Run | None = None
        model.events.step.connect(self._on_model_step_changed)
        model.events.playing.connect(self._on_model_playing_changed)
        model.events.selected.connect(self._on_model_selected_changed)
        model.run_changed.connect(self._on_model_run_changed)

    # --- driving ------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Begin at step 0, paused on the first stop."""
        run = self.model.selected
        if run is None:
            return
        self.active, self._run, self._series = True, run, run.metrics
        self.leave_shortcut.setEnabled(True)
        self.model.playing = False
        self.model.set_step(0)
        self._refresh_stops()
        self._pause_at(self.stops[0] if self.stops else (0, ""))

    def leave(self) -> None:
        if not self.active:
            return
        self.active = False
        self.leave_shortcut.setEnabled(False)
        self.caption.hide()
        self.finished.emit()

    def _refresh_stops(self) -> None:
        run = self._run
        if run is not None and run.count:
            stops = tour_stops(run.history, self._series, colour=self.model.options.colour)
            self.stops = [(s, c) for s, c in stops if s <= run.last_step]

    def _pause_at(self, stop: tuple[int, str]) -> None:
        step, caption = stop
        self.shown = step
        self.model.playing = False
        if self.model.step != step:
            self.model.set_step(step)
        # Stay here even though the run trained a little further meanwhile (its training runs ahead of the screen
        # by a fraction of a second): Space replays from here.
        self.model.following = False
        self.caption.setText(caption + CAPTION_HINT)
        self._place_caption()
        self.caption.show()
        self.caption.raise_()
        self.caption_changed.emit(caption)

    def _check(self) -> None:
        """Pause at the first stop passed since the last one shown."""
        if not (self.active and self.model.playing):
            return
        self._refresh_stops()
        for stop in self.stops:
            if self.shown < stop[0] <= self.model.step:
                self._pause_at(stop)
                return

    @property
    def at_last_stop(self) -> bool:
        run = self._run
        return bool(self.stops) and self.shown == self.stops[-1][0] and run is not None and run.done

    # --- model events -------------------------------------------------------------------------------------

    def _on_model_step_changed(self, step: int) -> None:
        if self.active and step < self.shown:
            self.shown = step  # scrubbed back: the stops after here come again
        self._check()

    def _on_model_selected_changed(self, run) -> None:
        if self.active and run is not self._run:
            self.leave()  # another run (or a new experiment) on screen: this tour is over

    def _on_model_playing_changed(self, playing: bool) -> None:
        if not (self.active and playing):
            return
        if self._run is not self.model.selected or self.at_last_stop:
            self.leave()  # Space at the end: the tour is over
            return
        self.caption.hide()

    def _on_model_run_changed(self, run: Run, name: str) -> None:
        if self.active and run is self._run and name in ("count", "status"):
            self._check()

    # --- the caption's place: along the bottom of the spheres ---------------------------------------------

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if watched is self.host and event.type() == QtCore.QEvent.Type.Resize and self.caption.isVisible():
            self._place_caption()
        return False

    def _place_caption(self) -> None:
        margin = 16
        width = max(200, self.host.width() - 2 * margin)
        self.caption.setFixedWidth(min(width, 900))
        self.caption.adjustSize()
        x = (self.host.width() - self.caption.width()) // 2
        self.caption.move(max(x, margin), max(self.host.height() - self.caption.height() - margin, 0))


def start_tour(window, name: str) -> bool:
    """Load the preset `name` unless the selected run is it (asking before discarding work), then tour it."""
    run = window.model.selected
    if (run is None or run.preset_name != name) and not window.files.load_preset(name):
        return False
    window.tour.start()
    return True
