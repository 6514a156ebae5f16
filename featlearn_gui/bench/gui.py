"""Training throughput with the window attached vs the plain engine loop, and the worst GUI-thread stall.

    from featlearn_gui.bench.gui import attached_vs_headless
    attached_vs_headless("paper", steps=4000)
    # {'headless_steps_per_s': ..., 'attached_steps_per_s': ..., 'ratio': ..., 'worst_stall_ms': ..., ...}

Both loops run in this process, side by side, with `torch.set_num_threads(1)` in the training thread. The stall
probe is a 10 ms timer in the GUI thread; its lateness is how long the GUI could not respond, and the GUI
thread's CPU time within that interval tells its own work apart from waiting (for the GIL, or for a core).
"""

from __future__ import annotations

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


def headless_steps_per_s(preset: str, steps: int) -> float:
    """The engine loop a script would write, in a thread with one torch thread, as the worker runs it."""
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


def attached_steps_per_s(preset: str, steps: int, timeout_s: float = 300.0) -> dict[str, float]:
    """Train `steps` steps at full speed with the main window shown and redrawing; rate, stall and frames."""
    from featlearn_gui.app import apply_style
    from featlearn_gui.application import App
    from featlearn_gui.settings import Settings

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    apply_style(app)
    with tempfile.TemporaryDirectory() as tmp:
        qsettings = QtCore.QSettings(str(Path(tmp) / "bench.ini"), QtCore.QSettings.Format.IniFormat)
        window = App(Settings(qsettings), interactive=False).new_window(restore=False)  # nobody to ask
        window.resize(1600, 1000)
        window.files.load_preset(preset)
        window.show()
        QtTest.QTest.qWaitForWindowExposed(window)
        QtTest.QTest.qWait(SETTLE_MS)
        probe = StallProbe()
        loop = QtCore.QEventLoop()
        window.model.run_changed.connect(lambda run, name: loop.quit())
        QtCore.QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        start, start_cpu = time.perf_counter(), time.thread_time()
        probe.start()
        window.session.train_to(steps)
        while window.model.status not in ("finished", "failed") and time.perf_counter() - start < timeout_s:
            loop.exec()
        elapsed = time.perf_counter() - start
        gui_cpu = time.thread_time() - start_cpu
        probe.stop()
        reached = window.model.selected.last_step
        frames = window.spheres.frames_drawn
        window.model.selected.saved = True  # nothing to ask about when closing
        window.close()
        window.deleteLater()
        app.processEvents()
    return {"attached_steps_per_s": reached / elapsed, "worst_stall_ms": probe.worst_ms,
            "worst_stall_gui_cpu_ms": probe.worst_cpu_ms, "frames_drawn": frames, "frames_per_s": frames / elapsed,
            "gui_cpu_share": gui_cpu / elapsed}


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


def attached_vs_headless(preset: str = "paper", steps: int = 4000) -> dict:
    """Headless and attached throughput on `preset`, their ratio (target >= 0.8) and the worst GUI stall (ms)."""
    headless = headless_steps_per_s(preset, steps)
    attached = attached_steps_per_s(preset, steps)
    return {
        "preset": preset,
        "steps": steps,
        "headless_steps_per_s": headless,
        **attached,
        "ratio": attached["attached_steps_per_s"] / headless,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(attached_vs_headless(), indent=2))
