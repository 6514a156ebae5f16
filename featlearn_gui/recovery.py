"""Recovery copies: a crash, a kill -9 or a power cut never loses more than a few seconds of a run.

While a window has runs with unsaved work, its `RecoveryKeeper` writes each of them (atomically, like every run
file) into the user's cache, at most every `INTERVAL_S` seconds and only when it grew. A window that closes
cleanly removes its copies. Copies left behind by a process that is gone are offered at the next start
(`leftover_runs`); restored or declined, they are then removed.

    ~/.cache/featlearn/recovery/<pid>-<window>/<n>-<label>.npz
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

from PySide6 import QtCore

from featlearn_gui.model import AppModel

INTERVAL_S = 10.0
SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def recovery_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "featlearn" / "recovery"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def leftover_runs(root: Path | None = None) -> list[Path]:
    """Run files copied by featlearn processes that are gone (crashed or killed), oldest first."""
    root = root or recovery_root()
    if not root.is_dir():
        return []
    folders = [f for f in root.iterdir() if f.is_dir() and f.name.split("-")[0].isdigit()]
    dead = [f for f in folders if int(f.name.split("-")[0]) != os.getpid() and not _alive(int(f.name.split("-")[0]))]
    files = [p for folder in dead for p in folder.glob("*.npz")]
    return sorted(files, key=lambda p: p.stat().st_mtime)


def discard(paths: list[Path]) -> None:
    for folder in {p.parent for p in paths}:
        shutil.rmtree(folder, ignore_errors=True)


class RecoveryKeeper(QtCore.QObject):
    """Keeps recovery copies of one window's unsaved runs; `close()` (a clean exit) removes them."""

    def __init__(self, model: AppModel, parent: QtCore.QObject | None = None, root: Path | None = None,
                 interval_s: float = INTERVAL_S) -> None:
        super().__init__(parent)
        self.model = model
        self.folder = (root or recovery_root()) / f"{os.getpid()}-{id(model):x}"
        self._written: dict[int, int] = {}  # id(run history) -> snapshots in its copy
        self.seconds_spent = 0.0  # writing copies, for the bench
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(int(interval_s * 1000))
        self._timer.timeout.connect(self.keep)
        self._timer.start()

    def keep(self) -> list[Path]:
        """Write a copy of every run that grew since its last copy; remove copies of runs saved or gone."""
        started = time.perf_counter()
        wanted: dict[Path, object] = {}
        for n, run in enumerate(self.model.runs):
            if run.has_unsaved_work:
                wanted[self.folder / f"{n}-{SAFE.sub('_', run.label)[:40]}.npz"] = run
        written = []
        for path, run in wanted.items():
            if self._written.get(id(run.history)) == run.count and path.exists():
                continue
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                run.history.save(path)  # atomic; a copy of the recorded snapshots so far
            except (OSError, ValueError):
                continue  # a full cache must not disturb training; the next tick tries again
            self._written[id(run.history)] = run.count
            written.append(path)
        if self.folder.is_dir():
            for stale in set(self.folder.glob("*.npz")) - set(wanted):
                stale.unlink(missing_ok=True)
        self.seconds_spent += time.perf_counter() - started
        return written

    def close(self) -> None:
        """A clean exit: nothing to recover."""
        self._timer.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
