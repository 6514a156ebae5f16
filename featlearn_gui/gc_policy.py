"""Where Python's cyclic garbage collector may run while training threads exist: only in the GUI thread.

Automatic collection runs in whichever thread happens to allocate past the threshold: a training thread would
destroy garbage Qt objects (the plot items of a replaced run, a closed window) from the wrong thread, and the GUI
thread could destroy a widget in the middle of its own paint event; both crash Qt at random. A session `hold()`s
the collector while it owns workers and `tick()`s it from its frame clock, which collects the generations CPython
would have collected by now.
"""

from __future__ import annotations

import gc


class MainThreadCollector:
    """Process-wide on purpose: the collector itself is process-wide, so the holds of every window are counted."""

    _holders = 0
    _was_enabled = True

    @classmethod
    def hold(cls) -> None:
        if cls._holders == 0:
            cls._was_enabled = gc.isenabled()
            gc.disable()
        cls._holders += 1

    @classmethod
    def release(cls) -> None:
        cls._holders = max(cls._holders - 1, 0)
        if cls._holders == 0 and cls._was_enabled:
            gc.enable()

    @classmethod
    def tick(cls) -> None:
        if cls._holders == 0:
            return
        (young, middle, old), (t0, t1, t2) = gc.get_count(), gc.get_threshold()
        if young > t0:
            gc.collect(2 if middle >= t1 and old >= t2 else 1 if middle >= t1 else 0)
