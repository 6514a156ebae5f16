"""The app's one model: an ordered set of runs, one cursor keyed by training step, playback and view options.

Like napari's viewer with its layer list, a window holds one `AppModel` with N runs (N = 1 is the ordinary case; a
comparison is the same model with more runs). It is Qt-free: fields are declared once on evented dataclasses and
psygnal generates each one's change signal (`model.events.step`, `run.events.status`, ...), emitted with the new
value when it changes. The model holds no widgets and no threads: `Session` drives the workers and writes the
runs' progress back here; panels read it, write it and subscribe to it, and never call each other.

The cursor is a step, not an index: runs recorded at different intervals or of different lengths each show their
last snapshot at or before it (`Run.index_at`), so they stay in lock-step and a finished shorter run stays at
its last step. While `following`, the cursor rides the live edge (`frontier`) as the runs train.
"""

from __future__ import annotations

import bisect
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from psygnal import Signal, evented
from psygnal.containers import EventedList

from engine.config import RunConfig
from engine.history import RunHistory
from engine.metrics_series import MetricsSeries
from featlearn_gui.scene import ViewOptions

# Playback speeds in training steps per second; 0 = as fast as the training process goes. The default tells the
# paper preset's 16,000-step story in about half a minute, whatever the frame rate.
SPEEDS = (20, 50, 100, 200, 500, 1000, 2000, 5000, 0)
DEFAULT_SPEED = 500
# Log time: the speed holds at this step, playback is slower before it and faster after it, in proportion to the
# step (so each doubling of the step takes equally long: the early events get the time the late ones do).
LOG_TIME_REFERENCE = 1000
LOG_TIME_TIP = (f"Playback in proportion to the step: the speed holds at step {LOG_TIME_REFERENCE:,}, earlier steps "
                "play slower and later ones faster, so each doubling of the step takes equally long")
# ready: waits for play or →; running: training; paused / stopped: by its own controls; finished: reached its last
# step; failed: diverged or a device error (the history up to there stays); loaded: read from a file that cannot
# be continued here.
_SERIES: weakref.WeakKeyDictionary[RunHistory, MetricsSeries] = weakref.WeakKeyDictionary()
STATUSES = ("ready", "running", "paused", "stopped", "finished", "failed", "loaded")


@evented
@dataclass(eq=False)
class Run:
    """One run: its history (and so its config), its status, and what the window knows about it."""

    label: str
    history: RunHistory
    colour: str = "#0072B2"
    status: str = "ready"
    message: str = ""  # why the status is what it is ("reached the maximum of 16000 steps")
    count: int = 0  # snapshots announced to the GUI (the worker may have appended more since)
    saved: bool = True
    path: Path | None = None  # the file it was read from or saved to
    # Where it came from, as a comparison file names it: ("preset", name), ("config", path), ("run", path), or
    # ("", "") for a config edited in the app.
    source: tuple[str, str] = ("", "")
    device: str = ""
    differences: tuple[str, str] = ("", "")  # (short, full): what sets it apart from the other runs

    def __post_init__(self) -> None:
        self.count = self.count or len(self.history)

    @property
    def config(self) -> RunConfig:
        return self.history.config

    @property
    def metrics(self) -> MetricsSeries:
        """The derived metrics of each snapshot (far_mass, max_active_angle_deg, span_share, captured): the ONE
        place panels, the tour and the table read them. A trained run's come from its training process (computed
        once per snapshot, beside the history); a run read from a file computes them here, once."""
        shared = getattr(self.history, "metrics", None)
        if shared is not None:
            return shared
        series = _SERIES.get(self.history)
        if series is None:
            series = _SERIES[self.history] = MetricsSeries(self.history)
        series.update()
        return series

    @property
    def preset_name(self) -> str:
        return self.source[1] if self.source[0] == "preset" else ""

    @property
    def last_step(self) -> int:
        return int(self.history.steps[self.count - 1]) if self.count else 0

    def index_at(self, step: int) -> int:
        """The snapshot this run shows when the cursor is at `step`: its last one at or before it."""
        return min(self.history.index_at_step(step), max(self.count - 1, 0))

    @property
    def trainable(self) -> bool:
        """Trains when granted steps (neither done nor held by its own controls)."""
        return self.status in ("ready", "running")

    @property
    def done(self) -> bool:
        return self.status in ("stopped", "finished", "failed", "loaded")

    @property
    def has_unsaved_work(self) -> bool:
        """Worth asking about: trained past its initialization and not saved since."""
        return not self.saved and self.count > 1


@evented
@dataclass(eq=False)
class AppModel:
    """The runs, the cursor, playback, stop conditions, the selected run and the view options of one window."""

    step: int = 0
    following: bool = True  # the cursor rides the live edge as the runs train
    playing: bool = False
    speed: int = DEFAULT_SPEED
    log_time: bool = False  # playback ∝ the step (see LOG_TIME_REFERENCE); max speed ignores it
    max_steps: int | None = None  # stop every run here; None: each at its own optim.steps
    loss_threshold: float = 0.0  # stop a run when its loss falls to this (0: off)
    selected: Run | None = None  # the run the Experiment panel edits and the certificate panel shows
    options: ViewOptions = field(default_factory=ViewOptions)
    renderer: str = "auto"  # requested: auto | gl | projected | map
    renderer_in_use: str = ""
    throughput: float = 0.0  # training steps per second, all runs together
    title: str = ""
    description: str = ""
    runs: EventedList = field(default_factory=EventedList)  # of Run, left to right

    # Any field of any run changed: (run, field name). One subscription instead of one per run and field.
    run_changed = Signal(object, str)
    # The set of runs or their order changed. (`runs.events` also relays every field change of every run, many
    # times a second while training: subscribe to this one for "which runs are there".)
    runs_changed = Signal()

    def __post_init__(self) -> None:
        self.runs.events.inserted.connect(self._on_runs_inserted)
        self.runs.events.removed.connect(self._on_runs_removed)
        for signal in (self.runs.events.inserted, self.runs.events.removed, self.runs.events.moved,
                       self.runs.events.changed, self.runs.events.reordered):
            signal.connect(self._on_runs_changed)

    def _on_runs_changed(self, *_args) -> None:
        self.runs_changed.emit()

    # --- runs -----------------------------------------------------------------------------------------------

    def _on_runs_inserted(self, index: int, run: Run) -> None:
        run.events.connect(self._on_run_event)
        if self.selected is None:
            self.selected = run
        self._settle_cursor()

    def _on_runs_removed(self, index: int, run: Run) -> None:
        run.events.disconnect(self._on_run_event)
        if self.selected is run:
            self.selected = self.runs[min(index, len(self.runs) - 1)] if len(self.runs) else None
        self._settle_cursor()

    def _on_run_event(self, info) -> None:
        run, name = info.signal.instance.instance, info.signal.name  # the Run of the emitting signal group
        if name in ("count", "status"):
            self._settle_cursor()
        self.run_changed.emit(run, name)

    def _settle_cursor(self) -> None:
        if self.following:
            self.step = self.frontier
        elif self.step > self.last_step:
            self.step = self.last_step

    # --- the cursor -----------------------------------------------------------------------------------------

    @property
    def frontier(self) -> int:
        """The live edge: the slowest run still training (all of them have reached it), else the longest run."""
        training = [run.last_step for run in self.runs if run.trainable]
        return min(training) if training else self.last_step

    @property
    def last_step(self) -> int:
        """The furthest any run has recorded: the end of the slider."""
        return max((run.last_step for run in self.runs), default=0)

    def recorded_steps(self) -> list[int]:
        """Every step some run recorded (and announced), in order: where ← and → stop."""
        steps: set[int] = set()
        for run in self.runs:
            steps.update(int(s) for s in run.history.steps[: run.count])
        return sorted(steps)

    def set_step(self, step: int, snap: bool = True) -> None:
        """Move the cursor (clamped to what was recorded); at or past the frontier it follows the live edge.

        `snap`: onto the last step some run recorded at or before `step` (what the slider and the step box want;
        a replay moving at `speed` does not snap, or it would never leave a snapshot).
        """
        step = min(max(int(step), 0), self.last_step)
        if snap:
            steps = self.recorded_steps()
            i = bisect.bisect_right(steps, step) - 1
            step = steps[i] if i >= 0 else 0
        self.following = step >= self.frontier
        self.step = step

    def follow(self) -> None:
        """Ride the live edge again (End, or play catching up with training)."""
        self.following = True
        self.step = self.frontier

    @property
    def at_live_edge(self) -> bool:
        return self.following or self.step >= self.frontier

    # --- the selected run, for panels that show one run --------------------------------------------------------

    @property
    def history(self) -> RunHistory | None:
        return self.selected.history if self.selected is not None else None

    @property
    def config(self) -> RunConfig | None:
        return self.selected.config if self.selected is not None else None

    @property
    def count(self) -> int:
        return self.selected.count if self.selected is not None else 0

    @property
    def index(self) -> int:
        """The selected run's snapshot at the cursor."""
        return self.selected.index_at(self.step) if self.selected is not None else 0

    def set_index(self, index: int) -> None:
        """Move the cursor to the step of the selected run's snapshot `index` (clamped)."""
        run = self.selected
        if run is not None and run.count:
            self.set_step(int(run.history.steps[min(max(int(index), 0), run.count - 1)]))

    @property
    def status(self) -> str:
        return self.selected.status if self.selected is not None else "ready"

    @property
    def message(self) -> str:
        return self.selected.message if self.selected is not None else ""

    def stop_step(self, run: Run) -> int:
        """Where `run` stops training: the window's stop step, else its own optim.steps."""
        return self.max_steps if self.max_steps is not None else run.config.optim.steps

    @property
    def has_unsaved_work(self) -> bool:
        return any(run.has_unsaved_work for run in self.runs)

    def playback_rate(self, step: float) -> float:
        """Training steps per second of playback at `step`: `speed`, or in log time speed × step / LOG_TIME_REFERENCE
        (from the first recorded step on: every run starts there at a finite pace); 0 at max speed."""
        if not self.log_time or self.speed == 0:
            return float(self.speed)
        return self.speed * max(step, self.record_every) / LOG_TIME_REFERENCE

    @property
    def record_every(self) -> int:
        """The finest recording interval of the runs: the least the cursor moves at a time."""
        return min((run.config.record.every for run in self.runs), default=1)

    def toggle_playing(self) -> None:
        self.playing = not self.playing
