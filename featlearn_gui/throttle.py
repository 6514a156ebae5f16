"""Leading-and-trailing-edge throttling of redraws in the GUI thread.

A view asks for a redraw whenever its data changes; the throttle runs the redraw at once when the last one is
older than the interval and otherwise once at the end of it, so bursts collapse into one redraw (latest wins) and
a scrub still answers immediately. Painting holds the GIL, which the training thread needs: redrawing plots at
10 Hz instead of 60 Hz is most of what keeps training at full speed with the window attached.
"""

from __future__ import annotations

import inspect
import time
import weakref
from collections import deque
from collections.abc import Callable

import shiboken6
from PySide6 import QtCore

PUMP_GAP_MS = 16


class Throttle(QtCore.QObject):
    """Runs `callback` at most every `interval_ms` × `Throttle.scale` milliseconds.

    `busy_interval_ms`, when given, replaces `interval_ms` while training runs unpaced (`Throttle.training`, set by
    LoadGovernor): plots then redraw a few times a second and leave the GIL to the training thread, while the
    sphere, which people watch, keeps its frame rate.

    Due redraws of all throttles queue up and run one per pass of the event loop, so the window never paints
    every plot in one go: the longest the GUI thread is busy is one view's redraw, not the sum of them all.
    """

    scale = 1.0  # set by LoadGovernor: > 1 slows every redraw down while training runs flat out
    training = False  # set by LoadGovernor: training runs unpaced right now
    _queue: deque[weakref.ref[Throttle]] = deque()  # weak: a queued redraw must not keep its widget alive
    _pumping = False

    def __init__(self, interval_ms: int, callback: Callable[[], None], parent: QtCore.QObject | None = None,
                 busy_interval_ms: int | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.busy_interval_ms = busy_interval_ms
        # A bound method is held weakly: the throttle is its owner's child, and a strong reference back would make a
        # cycle that keeps a shown, ownerless widget alive until the cyclic GC destroys it at a random moment (in
        # the middle of its own paint event, or from the training thread), which crashes Qt.
        self._callback = weakref.WeakMethod(callback) if inspect.ismethod(callback) else (lambda: callback)
        self._last = 0.0
        self._queued = False
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)

    def request(self) -> None:
        if self._timer.isActive() or self._queued:
            return
        interval = self.busy_interval_ms if Throttle.training and self.busy_interval_ms else self.interval_ms
        wait_ms = interval * Throttle.scale - (time.perf_counter() - self._last) * 1000
        self._timer.start(max(int(wait_ms), 0))  # 0: the next pass of the event loop, coalescing a burst

    def flush(self) -> None:
        """Run a pending redraw now (scripted screenshots, tests)."""
        if self._timer.isActive() or self._queued:
            self._timer.stop()
            self._run()

    def _run(self) -> None:
        self._queued = False
        self._last = time.perf_counter()
        callback = self._callback()
        if callback is not None:
            callback()

    @QtCore.Slot()
    def _on_timer_timeout(self) -> None:
        self._queued = True
        Throttle._queue.append(weakref.ref(self))
        if not Throttle._pumping:
            Throttle._pumping = True
            QtCore.QTimer.singleShot(0, Throttle._pump)

    @staticmethod
    def _pump() -> None:
        while Throttle._queue:
            throttle = Throttle._queue.popleft()()
            if throttle is not None and throttle._queued and shiboken6.isValid(throttle):  # not flushed or gone
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
        Throttle.training = active
        if not active:
            Throttle.scale = 1.0
            return
        wanted = Throttle.scale * self.busy / self.target
        Throttle.scale = min(max(0.5 * Throttle.scale + 0.5 * wanted, 1.0), self.max_scale)
