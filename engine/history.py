"""Snapshots of a run, the append-only history that collects them, and the run file (.npz) that stores it.

Memory: a history holds T snapshots of m neurons in d dimensions, T·m·(d + 1) numbers stored in the run's dtype
(8 bytes for float64), plus five scalars per snapshot. m = 5,000, d = 3, 16,000 steps recorded every 20 steps
(T = 802) is 128 MB in float64; the config refuses histories over 1 GiB (`engine.config.MAX_HISTORY_BYTES`).

Appending is safe while another thread reads: buffers are written first and the count published last, and a
grown buffer replaces the old one without touching it, so `view()` always returns consistent arrays.
"""

from __future__ import annotations

import math
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import atomic
from . import config as config_mod
from .config import RunConfig
from .initial import Teacher
from .lineage import LINEAGE_KEYS, Lineage, LineageError
from .lineage import from_arrays as lineage_from_arrays

SCHEMA = 1
RUN_KEYS = (
    "schema",
    "config_toml",
    "teacher_w",
    "teacher_a",
    "step",
    "student_w",
    "student_a",
    "loss",
    "objective",
    "weight_decay",
    "stage",
    "population_loss",
)
SCALARS = ("step", "loss", "objective", "weight_decay", "stage", "population_loss")
# Keys that run files written before they existed lack; loading fills them in (see _population_losses).
ADDED_KEYS = ("population_loss",)
# An older finite-sample run file gets its population loss computed on load when that costs at most about this
# many kernel evaluations (snapshots x m^2, a second or so); beyond it the column is NaN, i.e. "not recorded".
POPULATION_BACKFILL_MAX = 2 * 10**8


class RunFileError(ValueError):
    """A file that is not a readable featlearn run; the message says which file and why."""


@dataclass(frozen=True)
class Snapshot:
    """The state of a run at one step, as read-only numpy arrays copied off the device.

    Attributes
    ----------
    step : training step (0 is the initialization).
    stage : 0 in plain mode; 1, 2, 3 for the stages of the three-stage procedure.
    student_w : (m, d) first-layer weights.
    student_a : (m,) second-layer weights.
    loss : the training loss L, unregularized: exact (population), on the n samples (empirical, all of them even
        when the step used a minibatch), or on this step's fresh batch (online).
    objective : L_λ = L + λ/2 (‖a‖² + ‖W‖_F²).
    weight_decay : λ in force at this step.
    population_loss : the exact population loss at this step; None means "equal to loss" (a population run).
    """

    step: int
    stage: int
    student_w: np.ndarray
    student_a: np.ndarray
    loss: float
    objective: float
    weight_decay: float
    population_loss: float | None = None


class RunHistory:
    """Append-only snapshots of one run, with the teacher and the config that produced it."""

    def __init__(self, config: RunConfig, teacher: Teacher, capacity: int = 0, dtype=np.float64) -> None:
        self.config = config
        self.teacher = teacher
        m, d = config.student.width, config.teacher.dim
        capacity = max(capacity or config.snapshot_count(), 1)
        self._w = np.empty((capacity, m, d), dtype=dtype)
        self._a = np.empty((capacity, m), dtype=dtype)
        self._scalars = {
            name: np.empty(capacity, dtype=np.int64 if name in ("step", "stage") else np.float64) for name in SCALARS
        }
        self._count = 0
        self.lineage: Lineage | None = None  # set for a branch (engine.branch): its parent and branch step

    def __len__(self) -> int:
        return self._count

    def append(self, snap: Snapshot) -> None:
        n = self._count
        if n and snap.step <= self._scalars["step"][n - 1]:
            raise ValueError(f"snapshot step {snap.step} is not after the last recorded step")
        if n == len(self._a):
            self._grow()
        self._w[n] = snap.student_w
        self._a[n] = snap.student_a
        for name in SCALARS:
            value = getattr(snap, name)
            self._scalars[name][n] = snap.loss if value is None else value  # population_loss None: equal to loss
        self._count = n + 1  # published last: readers never see a half-written row

    def _grow(self) -> None:
        # Doubling keeps appends amortized O(1); the old arrays stay valid for readers holding them.
        grow = lambda arr: np.concatenate([arr, np.empty_like(arr)])  # noqa: E731
        self._w, self._a = grow(self._w), grow(self._a)
        self._scalars = {name: grow(arr) for name, arr in self._scalars.items()}

    def view(self) -> dict[str, np.ndarray]:
        """All recorded arrays up to now, keyed like the run file: step, student_w, student_a, loss, ..."""
        n = self._count
        w, a, scalars = self._w, self._a, self._scalars
        out = {name: arr[:n] for name, arr in scalars.items()}
        out["student_w"], out["student_a"] = w[:n], a[:n]
        return out

    @property
    def steps(self) -> np.ndarray:
        return self._scalars["step"][: self._count]

    def snapshot(self, index: int) -> Snapshot:
        """The snapshot at position `index` (negative counts from the end)."""
        n = self._count
        if not -n <= index < n:
            raise IndexError(f"snapshot {index} of {n}")
        i = index % n
        s = self._scalars
        return Snapshot(
            step=int(s["step"][i]),
            stage=int(s["stage"][i]),
            student_w=self._w[i],
            student_a=self._a[i],
            loss=float(s["loss"][i]),
            objective=float(s["objective"][i]),
            weight_decay=float(s["weight_decay"][i]),
            population_loss=float(s["population_loss"][i]),
        )

    def index_at_step(self, step: int) -> int:
        """Index of the last snapshot at or before `step` (0 if `step` precedes them all)."""
        return max(int(np.searchsorted(self.steps, step, side="right")) - 1, 0)

    # --- run file -------------------------------------------------------------------------------------------

    def save(self, path: str | Path, mode: int | None = None, compress: bool = True) -> None:
        """Write the run file (exactly RUN_KEYS, and LINEAGE_KEYS for a branch) atomically: a temporary file moved
        into place (engine.atomic); `mode`: its permissions (default: as open() gives them); `compress=False`
        stores the arrays as they are (a few times larger, many times faster: the app's recovery copies)."""
        path = Path(path)
        if not len(self):
            raise ValueError("a run with no snapshots cannot be saved: a run file holds at least step 0")
        data = self.view()
        arrays = {
            "schema": np.array(SCHEMA),
            "config_toml": np.array(config_mod.dumps(self.config)),
            "teacher_w": self.teacher.w,
            "teacher_a": self.teacher.a,
            **data,
        }
        keys: tuple[str, ...] = RUN_KEYS
        if self.lineage is not None:
            arrays.update(self.lineage.to_arrays())
            keys = RUN_KEYS + LINEAGE_KEYS
        with atomic.atomic_path(path, mode=mode) as tmp, open(tmp, "wb") as f:
            (np.savez_compressed if compress else np.savez)(f, **{k: arrays[k] for k in keys})  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | Path) -> RunHistory:
        """Read a run file; anything else (a foreign .npz, pickled content, a truncated file, a zip bomb) is a
        RunFileError. Headers and declared sizes are checked against the config's bounds before any data is read
        (see `read_arrays`)."""
        path = Path(path)
        data = read_arrays(path)
        return cls._from_arrays(path, data)

    @classmethod
    def _from_arrays(cls, path: Path, data: dict[str, np.ndarray]) -> RunHistory:
        cfg = _check_header(path, data)
        _check_arrays(path, data, cfg)
        teacher = Teacher(data["teacher_w"].astype(np.float64), data["teacher_a"].astype(np.float64))
        T = len(data["step"])
        if "population_loss" not in data:
            data["population_loss"] = _population_losses(cfg, teacher, data)
        try:
            lineage = lineage_from_arrays(data, cfg, data["step"])
        except LineageError as exc:
            raise RunFileError(f"{path} is corrupt: {exc}") from None
        history = cls(cfg, teacher, capacity=T, dtype=data["student_w"].dtype)
        history.lineage = lineage
        for i in range(T):
            history.append(
                Snapshot(
                    step=int(data["step"][i]),
                    stage=int(data["stage"][i]),
                    student_w=data["student_w"][i],
                    student_a=data["student_a"][i],
                    loss=float(data["loss"][i]),
                    objective=float(data["objective"][i]),
                    weight_decay=float(data["weight_decay"][i]),
                    population_loss=float(data["population_loss"][i]),
                )
            )
        return history


def check_file(path: str | Path) -> RunConfig:
    """Validate the run file at `path` as `RunHistory.load` does (every array, every value) and return its
    config, without building the history; RunFileError if it is not a sound run file."""
    path = Path(path)
    data = read_arrays(path)
    cfg = _check_header(path, data)
    _check_arrays(path, data, cfg)
    return cfg


# --- reading a run file: every header and size checked before the data it announces is read --------------------

HEADER_KEYS = ("schema", "config_toml")
MAX_HEADER_BYTES = 1 << 20  # the schema and the config's TOML text: a few KB
NPY_HEADER_MAX = 1 << 16  # an .npy header is a short dict literal


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of the run file at `path`, read member by member from its zip archive.

    Before reading a member's data: it must be stored or deflated (not encrypted), its .npy header must be a plain
    (non-object) dtype and the shape the config implies, and header + data must be exactly the size the archive
    declares for it. The declared sizes are bounded by the config's own memory bound (MAX_HISTORY_BYTES), and
    zipfile never inflates past a declared size, so a small file that would inflate to gigabytes is refused
    before it is inflated.
    """
    try:
        # Our own file handle: zipfile leaves it open when the archive turns out to be corrupt.
        with open(path, "rb") as f:
            if f.read(4) != b"PK\x03\x04":
                kind = "a plain .npy array" if f.seek(0) == 0 and f.read(6) == b"\x93NUMPY" else "not a zip archive"
                raise RunFileError(f"{path} is not a featlearn run file ({kind})")
            f.seek(0)
            with zipfile.ZipFile(f) as archive:
                return _read_members(path, archive)
    except RunFileError:
        raise
    except FileNotFoundError:
        raise RunFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise RunFileError(f"{path} is a folder, not a run file") from None
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error, NotImplementedError,
            RuntimeError, OverflowError, MemoryError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__  # one line, whatever the library said
        raise RunFileError(f"{path} is not a readable featlearn run file ({reason[:200]})") from None


def _read_members(path: Path, archive: zipfile.ZipFile) -> dict[str, np.ndarray]:
    members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
    missing = [k for k in RUN_KEYS if k not in members and k not in ADDED_KEYS]
    if missing:
        raise RunFileError(f"{path} is not a featlearn run file: it lacks {', '.join(missing)}")
    for key in RUN_KEYS:
        info = members.get(key)
        if info is None:
            continue
        if info.flag_bits & 0x1:
            raise _corrupt(path, key, "is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _corrupt(path, key, f"uses zip compression method {info.compress_type}, not stored or deflated")
    data = {key: _member(path, archive, members[key], key, None, MAX_HEADER_BYTES) for key in HEADER_KEYS}
    cfg = _check_header(path, data)
    data["step"] = _member(path, archive, members["step"], "step", None, MAX_HEADER_BYTES)
    step = data["step"]
    if step.ndim != 1 or len(step) == 0:
        raise _corrupt(path, "step", f"has shape {step.shape}: a run file holds at least one snapshot")
    shapes = _expected_shapes(cfg, len(step))
    per_snapshot = cfg.student.width * (cfg.teacher.dim + 1) * 8
    if len(step) * per_snapshot > 2 * config_mod.MAX_HISTORY_BYTES:
        raise _corrupt(path, "step", f"declares {len(step)} snapshots, more than a run of this config may hold")
    for key in RUN_KEYS[2:]:
        if key != "step" and key in members:
            data[key] = _member(path, archive, members[key], key, shapes[key], 2 * config_mod.MAX_HISTORY_BYTES)
    for key in LINEAGE_KEYS:  # a branch's: small (a name, a config's text, a few numbers), checked by engine.lineage
        if key in members:
            data[key] = _member(path, archive, members[key], key, None, MAX_HEADER_BYTES)
    return data


def _expected_shapes(cfg: RunConfig, T: int) -> dict[str, tuple[int, ...]]:
    m, d, k = cfg.student.width, cfg.teacher.dim, cfg.teacher.width
    shapes = {"teacher_w": (k, d), "teacher_a": (k,), "student_w": (T, m, d), "student_a": (T, m)}
    shapes.update({name: (T,) for name in SCALARS})
    return shapes


def _member(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, shape, limit: int) -> np.ndarray:
    """One .npy member: header checked (dtype, `shape` if given, size against the declared size), then read."""
    if info.file_size > limit:
        raise _corrupt(path, key, f"declares {info.file_size} bytes, more than a run file holds (limit {limit})")
    with archive.open(info) as f:
        version = np.lib.format.read_magic(f)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
        if version not in read_header:
            raise _corrupt(path, key, f"has .npy format version {version}")
        found, fortran, dtype = read_header[version](f, max_header_size=NPY_HEADER_MAX)
        if dtype.hasobject or dtype.kind not in "biufU":
            raise _corrupt(path, key, f"has type {dtype}, which a run file does not hold")
        if shape is not None and found != shape:
            raise _corrupt(path, key, f"has shape {found}, expected {shape}")
        nbytes = math.prod(found) * dtype.itemsize
        if f.tell() + nbytes != info.file_size:
            raise _corrupt(path, key, f"declares {nbytes} bytes of data but the file holds {info.file_size - f.tell()}")
        array = np.empty(found, dtype=dtype, order="F" if fortran else "C")
        view, filled = memoryview(array.reshape(-1, order="A").view(np.uint8)), 0  # type: ignore[arg-type]
        while filled < nbytes:
            got = f.readinto(view[filled:])  # type: ignore[attr-defined]
            if not got:
                raise _corrupt(path, key, "ends before its data does")
            filled += got
    return array


# --- validation of a loaded run file: every key, before anything uses it ----------------------------------------

FLOAT_KEYS = ("teacher_w", "teacher_a", "student_w", "student_a", "loss", "objective", "weight_decay")
INT_KEYS = ("step", "stage")
STAGES = (0, 1, 2, 3)


def _corrupt(path: Path, key: str, why: str) -> RunFileError:
    return RunFileError(f"{path} is corrupt: {key} {why}")


def _check_header(path: Path, data: dict[str, np.ndarray]) -> RunConfig:
    """The schema (an integer we read) and the config (valid TOML of a valid RunConfig)."""
    schema = data["schema"]
    if schema.shape != () or schema.dtype.kind not in "iu":
        raise _corrupt(path, "schema", f"must be one integer, not a {schema.dtype} array of shape {schema.shape}")
    if int(schema) != SCHEMA:
        raise RunFileError(f"{path} has run-file schema {int(schema)}; this featlearn reads {SCHEMA}")
    text = data["config_toml"]
    if text.shape != () or text.dtype.kind != "U":
        raise _corrupt(path, "config_toml", f"must be one string, not a {text.dtype} array of shape {text.shape}")
    try:
        return config_mod.loads(str(text), source="its config_toml")
    except config_mod.ConfigError as exc:
        where = "" if "config_toml" in str(exc) else "in its config_toml, "
        raise RunFileError(f"{path}: {where}{exc}") from None


def _check_arrays(path: Path, data: dict[str, np.ndarray], cfg: RunConfig) -> None:
    """Kinds, shapes and values of every array; raises RunFileError naming the first bad key."""
    for key in FLOAT_KEYS + tuple(k for k in ADDED_KEYS if k in data):  # population_loss may be NaN: not recorded
        if data[key].dtype not in (np.float32, np.float64):
            raise _corrupt(path, key, f"has type {data[key].dtype}, expected float32 or float64")
    for key in INT_KEYS:
        if data[key].dtype.kind not in "iu":
            raise _corrupt(path, key, f"has type {data[key].dtype}, expected integers")
    step = data["step"]
    if step.ndim != 1 or len(step) == 0:
        raise _corrupt(path, "step", f"has shape {step.shape}: a run file holds at least one snapshot")
    T, m, d, k = len(step), cfg.student.width, cfg.teacher.dim, cfg.teacher.width
    expected = {"teacher_w": (k, d), "teacher_a": (k,), "student_w": (T, m, d), "student_a": (T, m)}
    expected.update({name: (T,) for name in SCALARS if name in data})  # population_loss is newer than schema 1
    for key, shape in expected.items():
        if data[key].shape != shape:
            raise _corrupt(path, key, f"has shape {data[key].shape}, expected {shape}")
    for key in FLOAT_KEYS:
        if not np.isfinite(data[key]).all():
            raise _corrupt(path, key, "holds values that are not finite (nan or inf)")
    _check_values(path, data)


def _check_values(path: Path, data: dict[str, np.ndarray]) -> None:
    step = data["step"]
    if step[0] < 0 or step[-1] > config_mod.MAX_STEPS or np.any(step[1:] <= step[:-1]):
        raise _corrupt(path, "step", f"must start at 0 or later and increase, up to {config_mod.MAX_STEPS}")
    data["step"] = step.astype(np.int64)  # uint64 steps below MAX_STEPS: the same numbers, signed
    if not np.isin(data["stage"], STAGES).all():
        raise _corrupt(path, "stage", f"must hold stages {', '.join(map(str, STAGES))}")
    if np.any(data["weight_decay"] < 0):
        raise _corrupt(path, "weight_decay", "holds negative values")
    if np.any(data["teacher_a"] == 0):
        raise _corrupt(path, "teacher_a", "holds zeros: every teacher neuron needs a non-zero output weight")
    norms = np.linalg.norm(data["teacher_w"].astype(np.float64), axis=1)
    if not np.allclose(norms, 1.0, atol=1e-6):
        raise _corrupt(path, "teacher_w", "rows must be unit directions")


def _population_losses(cfg: RunConfig, teacher: Teacher, data: dict[str, np.ndarray]) -> np.ndarray:
    """The population loss of a run file written before it was recorded: equal to `loss` for population runs,
    computed from the snapshots for small finite-sample runs, NaN (not recorded) for large ones."""
    if cfg.loss.kind == "population":
        return data["loss"].astype(np.float64)
    T, m = data["student_a"].shape
    if T * m * m > POPULATION_BACKFILL_MAX:
        return np.full(T, np.nan)
    import torch  # the history module is otherwise numpy-only

    from .objective import PopulationObjective

    objective = PopulationObjective(
        torch.from_numpy(teacher.w), torch.from_numpy(teacher.a), cfg.model.activation
    )
    W, a = data["student_w"].astype(np.float64), data["student_a"].astype(np.float64)
    return np.array([float(objective.loss(torch.from_numpy(W[i]), torch.from_numpy(a[i]))) for i in range(T)])
