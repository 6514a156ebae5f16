"""A run's history in memory that two processes share: the training process writes it, the GUI reads numpy views.

One block holds every array of a history at a fixed capacity (the snapshots' weights and scalars, and beside them
the derived metrics of each snapshot, computed once in the training process): a file on a RAM-backed filesystem
(/dev/shm on Linux) that both processes map. Only counts travel on the pipe: the writer fills row k, then says
"k + 1 rows"; the reader never looks past the count it was told, so it never sees a half-written row.

The file is removed (unlinked) as soon as both processes have mapped it: the memory lives as long as a mapping
does, and nothing is left in /dev/shm whichever process ends first, or how. Plain files, rather than
`multiprocessing.shared_memory`, because Python 3.11's resource tracker registers every process that attaches a
segment and warns about (or unlinks) segments it believes leaked; a file we unlink ourselves needs no tracker.
When /dev/shm is missing or lacks room (64 MB in a default Docker container), the block lives in the user's cache
folder instead: the same mapping, backed by disk pages the kernel caches, and `FALLBACK_NOTE` says so.

Qt-free and torch-free: the training process imports it too.
"""

from __future__ import annotations

import mmap
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.history import SCALARS, RunHistory
from engine.initial import Teacher

SHM = Path("/dev/shm")
# /dev/shm keeps this much room for others: a block that would leave less goes to the cache folder instead.
SHM_RESERVE = 32 * 2**20
ALIGN = 64
DERIVED = ("far_mass", "max_active_angle_deg", "span_share", "captured")
FALLBACK_NOTE = "/dev/shm lacks room for this run's history, so it is shared through a file in {folder} (slower)"


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "featlearn" / "shared"


def block_folder(nbytes: int) -> tuple[Path, str]:
    """Where a block of `nbytes` goes, and a note for the person when it is not /dev/shm."""
    try:
        stat = os.statvfs(SHM)
        if stat.f_bavail * stat.f_frsize >= nbytes + SHM_RESERVE:
            return SHM, ""
    except OSError:
        pass  # no /dev/shm (macOS, Windows)
    folder = cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    return folder, FALLBACK_NOTE.format(folder=folder)


@dataclass(frozen=True)
class Layout:
    """The shapes of a history's arrays at `capacity` snapshots: m neurons in d dimensions, k teachers."""

    capacity: int
    m: int
    d: int
    k: int
    dtype: str  # of the weights: "float32" or "float64"

    def arrays(self) -> list[tuple[str, tuple[int, ...], np.dtype]]:
        c, weights = self.capacity, np.dtype(self.dtype)
        rows = [("student_w", (c, self.m, self.d), weights), ("student_a", (c, self.m), weights)]
        rows += [(name, (c,), np.dtype(np.int64 if name in ("step", "stage") else np.float64)) for name in SCALARS]
        rows += [(name, (c,), np.dtype(np.float64)) for name in DERIVED if name != "captured"]
        rows += [("captured", (c, self.k), np.dtype(np.float64))]
        return rows

    @property
    def nbytes(self) -> int:
        return sum(_aligned(int(np.prod(shape)) * dtype.itemsize) for _name, shape, dtype in self.arrays())

    def grown(self) -> Layout:
        return Layout(2 * self.capacity, self.m, self.d, self.k, self.dtype)


def _aligned(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


class Block:
    """One mapped file holding a Layout's arrays (`arrays`, numpy views of the mapping)."""

    def __init__(self, path: Path, layout: Layout, create: bool) -> None:
        self.path, self.layout = Path(path), layout
        flags = os.O_RDWR | (os.O_CREAT | os.O_EXCL if create else 0)
        fd = os.open(self.path, flags, 0o600)
        try:
            if create:
                os.ftruncate(fd, max(layout.nbytes, 1))
            self._map = mmap.mmap(fd, max(layout.nbytes, 1))
        finally:
            os.close(fd)  # the mapping keeps the memory; the descriptor is not needed
        self.arrays: dict[str, np.ndarray] = {}
        offset = 0
        for name, shape, dtype in layout.arrays():
            count = int(np.prod(shape))
            self.arrays[name] = np.frombuffer(self._map, dtype, count, offset).reshape(shape)
            offset += _aligned(count * dtype.itemsize)

    def unlink(self) -> None:
        """Remove the file; the mappings stay valid (call once every process has mapped it)."""
        self.path.unlink(missing_ok=True)


class SharedMetrics:
    """The derived metrics of each snapshot of a SharedHistory, as `engine.metrics_series.MetricsSeries` offers
    them (far_mass, max_active_angle_deg, span_share, captured): computed by the training process, read here."""

    def __init__(self, history: SharedHistory) -> None:
        self.history = history

    def __len__(self) -> int:
        return len(self.history)

    def update(self) -> int:
        return 0  # the training process keeps them up to date

    def _column(self, name: str) -> np.ndarray:
        return self.history.block.arrays[name][: len(self.history)]

    @property
    def far_mass(self) -> np.ndarray:
        return self._column("far_mass")

    @property
    def max_active_angle_deg(self) -> np.ndarray:
        return self._column("max_active_angle_deg")

    @property
    def span_share(self) -> np.ndarray:
        return self._column("span_share")

    @property
    def captured(self) -> np.ndarray:
        return self._column("captured")


class SharedHistory(RunHistory):
    """A RunHistory whose arrays live in a Block. The training process appends (growing into a new block, named
    `next_path()`, when full); the GUI process publishes the counts it is told and adopts grown blocks."""

    def __init__(self, config, teacher: Teacher, block: Block, count: int = 0) -> None:  # noqa: D107
        # No super().__init__: the arrays are the block's, not fresh ones.
        self.config, self.teacher = config, teacher
        self.lineage = None  # a branch's (engine.lineage): kept in the GUI process, which saves the run file
        self.generation = 0
        self._use(block)
        self._count = count
        self.metrics = SharedMetrics(self)

    @staticmethod
    def layout_for(config, teacher: Teacher, capacity: int, dtype) -> Layout:
        return Layout(max(capacity, 1), config.student.width, config.teacher.dim, len(teacher.a),
                      np.dtype(dtype).name)

    @classmethod
    def create(cls, path: Path, source: RunHistory, capacity: int, metrics=None) -> SharedHistory:
        """A new block at `path` holding a copy of `source` (and `metrics` of its rows, when given)."""
        n = len(source)
        dtype = source.view()["student_w"].dtype
        layout = cls.layout_for(source.config, source.teacher, max(capacity, n), dtype)
        history = cls(source.config, source.teacher, Block(path, layout, create=True))
        arrays, view = history.block.arrays, source.view()
        for name, column in view.items():
            arrays[name][:n] = column
        if metrics is not None:
            for name in DERIVED:
                arrays[name][:n] = getattr(metrics, name)[:n]
        history._count = n
        history.lineage = getattr(source, "lineage", None)
        return history

    def _use(self, block: Block) -> None:
        self.block = block
        arrays = block.arrays
        # Assigned together: a reader holding the previous block's arrays keeps a valid (smaller) view.
        self._w, self._a = arrays["student_w"], arrays["student_a"]
        self._scalars = {name: arrays[name] for name in SCALARS}

    @property
    def capacity(self) -> int:
        return self.block.layout.capacity

    # --- the writer (training process) ----------------------------------------------------------------------

    def next_path(self) -> Path:
        """The file of the next, grown block: the name carries the generation, so the GUI can clean up after it."""
        base = self.block.path.name.rsplit(".g", 1)[0]  # files are named <base>.g<generation>
        return self.block.path.with_name(f"{base}.g{self.generation + 1}")

    def _grow(self) -> None:
        old, n = self.block, self._count
        block = Block(self.next_path(), old.layout.grown(), create=True)
        for name, array in old.arrays.items():
            block.arrays[name][:n] = array[:n]
        self.generation += 1
        self._use(block)
        self.on_grown(block)

    def on_grown(self, block: Block) -> None:
        """Called after growing into `block` (the training process tells the GUI here)."""

    def set_derived(self, start: int, metrics) -> None:
        """Copy rows start.. of `metrics` (a MetricsSeries of this history) beside the snapshots."""
        n = len(metrics)
        for name in DERIVED:
            self.block.arrays[name][start:n] = getattr(metrics, name)[start:n]

    # --- the reader (GUI process) ---------------------------------------------------------------------------

    def publish(self, count: int) -> None:
        """The writer says `count` rows are complete."""
        self._count = min(max(count, self._count), self.capacity)

    def adopt(self, block: Block) -> None:
        """Switch to a grown block the writer made (the rows so far are already copied into it)."""
        self.generation += 1
        self._use(block)


def share(history: RunHistory, name: str) -> tuple[SharedHistory, str]:
    """A copy of `history` in a new block named `name`, with room for its planned snapshots (it grows past them
    when needed) and its derived metrics filled in; and a note when the block is not in /dev/shm."""
    from engine.metrics_series import MetricsSeries

    metrics = MetricsSeries(history)
    metrics.update()
    capacity = max(history.config.snapshot_count(), len(history)) + 2
    layout = SharedHistory.layout_for(history.config, history.teacher, capacity, history.view()["student_w"].dtype)
    folder, note = block_folder(layout.nbytes)
    return SharedHistory.create(folder / name, history, capacity, metrics), note
