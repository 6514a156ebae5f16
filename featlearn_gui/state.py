"""The one GUI model: the experiment, the run on screen, the cursor, playback, stop conditions and view options.

Panels and views read it and write it and subscribe to its signals; they never call each other. It holds no
widgets and no threads: `Session` drives the worker from its request signals and feeds the history back in.

Signals
-------
config_changed(RunConfig)       the experiment the next run will use (already validated)
run_replaced()                  a new history is on screen (reset, new seed, opened file); read `history`
history_grew(int)               the history now holds this many snapshots
index_changed(int)              the cursor moved to this snapshot index
playing_changed(bool)
speed_changed(int)              training steps per frame (0: as fast as possible)
stop_conditions_changed()       max_steps or loss_threshold changed
options_changed(ViewOptions)
renderer_changed()              the requested renderer or the one in use changed
run_status_changed(str)         idle | running | paused | finished | failed | loaded; `message` says why
throughput_changed(float)       training steps per second
saved_changed(bool)             whether the run on screen is saved
reset_requested(), new_seed_requested(), step_requested(int)   requests handled by Session
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6 import QtCore

from engine.config import RunConfig
from engine.history import RunHistory
from engine.metrics_series import MetricsSeries
from featlearn_gui.scene import ViewOptions

SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 0)  # steps per frame; 0 = as fast as the device goes
DEFAULT_SPEED = 20


class AppState(QtCore.QObject):
    config_changed = QtCore.Signal(object)
    run_replaced = QtCore.Signal()
    history_grew = QtCore.Signal(int)
    index_changed = QtCore.Signal(int)
    playing_changed = QtCore.Signal(bool)
    speed_changed = QtCore.Signal(int)
    stop_conditions_changed = QtCore.Signal()
    options_changed = QtCore.Signal(object)
    renderer_changed = QtCore.Signal()
    run_status_changed = QtCore.Signal(str)
    throughput_changed = QtCore.Signal(float)
    saved_changed = QtCore.Signal(bool)
    reset_requested = QtCore.Signal()
    new_seed_requested = QtCore.Signal()
    step_requested = QtCore.Signal(int)

    def __init__(self, config: RunConfig | None = None, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._config = config if config is not None else RunConfig()
        self._history: RunHistory | None = None
        self._metrics: MetricsSeries | None = None
        self._count = 0
        self._index = 0
        self._playing = False
        self._speed = DEFAULT_SPEED
        self._max_steps = self._config.optim.steps
        self._loss_threshold = 0.0
        self._options = ViewOptions()
        self.renderer = "auto"  # requested: auto | gl | projected
        self.renderer_in_use = ""
        self._status = "idle"
        self.message = ""
        self._throughput = 0.0
        self._saved = True
        self.preset_name = ""  # the preset the config came from, "" if edited or loaded from a file
        self.run_path: Path | None = None

    # --- experiment -----------------------------------------------------------------------------------------

    @property
    def config(self) -> RunConfig:
        return self._config

    def set_config(self, config: RunConfig, preset_name: str = "") -> None:
        """Adopt a validated config; Session starts a fresh run with it. Callers ask before discarding a run."""
        self.preset_name = preset_name
        self._config = config
        self._max_steps = config.optim.steps
        self.stop_conditions_changed.emit()
        self.config_changed.emit(config)

    # --- the run on screen ----------------------------------------------------------------------------------

    @property
    def history(self) -> RunHistory | None:
        return self._history

    @property
    def count(self) -> int:
        """Snapshots of the history as last announced (the worker may have appended more since)."""
        return self._count

    def set_history(self, history: RunHistory, saved: bool, path: Path | None = None) -> None:
        self._history = history
        self._count = len(history)
        self._index = max(self._count - 1, 0) if saved and path is not None else 0
        self.run_path = path
        self._set_saved(saved)
        self.run_replaced.emit()
        self.history_grew.emit(self._count)
        self.index_changed.emit(self._index)

    def metrics(self) -> MetricsSeries:
        """Far mass, max active angle and captured mass of the history, computed once per snapshot and shared."""
        if self._metrics is None or self._metrics.history is not self._history:
            self._metrics = MetricsSeries(self._history)
        self._metrics.update()
        return self._metrics

    def note_growth(self) -> None:
        """The worker appended snapshots: follow the live edge if the cursor was on it."""
        if self._history is None:
            return
        count = len(self._history)
        if count == self._count:
            return
        following = self._index >= self._count - 1
        self._count = count
        self._set_saved(False)
        self.history_grew.emit(count)
        if following:
            self.set_index(count - 1)

    @property
    def at_live_edge(self) -> bool:
        return self._index >= self._count - 1

    @property
    def index(self) -> int:
        return self._index

    def set_index(self, index: int) -> None:
        index = min(max(int(index), 0), max(self._count - 1, 0))
        if index != self._index:
            self._index = index
            self.index_changed.emit(index)

    def set_step(self, step: int) -> None:
        """Move the cursor to the last snapshot at or before `step`."""
        if self._history is not None:
            self.set_index(min(self._history.index_at_step(step), self._count - 1))

    @property
    def step(self) -> int:
        if self._history is None or self._count == 0:
            return 0
        return int(self._history.steps[self._index])

    # --- playback and stop conditions -----------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self._playing

    def set_playing(self, playing: bool) -> None:
        if playing != self._playing:
            self._playing = playing
            self.playing_changed.emit(playing)

    def toggle_playing(self) -> None:
        self.set_playing(not self._playing)

    @property
    def speed(self) -> int:
        return self._speed

    def set_speed(self, speed: int) -> None:
        if speed != self._speed:
            self._speed = int(speed)
            self.speed_changed.emit(self._speed)

    @property
    def max_steps(self) -> int:
        return self._max_steps

    @property
    def loss_threshold(self) -> float:
        return self._loss_threshold

    def set_stop_conditions(self, max_steps: int, loss_threshold: float) -> None:
        if (max_steps, loss_threshold) != (self._max_steps, self._loss_threshold):
            self._max_steps, self._loss_threshold = int(max_steps), float(loss_threshold)
            self.stop_conditions_changed.emit()

    # --- status ---------------------------------------------------------------------------------------------

    @property
    def status(self) -> str:
        return self._status

    def set_status(self, status: str, message: str = "") -> None:
        if (status, message) != (self._status, self.message):
            self._status, self.message = status, message
            self.run_status_changed.emit(status)

    @property
    def throughput(self) -> float:
        return self._throughput

    def set_throughput(self, steps_per_second: float) -> None:
        self._throughput = steps_per_second
        self.throughput_changed.emit(steps_per_second)

    @property
    def saved(self) -> bool:
        return self._saved

    def _set_saved(self, saved: bool) -> None:
        if saved != self._saved:
            self._saved = saved
            self.saved_changed.emit(saved)

    def mark_saved(self, path: Path) -> None:
        self.run_path = path
        self._set_saved(True)

    @property
    def has_unsaved_run(self) -> bool:
        """A run worth asking about: trained past its initialization and not saved since."""
        return not self._saved and self._count > 1

    # --- view options ---------------------------------------------------------------------------------------

    @property
    def options(self) -> ViewOptions:
        return self._options

    def set_options(self, options: ViewOptions | None = None, **changes) -> None:
        options = dataclasses.replace(options or self._options, **changes)
        if options != self._options:
            self._options = options
            self.options_changed.emit(options)

    def request_renderer(self, name: str) -> None:
        if name != self.renderer:
            self.renderer = name
            self.renderer_changed.emit()

    def note_renderer_in_use(self, name: str) -> None:
        if name != self.renderer_in_use:
            self.renderer_in_use = name
            self.renderer_changed.emit()
