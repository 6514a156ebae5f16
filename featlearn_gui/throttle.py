"""Leading-and-trailing-edge throttling of redraws in the GUI thread.

A view asks for a redraw whenever its data changes; the throttle runs the redraw at once when the last one is
older than the interval and otherwise once at the end of it, so bursts collapse into one redraw (latest wins) and
a scrub still answers immediately. Painting holds the GIL, which the training thread needs: redrawing plots at
10 Hz instead of 60 Hz is most of what keeps training at full speed with the window attached.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

import shiboken6
from PySide6 import QtCore

PUMP_GAP_MS = 16


class Throttle(QtCore.QObject):
    """Runs `callback` at most every `interval_ms` × `Throttle.scale` milliseconds.

    Due redraws of all throttles queue up and run one per pass of the event loop, so the window never paints
    every plot in one go: the longest the GUI thread is busy is one view's redraw, not the sum of them all.
    """

    scale = 1.0  # set by LoadGovernor: > 1 slows every redraw down while training runs flat out
    _queue: deque[Throttle] = deque()
    _pumping = False

    def __init__(self, interval_ms: int, callback: Callable[[], None], parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._callback = callback
        self._last = 0.0
        self._queued = False
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)

    def request(self) -> None:
        if self._timer.isActive() or self._queued:
            return
        wait_ms = self.interval_ms * Throttle.scale - (time.perf_counter() - self._last) * 1000
        self._timer.start(max(int(wait_ms), 0))  # 0: the next pass of the event loop, coalescing a burst

    def flush(self) -> None:
        """Run a pending redraw now (scripted screenshots, tests)."""
        if self._timer.isActive() or self._queued:
            self._timer.stop()
            self._run()

    def _run(self) -> None:
        self._queued = False
        self._last = time.perf_counter()
        self._callback()

    @QtCore.Slot()
    def _on_timer_timeout(self) -> None:
        self._queued = True
        Throttle._queue.append(self)
        if not Throttle._pumping:
            Throttle._pumping = True
            QtCore.QTimer.singleShot(0, Throttle._pump)

    @staticmethod
    def _pump() -> None:
        while Throttle._queue:
            throttle = Throttle._queue.popleft()
            if throttle._queued and shiboken6.isValid(throttle):  # flushed meanwhile, or its window is gone
                throttle._run()
                break
        if Throttle._queue:
            # A changed pyqtgraph view paints a few passes later (scene -> view -> backing store); wait a frame so
            # that each paints on its own instead of all together in one long pass.
            QtCore.QTimer.singleShot(PUMP_GAP_MS, Throttle._pump)
        else:
            Throttle._pumping = False


class LoadGovernor:
    """Keeps the GUI thread's share of a core near `target` while the worker trains as fast as it can.

    Painting holds the GIL, so every millisecond the GUI thread computes is a millisecond the training thread
    waits. The governor measures the GUI thread's CPU time (`time.thread_time`, called from the GUI thread) over
    each window and scales every Throttle's interval so that drawing takes about `target` of the time, but never
    below a fifth of the normal frame rate (the sphere keeps at least 6 frames a second).
    """

    def __init__(self, target: float = 0.15, max_scale: float = 5.0) -> None:
        self.target, self.max_scale = target, max_scale
        self.busy = 0.0
        self._mark = (time.perf_counter(), time.thread_time())

    def update(self, active: bool) -> None:
        """Call from the GUI thread every few hundred ms; `active`: training runs unpaced right now."""
        wall, cpu = time.perf_counter(), time.thread_time()
        then_wall, then_cpu = self._mark
        self._mark = (wall, cpu)
        if wall <= then_wall:
            return
        self.busy = (cpu - then_cpu) / (wall - then_wall)
        if not active:
            Throttle.scale = 1.0
            return
        wanted = Throttle.scale * self.busy / self.target
        Throttle.scale = min(max(0.5 * Throttle.scale + 0.5 * wanted, 1.0), self.max_scale)
