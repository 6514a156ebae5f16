"""A fixture shared by the Qt test folders: fail any test that leaves a QThread running."""

from __future__ import annotations

import pytest
from PySide6 import QtCore


def _running(thread: QtCore.QThread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:  # the C++ object is gone, and its thread with it
        return False


@pytest.fixture(autouse=True)
def no_thread_left_running(monkeypatch):
    """Record every QThread started during the test; fail (after stopping them) if any is still running."""
    started: list[QtCore.QThread] = []
    original = QtCore.QThread.start

    def recording_start(self, *args, **kwargs):
        started.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QtCore.QThread, "start", recording_start)
    yield started
    leaked = [t for t in started if _running(t)]
    for thread in leaked:
        if hasattr(thread, "stop"):
            thread.stop(2000)
        thread.wait(2000)
    assert not leaked, f"{len(leaked)} QThread(s) still running after the test: {leaked}"
