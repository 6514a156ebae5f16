"""The live view's measures: training with the window attached vs the plain engine loop, frames drawn per second
while training, the worst GUI-thread stall, Space to the first new snapshot on screen, and the same with a second
process loading one core.

    from featlearn_gui.bench.gui import attached_vs_headless
    attached_vs_headless("paper", steps=4000)
    # {'headless_steps_per_s': ..., 'attached_steps_per_s': ..., 'ratio': ..., 'frames_per_s': ..., ...}

Headless is the engine loop a script would write, with one torch thread (as a training process runs it). The
window trains in its training process (featlearn_gui.training_process) at max speed, full window (1600 x 1000),
paper preset, projected renderer, on whatever Qt platform is set (offscreen in the bench). The stall probe is a
10 ms timer in the GUI thread; its lateness is how long the GUI could not respond.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import torch
from PySide6 import QtCore, QtTest, QtWidgets

from engine import presets
from engine.trainer import Trainer

PROBE_MS = 10
SETTLE_MS = 500  # the window lays out and paints once before training starts, as it has before anyone presses Play
WINDOW_SIZE = (1600, 1000)


@contextlib.contextmanager
def one_core_loaded():
    """A second process spinning on one core while the block runs (three busy processes on two cores)."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def headless_steps_per_s(preset: str, steps: int) -> float:
    """The engine loop a script would write, in a thread with one torch thread, as the training process runs it."""
    result: dict[str, float] = {}

    def loop() -> None:
        torch.set_num_threads(1)
        trainer = Trainer(presets.load(preset))
        history = trainer.new_history()
        start = time.perf_counter()
        for snap in trainer.run(until=steps):
            history.append(snap)
        result["rate"] = steps / (time.perf_counter() - start)

    thread = threading.Thread(target=loop)
    thread.start()
    thread.join()
    return result["rate"]


class StallProbe(QtCore.QObject):
    """A timer that should fire every PROBE_MS; the largest lateness is the worst stall of the GUI thread."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.worst_ms = 0.0
        self.worst_cpu_ms = 0.0  # GUI-thread CPU time within the worst interval: our own work, not waiting
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.setInterval(PROBE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        self._last, self._last_cpu = time.perf_counter(), time.thread_time()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @QtCore.Slot()
    def _on_timer_timeout(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        late = (now - self._last) * 1000 - PROBE_MS
        if late > self.worst_ms:
            self.worst_ms, self.worst_cpu_ms = late, (cpu - self._last_cpu) * 1000
        self._last, self._last_cpu = now, cpu


def _open_window(preset: str):
    from featlearn_gui.app import apply_style
    from featlearn_gui.application import App
    from featlearn_gui.settings import Settings
    from featlearn_gui.worker_pool import pool

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    apply_style(app)
    tmp = tempfile.mkdtemp()
    qsettings = QtCore.QSettings(str(Path(tmp) / "bench.ini"), QtCore.QSettings.Format.IniFormat)
    # Not interactive: nobody to ask when it closes.
    window = App(Settings(qsettings), interactive=False).new_window(renderer="projected", restore=False)
    window.resize(*WINDOW_SIZE)
    window.files.load_preset(preset)
    window.show()
    QtTest.QTest.qWaitForWindowExposed(window)
    _wait(lambda: not window.model.selected.device.endswith("(starting)"), 60.0)  # its process is set up
    pool().wait_ready(60.0)  # and the idle one started to replace it has imported torch (seconds of a core)
    QtTest.QTest.qWait(SETTLE_MS)
    return app, window


def _close_window(app, window) -> None:
    window.model.selected.saved = True  # nothing to ask about when closing
    window.close()
    window.deleteLater()
    app.processEvents()


def _wait(condition, timeout_s: float) -> bool:
    start = time.perf_counter()
    while not condition() and time.perf_counter() - start < timeout_s:
        QtTest.QTest.qWait(1)
    return condition()


def attached_steps_per_s(preset: str, steps: int, timeout_s: float = 300.0) -> dict[str, float]:
    """Train `steps` steps at max speed with the main window shown and drawing; rate, frames, stall, frame cost."""
    app, window = _open_window(preset)
    session = window.session
    probe = StallProbe()
    frames_before, drawn_before = session.frames, window.spheres.frames_drawn
    session.frame_seconds, session.worst_frame_s = 0.0, 0.0
    start = time.perf_counter()
    probe.start()
    session.train_to(steps)
    _wait(lambda: window.model.status in ("finished", "failed") and window.model.step >= window.model.frontier,
          timeout_s)
    elapsed = time.perf_counter() - start
    probe.stop()
    reached = window.model.selected.last_step
    frames = window.spheres.frames_drawn - drawn_before
    ticks = session.frames - frames_before
    result = {"attached_steps_per_s": reached / elapsed, "frames_per_s": frames / elapsed,
              "worst_stall_ms": probe.worst_ms, "frame_ms_mean": 1000 * session.frame_seconds / max(ticks, 1),
              "frame_ms_worst": 1000 * session.worst_frame_s}
    _close_window(app, window)
    return result


def space_to_first_snapshot_ms(preset: str = "paper", repeats: int = 5) -> float:
    """Space pressed (a warm process holds the run) to the first new snapshot drawn on screen: the median, in ms."""
    app, window = _open_window(preset)
    times = []
    for _ in range(repeats):
        shown = window.spheres.views[0].displayed_step
        start = time.perf_counter()
        QtTest.QTest.keyClick(window, QtCore.Qt.Key.Key_Space)
        _wait(lambda shown=shown: window.spheres.views[0].displayed_step > shown, 10.0)
        times.append(time.perf_counter() - start)
        QtTest.QTest.keyClick(window, QtCore.Qt.Key.Key_Space)  # pause again
        QtTest.QTest.qWait(200)
    _close_window(app, window)
    return 1000 * sorted(times)[len(times) // 2]


def recovery_cost(preset: str = "paper", repeats: int = 5) -> dict:
    """What the app's recovery copy costs: the time to write a copy of a whole preset run (the worst case, at its
    end), against the interval between copies."""
    from engine.trainer import train
    from featlearn_gui.model import AppModel, Run
    from featlearn_gui.recovery import INTERVAL_S, RecoveryKeeper

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    history = train(presets.load(preset))
    model = AppModel()
    model.runs.append(Run(preset, history, status="finished", saved=False))
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        keeper = RecoveryKeeper(model, root=Path(tmp), interval_s=3600)
        for _ in range(repeats):
            keeper._written.clear()  # as if the run had grown since the last copy
            started = time.perf_counter()
            keeper.keep()
            times.append(time.perf_counter() - started)
        keeper.close()
    app.processEvents()
    seconds = sorted(times)[len(times) // 2]
    return {"snapshots": len(history), "seconds": seconds, "interval_s": INTERVAL_S, "share": seconds / INTERVAL_S}


def attached_vs_headless(preset: str = "paper", steps: int = 4000, loaded: bool = False) -> dict:
    """Headless and attached throughput on `preset` at max speed, their ratio, frames per second and the worst GUI
    stall; `loaded`: with a second process spinning on one core throughout."""
    with one_core_loaded() if loaded else contextlib.nullcontext():
        # Headless before and after: a shared machine's speed drifts by ±10 % within a minute, so the attached
        # run is compared with the mean of the two runs around it.
        before = headless_steps_per_s(preset, steps)
        attached = attached_steps_per_s(preset, steps)
        after = headless_steps_per_s(preset, steps)
    headless = (before + after) / 2
    return {"preset": preset, "steps": steps, "headless_steps_per_s": headless,
            "headless_before_after": f"{before:.0f} / {after:.0f}", **attached,
            "ratio": attached["attached_steps_per_s"] / headless}


if __name__ == "__main__":
    import json

    print(json.dumps(attached_vs_headless(), indent=2))
