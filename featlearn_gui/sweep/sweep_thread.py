"""A sweep run from the window: `engine.sweep.runner.run_sweep` in a QThread, with progress and Cancel.

The runner polls a threading.Event between results, so Cancel returns within a fraction of a second: pending runs
are cancelled, finished ones stay in the directory (running the sweep again resumes).
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6 import QtCore

from engine.sweep.grid import Sweep
from engine.sweep.runner import SweepInterrupted, SweepReport, run_sweep


class SweepThread(QtCore.QThread):
    """Signals: progress(finished, failed, total to run, running); done(message, ok)."""

    progress = QtCore.Signal(int, int, int, int)
    done = QtCore.Signal(str, bool)

    def __init__(self, sweep: Sweep, out: Path, workers: int = 0, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.sweep, self.out, self.workers = sweep, Path(out), workers
        self._stop = threading.Event()
        self._to_run = len(sweep.points)

    def cancel(self) -> None:
        self._stop.set()

    def stop(self, timeout_ms: int = 30000) -> None:
        """Cancel and wait (closing the window, tests)."""
        self.cancel()
        self.wait(timeout_ms)

    def run(self) -> None:
        try:
            report = run_sweep(
                self.sweep,
                self.out,
                workers=self.workers,
                quiet=True,
                stop=self._stop,
                on_start=self._on_start,
                on_progress=self._on_progress,
            )
        except SweepInterrupted as exc:
            r = exc.report
            self.done.emit(f"cancelled: {r.skipped + r.done} of {r.total} runs kept; run again to resume", False)
        except Exception as exc:  # shown in the window's status bar, never a crash of the GUI
            self.done.emit(f"sweep failed: {exc}", False)
        else:
            c = report.counts
            text = f"sweep finished: {c['ok']} ok, {c['diverged']} diverged, {c['failed']} failed"
            self.done.emit(text + (f", {report.skipped} already there" if report.skipped else ""), not c["failed"])

    def _on_start(self, report: SweepReport, threads: int) -> None:
        self._to_run = report.total - report.skipped
        self.progress.emit(0, 0, self._to_run, 0)

    def _on_progress(self, report: SweepReport, running: int) -> None:
        self.progress.emit(report.done, report.counts["failed"], self._to_run, running)
