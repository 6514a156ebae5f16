"""Leading-and-trailing-edge throttling of redraws in the GUI thread.

A view asks for a redraw whenever its data changes; the throttle runs the redraw at once when the last one is
older than the interval and otherwise once at the end of it, so bursts collapse into one redraw (latest wins) and
a scrub still answers immediately. Preparing a redraw (and painting the items that paint in Python) holds the GIL,
which the training thread needs: redrawing plots a few times a second instead of 60 is most of what keeps training
at full speed with the window attached.
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
    """Runs `callback` at most every `interval_ms` × `governor.scale` milliseconds.

    `governor` is the window's LoadGovernor (None: never stretched). `busy_interval_ms`, when given, replaces
    `interval_ms` while the window's training runs unpaced (`governor.training`): plots then redraw a few times a
    second and leave the GIL to the training threads, while the sphere, which people watch, keeps its frame rate.

    Due redraws of all throttles queue up and run one per pass of the event loop, so the window never paints
    every plot in one go: the longest the GUI thread is busy is one view's redraw, not the sum of them all.
    """

    _queue: deque[weakref.ref[Throttle]] = deque()  # weak: a queued redraw must not keep its widget alive
    _pumping = False

    def __init__(self, interval_ms: int, callback: Callable[[], None], parent: QtCore.QObject | None = None,
                 busy_interval_ms: int | None = None, max_interval_ms: int | None = None,
                 governor: LoadGovernor | None = None) -> None:
        super().__init__(parent)
        self.governor = governor
        self.interval_ms = interval_ms
        self.busy_interval_ms = busy_interval_ms
        self.max_interval_ms = max_interval_ms  # the governor never stretches the interval beyond this (a floor fps)
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
        governor = self.governor
        training, scale = (governor.training, governor.scale) if governor is not None else (False, 1.0)
        interval = self.busy_interval_ms if training and self.busy_interval_ms else self.interval_ms
        interval *= scale
        if self.max_interval_ms is not None:
            interval = min(interval, max(self.max_interval_ms, self.interval_ms))
        wait_ms = interval - (time.perf_counter() - self._last) * 1000
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
    """Stretches the intervals of a window's Throttles while the training thread is kept off the CPU by the GUI thread.

    What slows training down is not the GUI thread's CPU time as such (most painting runs in C++ with the GIL
    released, on the other core) but the time the GUI thread holds the GIL. That is measured from the other side:
    the CPU share of the process's other threads (`time.process_time() - time.thread_time()`, both read in the GUI
    thread), which is the training thread's. Running flat out it keeps a core busy; every millisecond it waits for
    the GIL is a millisecond it is off the CPU. When that share falls below `target` the intervals grow (up to
    `max_scale`, and never beyond a throttle's own `max_interval_ms`: the sphere keeps its floor frame rate); when
    training has the CPU to itself they shrink back towards normal. Training starts at the scale the last stretch
    of training settled on (at first `max_scale`): a ramp from 1 would cost the first second of every run.
    """

    def __init__(self, target: float = 0.9, max_scale: float = 8.0, grow: float = 1.5, relax: float = 0.85) -> None:
        self.target, self.max_scale, self.grow, self.relax = target, max_scale, grow, relax
        self.scale = 1.0  # > 1 slows every redraw of the window down while its training runs flat out
        self.training = False  # the window's training runs unpaced right now
        self.busy = 0.0  # the GUI thread's CPU share over the last window (informational)
        self.training_share = 1.0  # the other threads' CPU share over the last window
        self._resume = max_scale  # the scale training starts at: where the last stretch of training left it
        self._mark = self._now()

    @staticmethod
    def _now() -> tuple[float, float, float]:
        return time.perf_counter(), time.thread_time(), time.process_time()

    def update(self, active: bool) -> None:
        """Call from the GUI thread every few hundred ms; `active`: training runs unpaced right now."""
        now = self._now()
        (wall, cpu, proc), (then_wall, then_cpu, then_proc) = now, self._mark
        self._mark = now
        if wall <= then_wall:
            return
        span = wall - then_wall
        self.busy = (cpu - then_cpu) / span
        self.training_share = max((proc - then_proc) - (cpu - then_cpu), 0.0) / span
        was_training, self.training = self.training, active
        if not active:
            if was_training:
                self._resume = self.scale
            self.scale = 1.0
            return
        if not was_training:
            self.scale = self._resume  # the window straddles the start of training: nothing to judge yet
            return
        if self.training_share < self.target:
            scale = self.scale * self.grow
        elif self.training_share > self.target + 0.5 * (1.0 - self.target):
            scale = self.scale * self.relax
        else:
            scale = self.scale
        self.scale = min(max(scale, 1.0), self.max_scale)
