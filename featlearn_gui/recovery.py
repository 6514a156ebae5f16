"""Recovery copies: a crash, a kill -9 or a power cut never loses more than a few seconds of a run.

While a window has runs with unsaved work, its `RecoveryKeeper` writes each of them (atomically, like every run
file) into the user's cache, at most every `INTERVAL_S` seconds and only when it grew. Copies are private (0600 in
a 0700 folder): a run may be someone's unpublished work. A window that closes cleanly removes its copies.

Each window's folder is locked (engine.lock) while the window lives; the kernel drops the lock when the process
ends however it ends, so copies are offered at the next start exactly when their window is gone, even if its PID
now belongs to another process (`leftover_runs`). Declined, they are removed; restored, they are removed only
once the new window holds copies of its own (`hand_over`), so a crash in between still loses nothing.

    ~/.cache/featlearn/recovery/<pid>-<window>/<n>-<label>.npz
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

from PySide6 import QtCore

from engine import atomic, lock
from featlearn_gui.model import AppModel

INTERVAL_S = 10.0
SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def recovery_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "featlearn" / "recovery"


FOLDER = re.compile(r"(\d+)-[0-9a-f]+")


def _gone(folder: Path) -> bool:
    """Whether the window that wrote `folder` is gone: its lock is free (folders of older featlearns, without a
    lock file: their PID is not running)."""
    held = lock.held_by_someone(folder)
    if held is not None:
        return not held
    pid = int(FOLDER.fullmatch(folder.name)[1])  # type: ignore[index]
    return pid != os.getpid() and not atomic.pid_alive(pid)


def leftover_runs(root: Path | None = None) -> list[Path]:
    """Run files copied by featlearn windows that are gone (crashed or killed), oldest first."""
    root = root or recovery_root()
    if not root.is_dir():
        return []
    try:
        folders = [f for f in root.iterdir() if FOLDER.fullmatch(f.name) and f.is_dir() and not f.is_symlink()]
        files = [p for folder in folders if _gone(folder) for p in folder.glob("*.npz")]
        return sorted(files, key=lambda p: p.stat().st_mtime)
    except OSError:  # an unreadable cache must not stop the app from starting
        return []


def discard(paths: list[Path]) -> None:
    for folder in {p.parent for p in paths}:
        shutil.rmtree(folder, ignore_errors=True)


def hand_over(kept: list[Path], keeper: RecoveryKeeper) -> bool:
    """After restoring `kept` into `keeper`'s window: write that window's copies now, and remove the old ones only
    if every restored run has its new copy (else they stay, to be offered again). True when removed."""
    keeper.keep()
    if keeper.copies_missing():
        return False
    discard(kept)
    return True


class RecoveryKeeper(QtCore.QObject):
    """Keeps recovery copies of one window's unsaved runs; `close()` (a clean exit) removes them.

    `failed(text)` is emitted once when copies cannot be written (a full disk), and again only after a success.
    """

    failed = QtCore.Signal(str)

    def __init__(self, model: AppModel, parent: QtCore.QObject | None = None, root: Path | None = None,
                 interval_s: float = INTERVAL_S) -> None:
        super().__init__(parent)
        self.model = model
        self.folder = (root or recovery_root()) / f"{os.getpid()}-{id(model):x}"
        self._written: dict[int, int] = {}  # id(run history) -> snapshots in its copy
        self._lock = lock.FolderLock(self.folder, mode=0o700)
        self._missing: list[str] = []  # labels of runs whose copy could not be written at the last keep()
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
        written, errors = [], []
        self._missing = []
        for path, run in wanted.items():
            if self._written.get(id(run.history)) == run.count and path.exists():
                continue
            try:
                self._own_folder()
                # Atomic; a copy of the recorded snapshots so far. Uncompressed: zlib held the GUI thread for
                # ~50 ms every interval (a visible stall while training), for a file nobody keeps.
                run.history.save(path, mode=0o600, compress=False)
            except (OSError, ValueError, lock.FolderBusy) as exc:
                # A full cache must not disturb training: say so once; the next tick tries again.
                self._missing.append(run.label)
                errors.append(getattr(exc, "strerror", None) or str(exc))
                continue
            self._written[id(run.history)] = run.count
            written.append(path)
        self._report(errors)
        if self.folder.is_dir():
            for stale in set(self.folder.glob("*.npz")) - set(wanted):
                stale.unlink(missing_ok=True)
        self.seconds_spent += time.perf_counter() - started
        return written

    def _own_folder(self) -> None:
        if self._lock._fd is None:
            self._lock.acquire()
            os.chmod(self.folder, 0o700)  # mkdir's mode is reduced by the umask; private means private

    def _report(self, errors: list[str]) -> None:
        if errors and not self._failing:
            self.failed.emit(f"Recovery copies cannot be written ({errors[0]}); save your runs to keep them")
        self._failing = bool(errors)

    _failing = False

    def copies_missing(self) -> list[str]:
        """Labels of the runs whose recovery copy the last `keep()` could not write."""
        return list(self._missing)

    def close(self) -> None:
        """A clean exit: nothing to recover."""
        self._timer.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
        self._lock.release()
