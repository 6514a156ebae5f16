"""Trains the runs of one window in lock-step: one TrainingWorker per run, paced by one frame clock.

Each frame of play grants `speed` steps to every run still training, but never to one already a frame ahead of
the slowest: a big model and a small one advance together, and the cursor (the slowest run's last step,
`AppModel.frontier`) shows all of them at the same step. A run paused, stopped, finished or failed drops out of
the pacing, so the others carry on without it. With the cursor in the past, play replays the history at the same
speed while the runs keep training ahead of it (like live television paused and resumed). N = 1 is the ordinary
case.

The session also owns the window's LoadGovernor (its redraw throttling: per window, never shared) and holds the
process's garbage collector in the GUI thread while it has workers (featlearn_gui.gc_policy).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from PySide6 import QtCore

from engine.config import ConfigError, RunConfig
from engine.history import RunHistory
from engine.trainer import Diverged, Trainer
from featlearn_gui.comparisons.differences import describe
from featlearn_gui.gc_policy import MainThreadCollector
from featlearn_gui.model import AppModel, Run
from featlearn_gui.palette import RUNS
from featlearn_gui.throttle import LoadGovernor
from featlearn_gui.worker import TrainingWorker

FRAME_MS = 16  # the frame clock: `speed` is in training steps per tick, about 60 ticks a second
THROUGHPUT_WINDOW_S = 0.25  # also the load governor's window
REPLAY_SNAPSHOTS = 5  # at max speed, replaying the past moves this many recordings per frame


class RunDriver(QtCore.QObject):
    """One run's training thread, seen from the GUI thread: the worker's signals arrive in these slots (this object
    lives in the GUI thread) and become fields of the Run."""

    def __init__(self, run: Run, trainer: Trainer, stop_step: int, loss_threshold: float,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.run = run
        self.worker = TrainingWorker(trainer, run.history, stop_step, loss_threshold)
        self.worker.progressed.connect(self._on_worker_progressed)
        self.worker.run_finished.connect(self._on_worker_run_finished)
        self.worker.run_failed.connect(self._on_worker_run_failed)
        MainThreadCollector.hold()  # released in shutdown(); see gc_policy for why
        self.worker.start()

    def shutdown(self) -> bool:
        """Stop the worker within a second, keeping its history; True when no thread is left."""
        worker, self.worker = self.worker, None
        if worker is None:
            return True
        stopped = worker.stop(1000)
        worker.progressed.disconnect(self._on_worker_progressed)
        worker.run_finished.disconnect(self._on_worker_run_finished)
        worker.run_failed.disconnect(self._on_worker_run_failed)
        MainThreadCollector.release()
        self._note_growth()
        return stopped

    def _note_growth(self) -> None:
        count = len(self.run.history)
        if count != self.run.count:
            self.run.saved = False
            self.run.count = count

    @QtCore.Slot()
    def _on_worker_progressed(self) -> None:
        if self.worker is not None:
            self.worker.acknowledge()  # before reading, so a snapshot appended meanwhile is announced again
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


class Session(QtCore.QObject):
    """Creates, replaces and removes the runs of an AppModel and drives their workers; `shutdown()` at the end."""

    def __init__(self, model: AppModel, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.governor = LoadGovernor()
        self.drivers: dict[Run, RunDriver] = {}
        self._clock = QtCore.QTimer(self)
        self._clock.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._clock.setInterval(FRAME_MS)
        self._clock.timeout.connect(self._on_clock_tick)
        self._rate_mark = (time.perf_counter(), 0)
        model.events.playing.connect(self._on_model_playing_changed)
        model.events.speed.connect(self._on_model_speed_changed)
        model.events.max_steps.connect(self._on_model_stop_conditions_changed)
        model.events.loss_threshold.connect(self._on_model_stop_conditions_changed)

    # --- making runs ----------------------------------------------------------------------------------------

    def make_run(self, source: RunConfig | RunHistory, label: str, origin: tuple[str, str] = ("", ""),
                 path: Path | None = None, colour: str | None = None) -> Run:
        """A run at step 0 (from a config) or as recorded (from a run file), its worker waiting for play or →.

        `origin` says where it came from, as a comparison file names it (see `Run.source`).

        Raises ConfigError when the config cannot make a run here (e.g. device = "cuda" without one); a run that
        diverges at once is returned failed, with its message.
        """
        colour = colour or self._free_colour()
        if isinstance(source, RunHistory):
            return self._resume(source, label, path, colour, origin)
        try:
            trainer = Trainer(source)
        except RuntimeError as exc:
            raise ConfigError(f"cannot start the run: {exc}") from None
        history = trainer.new_history()
        run = Run(label, history, colour=colour, source=origin, device=str(trainer.device))
        try:
            history.append(next(trainer.run(until=0)))  # step 0 at once, so the views have something to draw
        except (Diverged, RuntimeError) as exc:
            run.status, run.message = "failed", f"cannot start the run: {exc}"
            return run
        run.count = 1
        self._attach(run, trainer)
        return run

    def _resume(self, history: RunHistory, label: str, path: Path | None, colour: str,
                origin: tuple[str, str]) -> Run:
        summary = f"{path.name if path else label}: {len(history)} snapshots up to step {int(history.steps[-1]):,}"
        run = Run(label, history, colour=colour, path=path, message=summary, source=origin)
        try:
            trainer = Trainer.resume(history)
        except (ConfigError, ValueError, RuntimeError) as exc:  # e.g. saved on a GPU this machine lacks
            run.status, run.device = "loaded", "none (read only)"
            run.message = f"{summary}; it cannot be continued here: {exc}"
            return run
        run.device = str(trainer.device)
        self._attach(run, trainer)
        return run

    def _attach(self, run: Run, trainer: Trainer) -> None:
        driver = RunDriver(run, trainer, self.model.stop_step(run), self.model.loss_threshold, parent=self)
        self.drivers[run] = driver
        if self.model.playing:
            driver.worker.set_free_running(self.model.speed == 0)
            run.status = "running"
        self._clock.start()

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
        """Put `new` where `old` was (selected if `old` was); `old`'s worker stops and its history is dropped."""
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
            if self.model.playing:
                driver.worker.set_free_running(self.model.speed == 0)

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
        """Stop every worker (each within a second); True when no thread is left."""
        self._clock.stop()
        return all([self._stop(run) for run in list(self.drivers)])

    # --- requests from the model ----------------------------------------------------------------------------

    def _on_model_playing_changed(self, playing: bool) -> None:
        for run, driver in self.drivers.items():
            if not playing:
                driver.worker.hold()  # finished ones too: new stop conditions must not set them off on their own
                if run.status == "running":
                    run.status = "ready"
            elif run.trainable:
                driver.worker.set_free_running(self.model.speed == 0)
                run.status = "running"

    def _on_model_speed_changed(self, speed: int) -> None:
        if self.model.playing:
            for run, driver in self.drivers.items():
                if run.trainable:
                    driver.worker.set_free_running(speed == 0)

    def _on_model_stop_conditions_changed(self, *_args) -> None:
        for run, driver in self.drivers.items():
            driver.worker.set_stop_conditions(self.model.stop_step(run), self.model.loss_threshold)
            if run.status == "finished":  # new conditions may let it train on
                run.message, run.status = "", "running" if self.model.playing else "ready"

    # --- the frame clock ------------------------------------------------------------------------------------

    @QtCore.Slot()
    def _on_clock_tick(self) -> None:
        MainThreadCollector.tick()
        self._update_throughput()
        model = self.model
        if not model.playing:
            return
        training = [d.worker for run, d in self.drivers.items() if run.trainable]
        if model.speed > 0 and training:
            slowest = min(worker.step for worker in training)
            for worker in training:
                if worker.step < slowest + model.speed:  # a run a frame ahead waits for the others
                    worker.grant(model.speed)
        if not model.following:
            self._replay()
        elif all(run.done for run in model.runs) and model.step >= model.frontier:
            model.playing = False  # every run is done and on screen (a paused one may still resume)

    def _replay(self) -> None:
        """Play through the past at `speed` while the runs keep training ahead of the cursor."""
        model = self.model
        every = min((run.config.record.every for run in model.runs), default=1)
        target = model.step + (model.speed if model.speed > 0 else REPLAY_SNAPSHOTS * every)
        if target >= model.frontier:
            model.follow()
        else:
            model.set_step(target, snap=False)

    def _update_throughput(self) -> None:
        now = time.perf_counter()
        then, steps_then = self._rate_mark
        if now - then < THROUGHPUT_WINDOW_S:
            return
        steps = sum(d.worker.step for d in self.drivers.values())
        self._rate_mark = (now, steps)
        rate = max(steps - steps_then, 0) / (now - then)
        model = self.model
        flat_out = model.playing and model.speed == 0 and any(run.trainable for run in self.drivers)
        self.governor.update(active=flat_out)
        if rate != model.throughput:
            model.throughput = rate
