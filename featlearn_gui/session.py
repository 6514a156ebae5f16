"""Trains the runs of one window in lock-step, each in a training process, and owns the window's frame clock.

The flow: a training process per run (featlearn_gui.training_process, from the app's pool) writes snapshots into a
shared history -> its TrainingWorker (the GUI's side of the pipe) publishes the count -> the Run in the AppModel
-> ONE frame clock here: each tick advances playback, then emits `frame`, and the window draws every panel at
the cursor in one pass. When drawing is slower than the clock, ticks (frames) are dropped, never panels.

Playback is in training steps per second (`model.speed`; 0 = as fast as the device goes; in log time, in
proportion to the step: `AppModel.playback_rate`). Every run training is
told the same target step, which advances at `speed`, so a big model and a small one advance together and the
cursor (the slowest run's last step, `AppModel.frontier`) shows all of them at the same step. A run paused,
stopped, finished or failed drops out of the pacing. With the cursor in the past, play replays the history at the
same speed while the runs keep training ahead of it (like live television paused and resumed). N = 1 is the
ordinary case.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from pathlib import Path

from PySide6 import QtCore

from engine.config import RunConfig
from engine.history import RunHistory
from featlearn_gui.comparisons.differences import describe
from featlearn_gui.model import AppModel, Run
from featlearn_gui.palette import RUNS
from featlearn_gui.shared_history import share
from featlearn_gui.worker import TrainingWorker
from featlearn_gui.worker_pool import pool, shared_prefix

FRAME_MS = 16  # the frame clock: about 60 ticks a second when drawing is cheap
GUI_LOAD = 0.9  # at most this share of the GUI thread goes to frames: the rest answers input, pipes and timers
MAX_INTERVAL_MS = 100  # however costly the frames, a tick is due at least every 0.1 s
MAX_FRAME_S = 0.25  # a late tick advances playback by at most this much time (a stall does not jump the cursor;
# a slow renderer, ~10 frames a second, still plays at the speed asked)
LEAD_S = 0.25  # paced training may run this much play time ahead of the slowest run
THROUGHPUT_WINDOW_S = 0.25
REPLAY_SNAPSHOTS = 5  # at max speed, replaying the past moves this many recordings per frame
MAX_PROCESSES = 8  # training processes one window may use at once (each holds a core while it trains)
_BLOCKS = itertools.count()


class RunDriver(QtCore.QObject):
    """One run's training process, seen from the GUI thread: its worker's signals become fields of the Run."""

    def __init__(self, run: Run, stop_step: int, loss_threshold: float, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.run = run
        self.worker = TrainingWorker(run.history, stop_step, loss_threshold, pool(), parent=self)
        self.worker.progressed.connect(self._on_worker_progressed)
        self.worker.run_finished.connect(self._on_worker_run_finished)
        self.worker.run_failed.connect(self._on_worker_run_failed)
        self.worker.device_known.connect(self._on_worker_device_known)
        self.worker.run_unusable.connect(self._on_worker_run_unusable)

    def shutdown(self) -> bool:
        """End the run's job (its process returns to the pool), keeping its history; True (nothing waits)."""
        worker, self.worker = self.worker, None
        if worker is None:
            return True
        worker.stop()
        self._note_growth()
        return True

    def _note_growth(self) -> None:
        count = len(self.run.history)
        if count != self.run.count:
            self.run.saved = False
            self.run.count = count

    @QtCore.Slot(int)
    def _on_worker_progressed(self, _count: int) -> None:
        self._note_growth()

    @QtCore.Slot(str)
    def _on_worker_run_finished(self, reason: str) -> None:
        self._note_growth()
        self.run.message = reason
        self.run.status = "finished"

    @QtCore.Slot(str)
    def _on_worker_run_failed(self, message: str) -> None:
        self._note_growth()
        self.run.message = message
        self.run.status = "failed"

    @QtCore.Slot(str)
    def _on_worker_device_known(self, device: str) -> None:
        self.run.device = device

    @QtCore.Slot(str)
    def _on_worker_run_unusable(self, reason: str) -> None:
        run = self.run
        if run.count > 1:  # a recorded run (a file, a branch): browsable, not trainable here
            run.device, run.status = "none (read only)", "loaded"
            run.message = f"{run.message}; it cannot be continued here: {reason}".lstrip("; ")
        else:
            run.status, run.message = "failed", f"cannot start the run: {reason}"


class Session(QtCore.QObject):
    """Creates, replaces and removes the runs of an AppModel, drives their training processes and ticks the frame
    clock (`frame` is emitted once per drawn frame, after playback advanced); `shutdown()` at the end."""

    frame = QtCore.Signal()

    def __init__(self, model: AppModel, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.drivers: dict[Run, RunDriver] = {}
        self.frames = 0
        self.frame_seconds = 0.0  # time spent drawing frames (the bench divides it by `frames`)
        self.worst_frame_s = 0.0
        self.shared_note = ""  # why the last history was shared through a file rather than /dev/shm
        self._clock = QtCore.QTimer(self)
        self._clock.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._clock.setInterval(FRAME_MS)
        self._clock.timeout.connect(self._on_clock_tick)
        self._last_tick = time.perf_counter()
        self._last_cpu = time.thread_time()
        self._frame_cpu = 0.0  # the GUI thread's busy time per frame (smoothed): drawing, painting, reading pipes
        self._target = 0.0  # the step paced training aims at (advances at `speed`)
        self._replayed = 0.0  # the replayed cursor, to a fraction of a step
        self._moved = False  # the cursor was moved by someone, not by playback, since the last tick
        self._advancing = False
        self._rate_mark = (time.perf_counter(), 0)
        model.events.playing.connect(self._on_model_playing_changed)
        model.events.speed.connect(self._on_model_speed_changed)
        model.events.step.connect(self._on_model_step_changed)
        model.events.max_steps.connect(self._on_model_stop_conditions_changed)
        model.events.loss_threshold.connect(self._on_model_stop_conditions_changed)
        pool().fill()  # warm processes now, so that Space trains at once
        self._clock.start()

    # --- making runs ----------------------------------------------------------------------------------------

    def make_run(self, source: RunConfig | RunHistory, label: str, origin: tuple[str, str] = ("", ""),
                 path: Path | None = None, colour: str | None = None) -> Run:
        """A run at step 0 (from a config) or as recorded (from a run file), its process waiting for play or →.

        `origin` says where it came from, as a comparison file names it (see `Run.source`). The history is copied
        into shared memory; a training process continues it from its last snapshot (so a branch is a truncated
        parent history with a changed config, passed here).

        Raises ConfigError when the config cannot make a run here; a run that diverges at once is returned failed,
        with its message. A device the process cannot use (device = "cuda" without one) fails the run, with why.
        """
        colour = colour or self._free_colour()
        if isinstance(source, RunHistory):
            return self._resume(source, label, path, colour, origin)
        # Step 0 comes from a training process (drawn there on the CPU: the same seeded draws), so this process
        # never imports torch and CUDA is initialised only where the run trains.
        first, failure = pool().call("start_history", source)
        device = "cpu" if source.device == "cpu" else f"{source.device} (starting)"
        if failure:
            run = Run(label, first, colour=colour, source=origin, device=device)
            run.status, run.message = "failed", failure
            return run
        run = Run(label, self._share(first), colour=colour, source=origin, device=device, message=self.shared_note)
        self._attach(run)
        return run

    def _share(self, history: RunHistory) -> RunHistory:
        shared, self.shared_note = share(history, f"{shared_prefix()}{next(_BLOCKS)}.g0")
        return shared

    def _resume(self, history: RunHistory, label: str, path: Path | None, colour: str,
                origin: tuple[str, str]) -> Run:
        summary = f"{path.name if path else label}: {len(history)} snapshots up to step {int(history.steps[-1]):,}"
        shared = self._share(history)
        run = Run(label, shared, colour=colour, path=path, message="; ".join(filter(None, (summary, self.shared_note))),
                  source=origin, device=f"{history.config.device} (starting)")
        self._attach(run)
        return run

    def _attach(self, run: Run) -> None:
        if len(self.drivers) >= MAX_PROCESSES:
            run.history.block.unlink()  # no process will map it: this process's mapping is all it needs
            run.status, run.device = "loaded", "none (read only)"
            run.message = f"not trained: a window trains at most {MAX_PROCESSES} runs at once"
            return
        driver = RunDriver(run, self.model.stop_step(run), self.model.loss_threshold, parent=self)
        self.drivers[run] = driver
        if self.model.playing:
            run.status = "running"
            self._pace()

    def _free_colour(self) -> str:
        used = {run.colour for run in self.model.runs}
        return next((c for c in RUNS if c not in used), RUNS[len(self.model.runs) % len(RUNS)])

    # --- the set of runs ------------------------------------------------------------------------------------

    def add(self, run: Run) -> Run:
        if any(other.colour == run.colour for other in self.model.runs):
            run.colour = self._free_colour()  # each run keeps one colour of its own while it is in the window
        self.model.runs.append(run)
        self._describe()
        return run

    def replace(self, old: Run | None, new: Run) -> Run:
        """Put `new` where `old` was (selected if `old` was); `old`'s process stops and its history is dropped."""
        runs = self.model.runs
        if old is None or old not in runs:
            return self.add(new)
        index, was_selected = runs.index(old), self.model.selected is old
        self._stop(old)
        runs.insert(index, new)
        runs.remove(old)
        if was_selected:
            self.model.selected = new
        self._describe()
        return new

    def set_runs(self, runs: list[Run], title: str = "", description: str = "") -> None:
        """Replace every run (opening a comparison); the cursor starts at the live edge."""
        for run in list(self.model.runs):
            self.remove(run)
        self.model.title, self.model.description = title, description
        self.model.following = True
        for run in runs:
            self.add(run)
        self.model.selected = runs[0] if runs else None

    def remove(self, run: Run) -> None:
        self._stop(run)
        if run in self.model.runs:
            self.model.runs.remove(run)
            self._describe()

    def _describe(self) -> None:
        """Label each run with what sets it apart from the others (nothing when it is alone)."""
        runs = list(self.model.runs)
        for run, text in zip(runs, describe([run.config for run in runs])):
            run.differences = text if len(runs) > 1 else ("", "")

    def _stop(self, run: Run) -> bool:
        driver = self.drivers.pop(run, None)
        if driver is None:
            return True
        stopped = driver.shutdown()
        driver.deleteLater()
        return stopped

    def restart(self, run: Run, config: RunConfig | None = None, origin: tuple[str, str] | None = None,
                label: str | None = None) -> Run:
        """Replace `run` by a fresh one at step 0: from `config` (default: its own config, and then its origin), with
        `origin` (default: none, an edited config). ConfigError if it cannot start."""
        if config is None:
            config, origin = run.config, run.source if origin is None else origin
            if origin[0] == "run":
                origin = ("", "")  # a run file restarted is no longer that file
        new = self.make_run(config, label=label or run.label, origin=origin or ("", ""), colour=run.colour)
        return self.replace(run, new)

    def new_seed(self, run: Run) -> Run:
        return self.restart(run, dataclasses.replace(run.config, seed=run.config.seed + 1))

    # --- a run's own controls -------------------------------------------------------------------------------

    def pause_run(self, run: Run) -> None:
        driver = self.drivers.get(run)
        if driver is not None and run.trainable:
            driver.worker.hold()
            run.message, run.status = f"paused at step {driver.worker.step:,}", "paused"

    def resume_run(self, run: Run) -> None:
        driver = self.drivers.get(run)
        if driver is not None and run.status == "paused":
            run.message, run.status = "", "running" if self.model.playing else "ready"
            self._pace()

    def stop_run(self, run: Run) -> None:
        """End a run's training for good (its history stays)."""
        if run in self.drivers and not run.done:
            self._stop(run)
            run.message, run.status = f"stopped at step {run.last_step:,}", "stopped"

    # --- the transport --------------------------------------------------------------------------------------

    def step_forward(self) -> None:
        """The next recorded step; at the live edge, train every lagging run to its next snapshot."""
        model = self.model
        model.playing = False
        trainable = [(run, d) for run, d in self.drivers.items() if run.trainable]
        if model.at_live_edge and trainable:
            frontier = model.frontier
            for _run, driver in trainable:
                if driver.worker.step <= frontier:
                    driver.worker.grant_snapshot()  # the cursor follows when the slowest one arrives
            return
        later = [s for s in model.recorded_steps() if s > model.step]
        if later:
            model.set_step(later[0])

    def step_back(self) -> None:
        model = self.model
        model.playing = False
        earlier = [s for s in model.recorded_steps() if s < model.step]
        model.set_step(earlier[-1] if earlier else 0)

    def train_to(self, step: int) -> None:
        """Train every run as fast as it goes up to `step` (scripted runs and the benchmark)."""
        self.model.max_steps = step
        self.model.speed = 0
        self.model.playing = True

    def shutdown(self) -> bool:
        """End every run's job (their processes return to the pool); True when none is left."""
        self._clock.stop()
        return all([self._stop(run) for run in list(self.drivers)])

    # --- requests from the model ----------------------------------------------------------------------------

    def _on_model_playing_changed(self, playing: bool) -> None:
        # Play trains the next snapshot at once (the target then moves on at `speed`): Space shows motion in the
        # next frame or two, not after a snapshot's worth of play time.
        self._target = float(self.model.frontier + 1)
        for run in self.drivers:
            if not playing and run.status == "running":
                run.status = "ready"
            elif playing and run.trainable:
                run.status = "running"
        self._pace()

    def _on_model_speed_changed(self, _speed: int) -> None:
        self._target = float(self.model.frontier)
        self._pace()

    def _on_model_step_changed(self, _step: int) -> None:
        if not self._advancing:
            self._moved = True

    def _on_model_stop_conditions_changed(self, *_args) -> None:
        for run, driver in self.drivers.items():
            driver.worker.set_stop_conditions(self.model.stop_step(run), self.model.loss_threshold)
            if run.status == "finished":  # new conditions may let it train on
                run.message, run.status = "", "running" if self.model.playing else "ready"
        self._pace()

    def _pace(self) -> None:
        """Tell every run how far to train: the common target while playing, nothing more while not."""
        model = self.model
        for run, driver in self.drivers.items():
            if not (model.playing and run.trainable):
                driver.worker.hold()  # finished ones too: new stop conditions must not set them off on their own
            elif model.speed == 0:
                driver.worker.pace(-1, free=True)
            else:
                driver.worker.pace(int(self._target))

    # --- the frame clock ------------------------------------------------------------------------------------

    @QtCore.Slot()
    def _on_clock_tick(self) -> None:
        now = time.perf_counter()
        elapsed, self._last_tick = min(now - self._last_tick, MAX_FRAME_S), now
        self._keep_pace()
        self._update_throughput(now)
        model = self.model
        if model.playing:
            self._advance(elapsed)
        self._moved = False
        self.frames += 1
        self.frame.emit()
        cost = time.perf_counter() - now
        self.frame_seconds += cost
        self.worst_frame_s = max(self.worst_frame_s, cost)

    def _keep_pace(self) -> None:
        """Space the ticks so that frames take at most GUI_LOAD of the GUI thread.

        A frame costs more than its tick: Qt paints and processes the scenes after it. Ticking at 60 Hz regardless
        kept the thread busy from one frame to the next, so a key press or a pipe message waited a frame or two
        (50-90 ms stalls). The thread's CPU time since the last tick measures the whole frame's cost."""
        cpu = time.thread_time()
        busy, self._last_cpu = cpu - self._last_cpu, cpu
        self._frame_cpu = 0.8 * self._frame_cpu + 0.2 * busy
        interval = round(min(max(FRAME_MS, 1000 * self._frame_cpu / GUI_LOAD), MAX_INTERVAL_MS))
        if interval != self._clock.interval():
            self._clock.setInterval(interval)

    def _advance(self, elapsed: float) -> None:
        model = self.model
        if model.speed > 0:
            every = model.record_every
            rate = model.playback_rate(self._target)
            ceiling = model.frontier + rate * LEAD_S + every  # a slow run does not leave the target behind
            self._target = min(self._target + rate * elapsed, ceiling)
            self._pace()
        if not model.following and not self._moved:  # a cursor just moved by hand is shown before it moves on
            self._replay(elapsed)
        elif model.following and all(run.done for run in model.runs) and model.step >= model.frontier:
            model.playing = False  # every run is done and on screen (a paused one may still resume)

    def _replay(self, elapsed: float) -> None:
        """Play through the past at `speed` while the runs keep training ahead of the cursor."""
        model = self.model
        every = model.record_every
        if int(self._replayed) != model.step:  # the cursor was moved: replay from there
            self._replayed = float(model.step)
        # Fractions of a step carry over to the next frame: a slow speed (or early log time) at 60 frames a
        # second moves less than one step a frame, and rounding each frame up played it several times too fast.
        self._replayed += model.playback_rate(model.step) * elapsed if model.speed > 0 else REPLAY_SNAPSHOTS * every
        target = int(self._replayed)
        self._advancing = True
        try:
            if target >= model.frontier:
                model.follow()
            else:
                model.set_step(target, snap=False)
        finally:
            self._advancing = False

    def _update_throughput(self, now: float) -> None:
        then, steps_then = self._rate_mark
        if now - then < THROUGHPUT_WINDOW_S:
            return
        steps = sum(d.worker.step for d in self.drivers.values() if d.worker is not None)
        self._rate_mark = (now, steps)
        rate = max(steps - steps_then, 0) / (now - then)
        if rate != self.model.throughput:
            self.model.throughput = rate
