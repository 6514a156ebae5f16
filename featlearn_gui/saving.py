"""Never lose a run: check where it goes before training, save it without interruption, keep it elsewhere if the
destination fails after all.

`check_destination` refuses, before any training, a destination that cannot work: an empty name, a folder, a
device or pipe, a missing or unwritable folder, a disk without room for the run. `save_run` then writes the run
file atomically with SIGINT and SIGTERM held back, and when writing still fails (a disk that filled up meanwhile)
keeps the run in the user cache instead, so that hours of training are never thrown away.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from engine import atomic

# Free space beyond the run's own size that the destination should have (the zip's headers, the config text).
SPACE_MARGIN_BYTES = 1 << 20


class DestinationError(ValueError):
    """The output path cannot take the run file; the message says why and what to give instead."""


def check_destination(text: str, needed_bytes: int) -> Path:
    """The output path, after checking that a run file of about `needed_bytes` can be written there."""
    if not text.strip():
        raise DestinationError(f"--out {text!r}: give a file name, e.g. --out run.npz")
    path = Path(text)
    try:
        atomic.check_name(path)  # the temporary beside it always fits (engine.atomic shortens it)
    except atomic.NameTooLong as exc:
        raise DestinationError(f"--out {text[:60]}...: {exc}; give a shorter name") from None
    if text.endswith(("/", os.sep)) or path.is_dir():
        raise DestinationError(f"--out {text}: that is a folder; give a file name in it, e.g. {path / 'run.npz'}")
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):
        raise DestinationError(f"--out {text}: not a regular file (a device, pipe or socket); give a file path")
    folder = path.parent
    if not folder.is_dir():
        raise DestinationError(f"--out {text}: directory {folder} does not exist")
    _probe(text, folder)
    free = shutil.disk_usage(folder).free
    if free < needed_bytes + SPACE_MARGIN_BYTES:
        raise DestinationError(
            f"--out {text}: {folder} has {free / 2**20:.1f} MiB free, the run file needs about "
            f"{(needed_bytes + SPACE_MARGIN_BYTES) / 2**20:.1f} MiB; free some space or choose another folder"
        )
    return path


def _probe(text: str, folder: Path) -> None:
    """Create and remove a file in `folder`: the only test that read-only file systems and ACLs cannot fool."""
    try:
        fd, name = tempfile.mkstemp(prefix=".featlearn-probe.", dir=folder)
    except OSError as exc:
        raise DestinationError(f"--out {text}: cannot write in {folder}: {exc.strerror or exc}") from None
    os.close(fd)
    os.unlink(name)


@dataclass
class HeldSignals:
    """The SIGINT / SIGTERM that arrived while held back (None if none did)."""

    signum: int | None = None


@contextlib.contextmanager
def signals_held() -> Iterator[HeldSignals]:
    """Hold SIGINT and SIGTERM back for the duration (a save must finish or not start); report what came."""
    held = HeldSignals()

    def remember(signum, frame) -> None:
        held.signum = signum

    previous = {sig: signal.signal(sig, remember) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield held
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def cache_dir() -> Path:
    """Where runs that could not be saved at their destination are kept: $XDG_CACHE_HOME/featlearn/unsaved."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "featlearn" / "unsaved"


def fallback_paths(out: Path) -> list[Path]:
    """Places to keep a run whose destination failed: the user cache, then the system's temporary folder."""
    tail = f"-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.npz"
    name = atomic.fit_name(f"{out.stem or 'run'}{tail}", atomic.NAME_MAX_FALLBACK, keep_suffix=tail)
    return [cache_dir() / name, Path(tempfile.gettempdir()) / name]


@dataclass(frozen=True)
class SaveResult:
    """Where the run went: `path` is the destination, or the fallback when `error` says why it failed."""

    path: Path | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def save_run(history, out: Path) -> SaveResult:
    """Save `history` at `out`; if that fails, keep it at a fallback path (SaveResult says which)."""
    try:
        history.save(out)
        return SaveResult(out)
    except OSError as exc:
        error = exc.strerror or str(exc)
    for path in fallback_paths(out):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            history.save(path)
            return SaveResult(path, error)
        except OSError:
            continue
    return SaveResult(None, error)


def describe_failure(out: Path, result: SaveResult) -> str:
    """One line for a failed save: the reason, and where the run is kept (or that it could not be)."""
    if result.path is not None:
        return f"could not write {out}: {result.error}; the run is kept at {result.path}"
    places = " or ".join(str(p.parent) for p in fallback_paths(out))
    return f"could not write {out}: {result.error}, nor in {places}; the run could not be saved"
