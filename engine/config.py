"""Experiment configuration: frozen dataclasses, validated in one place, read from and written to TOML.

Every key is optional; the defaults below are the documented ones (README.md lists them). Errors name the key,
the bad value and what is allowed, so the CLI and the GUI can show them to people unchanged.
"""

from __future__ import annotations

import dataclasses
import math
import os
import stat
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import tomli_w

# A run file keeps every snapshot in memory and on disk: cap it so a typo (m = 10**6) fails fast, not after
# swapping. 1 GiB holds m = 5,000, d = 3 for 16,000 steps at record.every = 20 about eight times over.
MAX_HISTORY_BYTES = 1 << 30
# The same cap for each other size a config implies, so that the key named in the error is the one to change:
# the student's state (W, a, gradients, the objective's per-neuron buffers and snapshot copies: at most
# STATE_COPIES rows of (d + 1) floats per neuron), the three-stage ridge fit (RIDGE_COPIES m x m matrices), the
# samples (X and y in float64 while they are drawn, plus their copy in the run's dtype: 16 bytes per number) and
# a minibatch (the same). Work that grows with n is done in fixed-size blocks (engine.empirical), so it adds none.
MAX_MEMORY_BYTES = 1 << 30
STATE_COPIES = 16
RIDGE_COPIES = 4
SAMPLE_BYTES = 16

ACTIVATIONS = ("relu", "relu_centered", "abs")
EVEN_ACTIVATIONS = ("relu_centered", "abs")


class ConfigError(ValueError):
    """A configuration value that is not allowed; the message names the key, the value and the fix."""


@dataclass(frozen=True)
class TeacherConfig:
    dim: int = 3  # input dimension d; 2 draws a circle, > 3 is projected for display
    width: int = 3  # k teacher neurons
    signs: list[int] = field(default_factory=list)  # signs of a_i*; empty: alternating +1, -1, +1, ...
    weights: list[float] = field(default_factory=list)  # |a_i*|; empty: all 1
    directions: list[list[float]] = field(default_factory=list)  # normalized on load; empty: random
    min_angle_deg: float = 45.0  # separation of random directions (modulo ± for even activations)


@dataclass(frozen=True)
class StudentConfig:
    width: int = 50  # m; no 1/m scaling, so the width changes capacity, not the function's scale
    init: str = "balanced"  # balanced: |a_j| = ||w_j||; symmetric: pairs (a, w), (-a, w) so f = 0 at start
    init_scale: float = 0.1  # ||w_j|| at initialization
    output_scale: float = 0.0  # |a_j| at initialization; 0 means "balanced", i.e. equal to init_scale


@dataclass(frozen=True)
class ModelConfig:
    activation: str = "relu_centered"  # relu | relu_centered | abs (docs/theory.md §2)


@dataclass(frozen=True)
class LossConfig:
    kind: str = "population"  # population: exact closed form; empirical: average over `samples` Gaussians;
    # online: `batch` fresh Gaussians every step (one-pass SGD, drawn from the seed and the step)
    samples: int = 10000  # n, fixed for the run, drawn from the seed (empirical)
    batch: int = 0  # samples per step: required for online; for empirical 0 (or >= samples) means the full batch


@dataclass(frozen=True)
class OptimConfig:
    mode: str = "plain"  # plain GD, or the paper's three_stage procedure (docs/theory.md §5)
    lr: float = 0.5
    steps: int = 16000
    weight_decay: float = 1e-2  # λ at step 0
    decay_factor: float = 0.5  # λ <- λ * decay_factor every decay_every steps ...
    decay_every: int = 2000
    weight_decay_min: float = 1e-4  # ... but never below this floor
    stage1_lr: float = 0.0  # three_stage: step size η₁ of the first-layer step; 0 means √m·d (O(1) norms)
    ridge: float = 1e-2  # three_stage: λ₂ of the second-layer ridge fit


@dataclass(frozen=True)
class RecordConfig:
    every: int = 20  # snapshot interval in steps; the last step is always recorded


@dataclass(frozen=True)
class RunConfig:
    seed: int = 0
    device: str = "auto"  # auto picks cuda when available
    dtype: str = "float64"
    teacher: TeacherConfig = field(default_factory=TeacherConfig)
    student: StudentConfig = field(default_factory=StudentConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    record: RecordConfig = field(default_factory=RecordConfig)

    def __post_init__(self) -> None:
        validate(self)

    @property
    def is_even(self) -> bool:
        """Whether σ is even, so that ±w are the same feature."""
        return self.model.activation in EVEN_ACTIVATIONS

    def teacher_signs(self) -> list[int]:
        k = self.teacher.width
        return list(self.teacher.signs) or [1 if i % 2 == 0 else -1 for i in range(k)]

    def teacher_weights(self) -> list[float]:
        return list(self.teacher.weights) or [1.0] * self.teacher.width

    def snapshot_count(self) -> int:
        """Snapshots a full run records: step 0, every `record.every` steps, the last step, stage boundaries."""
        n = self.optim.steps // self.record.every + 2
        return n + (2 if self.optim.mode == "three_stage" else 0)


SECTIONS: dict[str, type] = {
    "teacher": TeacherConfig,
    "student": StudentConfig,
    "model": ModelConfig,
    "loss": LossConfig,
    "optim": OptimConfig,
    "record": RecordConfig,
}

# Allowed values of the string keys, and lower bounds of numbers: (minimum, inclusive?).
CHOICES: dict[str, tuple[str, ...]] = {
    "device": ("auto", "cpu", "cuda"),
    "dtype": ("float32", "float64"),
    "student.init": ("balanced", "symmetric"),
    "model.activation": ACTIVATIONS,
    "loss.kind": ("population", "empirical", "online"),
    "optim.mode": ("plain", "three_stage"),
}
LOWER: dict[str, tuple[float, bool]] = {
    "seed": (0, True),
    "teacher.dim": (2, True),
    "teacher.width": (1, True),
    "teacher.min_angle_deg": (0, True),
    "student.width": (1, True),
    "student.init_scale": (0, False),
    "student.output_scale": (0, True),
    "loss.samples": (1, True),
    "loss.batch": (0, True),
    "optim.lr": (0, False),
    "optim.steps": (0, True),
    "optim.weight_decay": (0, True),
    "optim.decay_factor": (0, False),
    "optim.decay_every": (1, True),
    "optim.weight_decay_min": (0, True),
    "optim.stage1_lr": (0, True),
    "optim.ridge": (0, True),
    "record.every": (1, True),
}
# Steps are counted in 32-bit integers where they are shown (the app's step slider): 2**31 - 1, 68 years of
# training at 1,000 steps per second.
MAX_STEPS = 2**31 - 1
# Every integer key fits a 64-bit signed integer (numpy and torch hold them so); torch seeds with one too.
MAX_INT = 2**63 - 1
UPPER: dict[str, float] = {
    "optim.decay_factor": 1.0,
    "teacher.min_angle_deg": 90.0,
    "seed": MAX_INT,
    "optim.steps": MAX_STEPS,
}
# Two teacher directions closer than this (modulo ± for even σ) are the same feature.
SAME_DIRECTION_COS = 1.0 - 1e-12


def key_help(key: str) -> str:
    """What a key allows, in words: used by error messages and by the GUI's tooltips."""
    if key in CHOICES:
        return "one of " + ", ".join(repr(c) for c in CHOICES[key])
    if key in LOWER:
        low, inclusive = LOWER[key]
        text = f"a number {'>=' if inclusive else '>'} {low:g}"
        upper = UPPER.get(key)
        return text + (f" and <= {upper if isinstance(upper, int) else f'{upper:g}'}" if upper is not None else "")
    return "see README.md"


def _shown(value: Any) -> str:
    """A value as the user wrote it, shortened when huge (a 400-digit integer is not worth 400 characters)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:24]}...{text[-8:]} ({len(text)} characters)"


def _fail(key: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"{key} = {_shown(value)} is not allowed: expected {allowed}")


def _check_scalar(key: str, value: Any) -> None:
    if key in CHOICES and value not in CHOICES[key]:
        _fail(key, value, key_help(key))
    if key in LOWER:
        low, inclusive = LOWER[key]
        finite = isinstance(value, int) or math.isfinite(value)  # an int of 400 digits cannot become a float
        ok = finite and (value >= low if inclusive else value > low)
        if not ok or (key in UPPER and value > UPPER[key]):
            _fail(key, value, key_help(key))


def _unit(v: list[float]) -> list[float]:
    """v / ‖v‖, scaled first so that neither 1e308 nor 1e-320 entries overflow or vanish."""
    top = max(abs(x) for x in v)
    scaled = [x / top for x in v]
    norm = math.hypot(*scaled)
    return [x / norm for x in scaled]


def _check_distinct_directions(directions: list[list[float]], even: bool, activation: str) -> None:
    """Refuse two teacher directions that are the same feature: parallel, or opposite when σ is even."""
    units = [_unit(v) for v in directions]
    for i in range(len(units)):
        for j in range(i):
            cos = sum(x * y for x, y in zip(units[i], units[j]))
            if (abs(cos) if even else cos) >= SAME_DIRECTION_COS:
                how = "parallel" if cos > 0 else f"opposite, the same feature for the even activation {activation}"
                _fail(
                    "teacher.directions",
                    directions,
                    f"distinct directions, but rows {j + 1} and {i + 1} are {how}",
                )


def validate(cfg: RunConfig) -> None:
    """Raise ConfigError for the first value that is not allowed, naming the key."""
    for key, value in flatten(cfg).items():
        _check_scalar(key, value)
    t, s = cfg.teacher, cfg.student
    if t.signs and len(t.signs) != t.width:
        _fail("teacher.signs", t.signs, f"{t.width} entries of +1 or -1 (one per teacher, teacher.width)")
    if any(x not in (1, -1) for x in t.signs):
        _fail("teacher.signs", t.signs, "entries +1 or -1")
    if t.weights and (len(t.weights) != t.width or any(not (w > 0 and math.isfinite(w)) for w in t.weights)):
        _fail("teacher.weights", t.weights, f"{t.width} positive numbers (teacher.width)")
    if t.directions:
        if len(t.directions) != t.width or any(len(v) != t.dim for v in t.directions):
            _fail("teacher.directions", t.directions, f"{t.width} vectors of length {t.dim} (teacher.width x dim)")
        if any(not all(math.isfinite(x) for x in v) or math.hypot(*v) == 0 for v in t.directions):
            _fail("teacher.directions", t.directions, "non-zero finite vectors")
        _check_distinct_directions(t.directions, cfg.is_even, cfg.model.activation)
    if s.width < t.width:
        _fail("student.width", s.width, f"at least teacher.width = {t.width} neurons")
    symmetric = s.init == "symmetric" or cfg.optim.mode == "three_stage"
    if symmetric and s.width % 2:
        _fail("student.width", s.width, "an even number (symmetric initialization pairs the neurons)")
    if cfg.optim.weight_decay_min > cfg.optim.weight_decay:
        _fail(
            "optim.weight_decay_min", cfg.optim.weight_decay_min, f"<= optim.weight_decay = {cfg.optim.weight_decay:g}"
        )
    if cfg.loss.kind == "online" and cfg.loss.batch == 0:
        _fail("loss.batch", 0, "a batch size >= 1 for loss.kind = 'online' (fresh samples every step), e.g. 1000")
    if cfg.loss.kind == "empirical" and cfg.loss.batch > cfg.loss.samples:
        _fail("loss.batch", cfg.loss.batch, f"at most loss.samples = {cfg.loss.samples}, or 0 for the full batch")
    _check_memory(cfg)


def _gib(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:.1f} GiB"


def _check_memory(cfg: RunConfig) -> None:
    """Refuse a size whose memory exceeds MAX_MEMORY_BYTES, naming the key that makes it too large."""
    t, s, loss = cfg.teacher, cfg.student, cfg.loss
    limit = f"limit {_gib(MAX_MEMORY_BYTES)}"
    state = s.width * (t.dim + 1) * 8 * STATE_COPIES
    if state > MAX_MEMORY_BYTES:
        key, value = ("teacher.dim", t.dim) if t.dim > s.width else ("student.width", s.width)
        _fail(
            key,
            value,
            f"a smaller value: training would hold {_gib(state)} "
            f"({limit} = student.width x (teacher.dim + 1) x 8 bytes x {STATE_COPIES} working copies)",
        )
    ridge = s.width**2 * 8 * RIDGE_COPIES
    if cfg.optim.mode == "three_stage" and ridge > MAX_MEMORY_BYTES:
        _fail(
            "student.width",
            s.width,
            f"a smaller width for optim.mode = 'three_stage': its ridge fit would take {_gib(ridge)} "
            f"({limit} = {RIDGE_COPIES} matrices of student.width^2 x 8 bytes)",
        )
    sized = [("loss.samples", loss.samples)] if loss.kind == "empirical" else []
    sized += [("loss.batch", loss.batch)] if loss.kind != "population" else []
    for key, n in sized:
        if n * (t.dim + 1) * SAMPLE_BYTES > MAX_MEMORY_BYTES:
            _fail(
                key,
                n,
                f"a smaller number: the samples would take {_gib(n * (t.dim + 1) * SAMPLE_BYTES)} "
                f"({limit} = {key} x (teacher.dim + 1) x {SAMPLE_BYTES} bytes)",
            )
    history_bytes = cfg.snapshot_count() * s.width * (t.dim + 1) * 8
    if history_bytes > MAX_HISTORY_BYTES:
        _fail(
            "record.every",
            cfg.record.every,
            f"a larger interval: the history would take {history_bytes / 2**30:.1f} GiB "
            f"(limit {MAX_HISTORY_BYTES / 2**30:.0f} GiB = snapshots x student.width x (dim + 1) x 8 bytes)",
        )


# --- dict / TOML conversion ---------------------------------------------------------------------------------


def flatten(cfg: RunConfig) -> dict[str, Any]:
    """{'seed': 0, ..., 'teacher.dim': 3, ...}: dotted keys, the form of --set and of error messages."""
    out: dict[str, Any] = {}
    for f in fields(cfg):
        value = getattr(cfg, f.name)
        if dataclasses.is_dataclass(value):
            out.update({f"{f.name}.{g.name}": getattr(value, g.name) for g in fields(value)})
        else:
            out[f.name] = value
    return out


def to_dict(cfg: RunConfig) -> dict[str, Any]:
    return dataclasses.asdict(cfg)


def _coerce(key: str, value: Any, default: Any) -> Any:
    """Check a value's type against its default's; ints are accepted where floats are expected."""
    if isinstance(default, bool) or isinstance(value, bool):
        if type(value) is not type(default):
            _fail(key, value, f"a {type(default).__name__}")
        return value
    if isinstance(default, float):
        if not _is_number(value) or not _fits_float(value):
            _fail(key, value, "a number")
        return float(value)
    if isinstance(default, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int):
            _fail(key, value, "an integer")
        if not -MAX_INT <= value <= MAX_INT:
            _fail(key, value, f"{key_help(key) if key in LOWER else 'an integer'} (and at most {MAX_INT})")
        return value
    if isinstance(default, str):
        if not isinstance(value, str):
            _fail(key, value, key_help(key) if key in CHOICES else "a string")
        return value
    return _coerce_list(key, value)


def _coerce_list(key: str, value: Any) -> Any:
    if not isinstance(value, list):
        _fail(key, value, "a list")
    if key == "teacher.directions":
        if not all(isinstance(v, list) and all(_is_number(x) and _fits_float(x) for x in v) for v in value):
            _fail(key, value, "a list of vectors, e.g. [[1, 0, 0], [0, 1, 0]]")
        return [[float(x) for x in v] for v in value]
    if not all(_is_number(x) and _fits_float(x) for x in value):
        _fail(key, value, "a list of numbers")
    return [int(x) for x in value] if key == "teacher.signs" else [float(x) for x in value]


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _fits_float(x: float) -> bool:
    """Whether a number converts to a float: TOML integers of 400 digits do not."""
    try:
        float(x)
    except OverflowError:
        return False
    return True


def from_dict(data: dict[str, Any], base: RunConfig | None = None) -> RunConfig:
    """Build a validated RunConfig from nested TOML-style data; keys not given keep `base`'s values."""
    base = base if base is not None else RunConfig()
    top: dict[str, Any] = {}
    for name, value in data.items():
        if name in SECTIONS:
            if not isinstance(value, dict):
                _fail(name, value, f"a table [{name}]")
            section = getattr(base, name)
            known = {f.name: f for f in fields(section)}
            updates = {}
            for key, v in value.items():
                if key not in known:
                    raise ConfigError(f"unknown key {name}.{key}; known keys in [{name}]: {', '.join(known)}")
                updates[key] = _coerce(f"{name}.{key}", v, getattr(section, key))
            top[name] = replace(section, **updates)
        elif name in ("seed", "device", "dtype"):
            top[name] = _coerce(name, value, getattr(base, name))
        else:
            raise ConfigError(f"unknown key {name}; known keys: seed, device, dtype, [{'], ['.join(SECTIONS)}]")
    return replace(base, **top)


def loads(text: str, source: str = "config") -> RunConfig:
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source} is not valid TOML: {exc}") from None
    return from_dict(data)


# Config and sweep files are a few KB; anything larger is not one (and reading it whole could exhaust memory).
MAX_TEXT_BYTES = 1 << 20


def read_text(path: Path, what: str) -> str:
    """The text of a file the user named, or a ConfigError saying why it cannot be read ("cannot read WHAT PATH").

    Only regular files up to MAX_TEXT_BYTES: a FIFO or a device would block or never end. A UTF-8 byte-order mark
    (editors on Windows write one) is dropped.
    """
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; the type is checked on the open file itself.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"cannot read {what} {path}: not a regular file (a folder, pipe or device)")
        if info.st_size > MAX_TEXT_BYTES:
            raise ConfigError(f"cannot read {what} {path}: {info.st_size} bytes, more than a {what} holds "
                              f"(limit {MAX_TEXT_BYTES >> 20} MiB)")
        try:
            data = f.read(MAX_TEXT_BYTES + 1)
            return data.decode("utf-8-sig")
        except OSError as exc:
            raise ConfigError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"cannot read {what} {path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def load(path: str | Path) -> RunConfig:
    path = Path(path)
    text = read_text(path, "config file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    try:
        return from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def dumps(cfg: RunConfig) -> str:
    data = to_dict(cfg)
    # Empty lists mean "derived" (random directions, alternating signs): leave them out, TOML reads the same.
    for section in data.values():
        if isinstance(section, dict):
            for key in [k for k, v in section.items() if v == []]:
                del section[key]
    return tomli_w.dumps(data)


def save(cfg: RunConfig, path: str | Path) -> None:
    """Write the config as TOML, atomically (a full disk leaves any earlier file as it was)."""
    from . import atomic

    atomic.write_bytes(path, dumps(cfg).encode("utf-8"))


# --- overrides ----------------------------------------------------------------------------------------------


def parse_value(text: str) -> Any:
    """A --set value: TOML syntax when it parses (numbers, lists, true), else a bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(cfg: RunConfig, assignments: list[str]) -> RunConfig:
    """Apply `key=value` strings (dotted keys, e.g. optim.lr=0.1), each type-checked against the config."""
    data: dict[str, Any] = {}
    for item in assignments:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. optim.lr=0.1")
        section, dot, name = key.partition(".")
        if dot:
            data.setdefault(section, {})
            if not isinstance(data[section], dict):
                raise ConfigError(f"--set {item!r}: {section} is not a table")
            data[section][name] = parse_value(text.strip())
        else:
            data[key] = parse_value(text.strip())
    return from_dict(data, base=cfg)
