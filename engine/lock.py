"""A folder owned by one process at a time: an advisory lock file (`flock`) that the kernel releases when its
process ends, however it ends (kill -9, a crash, a power cut), so a stale lock needs no guessing from PIDs.

    with FolderLock(Path("out")) as lock:   # FolderBusy (naming the holder) if another process holds it
        ...

The lock file holds the holder's pid, host and start time, for the message a second process gets. A sweep's
output folder (engine.sweep) and the app's recovery folders use it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import time
from pathlib import Path

LOCK_NAME = ".featlearn.lock"


class FolderBusy(RuntimeError):
    """Another live process holds the folder; `holder` is what it wrote in the lock file (may be empty)."""

    def __init__(self, folder: Path, holder: dict) -> None:
        self.folder, self.holder = folder, holder
        who = f"process {holder.get('pid', '?')} on {holder.get('host', '?')}" if holder else "another process"
        since = f" since {holder['started']}" if "started" in holder else ""
        super().__init__(f"{folder} is in use by {who}{since}")


def _holder(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class FolderLock:
    """Exclusive ownership of `folder` (created if missing, with `mode`) while held."""

    def __init__(self, folder: str | Path, mode: int = 0o777) -> None:
        self.folder, self.mode = Path(folder), mode
        self.path = self.folder / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        """Take the lock (FolderBusy if a live process holds it; OSError if the folder cannot be made)."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=self.mode)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise FolderBusy(self.folder, _holder(self.path)) from None
            raise
        # The previous holder (if any) is gone: its lock went with it; this one replaces its note.
        note = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(note).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock; the file stays (removing it would race a new holder)
            self._fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def held_by_someone(folder: Path) -> bool | None:
    """Whether a live process holds `folder`'s lock: True, False, or None when the folder has no lock file."""
    path = Path(folder) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False
