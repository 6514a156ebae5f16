"""Atomic writes: a file (or folder) is written under a temporary name beside its target and renamed into place
only once it is complete, so a reader, a crash or a full disk never sees or leaves a half-written file under the
name the user asked for. Every writer of featlearn goes through here: run files, a sweep's results.csv and
copies, exports (video, GIF, PNG frames, CSV, figures).

    with atomic_path(Path("out/run.npz")) as tmp:
        write_everything_to(tmp)              # an exception removes tmp; the old run.npz is untouched

Temporary names are `.NAME.<pid>.<random>.part<suffix>`: unique (two writers of the same target never share one),
hidden, and they always fit the file system's name limit (NAME is shortened when needed). The pid lets
`remove_stale_parts` delete what a killed writer left, and nothing of a writer still alive.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

NAME_MAX_FALLBACK = 255  # bytes in one file name on Linux, macOS and Windows file systems


class NameTooLong(ValueError):
    """A file name longer than its file system holds."""


def name_max(folder: Path) -> int:
    """The longest file name, in bytes, that `folder`'s file system holds."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return NAME_MAX_FALLBACK


def check_name(path: Path) -> None:
    """Raise NameTooLong when `path`'s last component does not fit its folder's file system."""
    size, limit = len(os.fsencode(path.name)), name_max(path.parent if str(path.parent) else Path("."))
    if size > limit:
        raise NameTooLong(f"the file name is {size} bytes long; this file system holds names up to {limit} bytes")


def fit_name(name: str, limit: int, keep_suffix: str = "") -> str:
    """`name` shortened (characters from the end of its stem, `keep_suffix` kept) to at most `limit` bytes."""
    if len(os.fsencode(name)) <= limit:
        return name
    stem = name[: len(name) - len(keep_suffix)] if keep_suffix and name.endswith(keep_suffix) else name
    tail = keep_suffix if stem is not name else ""
    while stem and len(os.fsencode(stem + tail)) > limit:
        stem = stem[:-1]
    return stem + tail


def _prefix(target: Path, suffix: str) -> str:
    # ".NAME.<pid>." + mkstemp's 8 random characters + ".part<suffix>" must fit the folder's name limit.
    pid = f".{os.getpid()}."
    room = name_max(target.parent) - len(os.fsencode(f".{pid}XXXXXXXX.part{suffix}"))
    return f".{fit_name(target.name, max(room, 1))}{pid}"


def temp_path(target: Path, suffix: str = "") -> Path:
    """Create an empty private temporary file beside `target` (same file system: the rename is atomic)."""
    fd, name = tempfile.mkstemp(prefix=_prefix(target, suffix), suffix=f".part{suffix}", dir=target.parent)
    os.close(fd)
    return Path(name)


def temp_dir(target: Path, suffix: str = "") -> Path:
    """Create an empty private temporary folder beside `target`."""
    return Path(tempfile.mkdtemp(prefix=_prefix(target, suffix), suffix=f".part{suffix}", dir=target.parent))


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # read once at import: os.umask is process-wide, and briefly 0 while it is read


def publish(tmp: Path, target: Path, mode: int | None = None) -> None:
    """Flush `tmp` to disk, give it `mode` (default: what a plain open() would give), and move it onto `target`."""
    if tmp.is_file():
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())  # the rename must not reach the disk before the data does
    os.chmod(tmp, mode if mode is not None else (0o777 if tmp.is_dir() else 0o666) & ~_UMASK)
    os.replace(tmp, target)


@contextlib.contextmanager
def atomic_path(target: str | Path, suffix: str | None = None, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `target` to write; on success it replaces `target`, on any error (or
    BaseException: Ctrl+C) it is removed and `target` is untouched. `suffix` defaults to the target's own, for
    writers that pick the format from the extension."""
    target = Path(target)
    tmp = temp_path(target, target.suffix if suffix is None else suffix)
    try:
        yield tmp
        publish(tmp, target, mode)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(target: str | Path, data: bytes, mode: int | None = None) -> None:
    """Write `data` to `target` atomically."""
    with atomic_path(target, mode=mode) as tmp:
        tmp.write_bytes(data)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists now (absurd ids, 0 and negatives: no)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError, ValueError):
        return False
    except PermissionError:  # another user's live process
        return True
    return True


_PART = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[a-z0-9_]{8}\.part.*", re.DOTALL)


def remove_stale_parts(target: Path) -> list[Path]:
    """Delete the temporaries of `target` that writers which are gone (killed, crashed) left behind."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in target.parent.iterdir():
            match = _PART.fullmatch(entry.name)
            if match is None or not target.name.startswith(match["name"]) or pid_alive(int(match["pid"])):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed
