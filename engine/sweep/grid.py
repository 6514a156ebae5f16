"""A sweep file: its base config, overrides and axes, expanded into a validated grid of run configs.

    title = "Weight decay"
    base = "paper"                    # a preset name, or a config file relative to this file
    [set]
    optim.steps = 4000                # dotted keys, applied to the base
    [axes]
    "optim.weight_decay" = { logspace = [-4, -1, 4] }
    seed = { range = [0, 3] }         # Python's range: 0, 1, 2
    [recovered]
    max_angle_deg = 3.0

Every combination of the axes is built and validated before anything runs; an invalid one is a SweepError that
names its axis values. Each run is identified by the hash of its full config (`config_hash`).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import config as config_mod
from .. import presets
from ..config import ConfigError, RunConfig
from ..initial import make_teacher, resolve_device
from . import adaptive_spec
from .adaptive_spec import Adaptive, Interval

TOP_KEYS = ("title", "description", "base", "set", "axes", "recovered", "metric", "adaptive")
SPACINGS = ("range", "linspace", "logspace")
# The most runs one grid may have: every run is built and validated before anything starts (about a millisecond
# each), and each becomes a row and a run file. Larger studies: split the grid, or use an adaptive sweep.
MAX_RUNS = 100_000
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # what a terminal would act on (\t, \n allowed)


class SweepError(ConfigError):
    """A sweep file that cannot run; the message names the key or the run and the fix."""


@dataclass(frozen=True)
class Thresholds:
    """When a run counts as having recovered the teacher (all three must hold)."""

    max_angle_deg: float = 3.0  # largest angle of an active neuron to its nearest teacher
    far_fraction: float = 1e-3  # mass on neurons > 10° from every teacher, over the total mass
    captured_error: float = 0.02  # largest relative error of the captured mass per teacher


@dataclass(frozen=True)
class Axis:
    key: str  # a dotted config key, e.g. optim.lr, or seed
    values: tuple[Any, ...]  # empty for an interval
    interval: Interval | None = None  # a continuous axis of an adaptive sweep


@dataclass(frozen=True)
class SweepPoint:
    """One run of the grid: its position, its axis values, its config and the config's hash."""

    index: int
    values: dict[str, Any]
    config: RunConfig
    config_hash: str

    def label(self) -> str:
        return ", ".join(f"{k} = {format_value(v)}" for k, v in self.values.items())


@dataclass(frozen=True)
class Sweep:
    title: str
    description: str
    base: str
    axes: tuple[Axis, ...]
    thresholds: Thresholds
    points: tuple[SweepPoint, ...]  # the grid; empty for an adaptive sweep (its runner places the points)
    text: str = field(repr=False)  # the sweep file as written, copied to DIR/sweep.toml
    metric: str = ""  # the results.csv column the phase window shows first ("" = fraction recovered)
    adaptive: Adaptive | None = None
    base_config: RunConfig | None = field(default=None, repr=False, compare=False)  # base with [set] applied

    @property
    def axis_keys(self) -> list[str]:
        return [a.key for a in self.axes]

    def point(self, values: dict[str, Any], index: int) -> SweepPoint:
        """The run with these axis values (an adaptive sweep's runner places them one by one)."""
        label = ", ".join(f"{k} = {format_value(v)}" for k, v in values.items())
        cfg = _apply(self.base_config or RunConfig(), values, f"the run with {label}")
        return SweepPoint(index, dict(values), cfg, config_hash(cfg))


def format_value(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def config_hash(cfg: RunConfig) -> str:
    """16 hex digits of the SHA-256 of the config's canonical TOML: the run's name in results.csv and runs/."""
    return hashlib.sha256(config_mod.dumps(cfg).encode()).hexdigest()[:16]


# --- reading ------------------------------------------------------------------------------------------------


def load(path: str | Path) -> Sweep:
    path = Path(path)
    try:
        text = config_mod.read_text(path, "sweep file")
    except ConfigError as exc:
        raise SweepError(str(exc)) from None
    return loads(text, base_dir=path.parent, source=str(path))


def loads(text: str, base_dir: Path, source: str = "sweep") -> Sweep:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(f"{source} is not valid TOML: {exc}") from None
    try:
        return _build(data, text, base_dir)
    except ConfigError as exc:
        raise SweepError(f"{source}: {exc}") from None


def _build(data: dict[str, Any], text: str, base_dir: Path) -> Sweep:
    unknown = [k for k in data if k not in TOP_KEYS]
    if unknown:
        raise SweepError(f"unknown key {unknown[0]}; a sweep file has {', '.join(TOP_KEYS)}")
    for key in ("title", "description", "base"):
        if not isinstance(data.get(key, ""), str):
            raise SweepError(f"{key} = {data[key]!r} is not allowed: expected a string")
        bad = CONTROL.search(data.get(key, "")) or (key != "description" and re.search("[\t\n]", data.get(key, "")))
        if bad:
            raise SweepError(f"{key} holds the control character {bad.group()!r}; use plain text")
    if "base" not in data:
        raise SweepError('base is missing: give a preset name (e.g. base = "paper") or a config file path')
    base = _load_base(data["base"], base_dir)
    overrides = _dotted(_table(data, "set"), "set")
    base = _apply(base, overrides, "[set]")
    specs = _dotted(_table(data, "axes"), "axes")
    if not specs:
        raise SweepError("[axes] is empty: give at least one axis, e.g. seed = { range = [0, 4] }")
    check_size({key: _axis_length(key, spec) for key, spec in specs.items()})
    axes = tuple(_axis(key, spec) for key, spec in specs.items())
    thresholds = _thresholds(_table(data, "recovered"))
    metric = adaptive_spec.metric(data["metric"], "metric") if "metric" in data else ""
    adaptive = adaptive_spec.adaptive(data.get("adaptive"), metric, sum(a.interval is not None for a in axes))
    return Sweep(
        title=data.get("title", ""),
        description=data.get("description", ""),
        base=data["base"],
        axes=axes,
        thresholds=thresholds,
        points=expand(base, axes) if adaptive is None else _check_corners(base, axes),
        text=text,
        metric=metric,
        adaptive=adaptive,
        base_config=base,
    )


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise SweepError(f"{name} = {value!r} is not allowed: expected a table [{name}]")
    return value


def _load_base(base: str, base_dir: Path) -> RunConfig:
    if base.endswith(".toml") or "/" in base or "\\" in base:
        path = Path(base) if Path(base).is_absolute() else base_dir / base
        return config_mod.load(path)
    try:
        return presets.load(base)
    except ConfigError as exc:
        raise SweepError(f"base = {base!r}: {exc} (or give a config file path ending in .toml)") from None


def _is_axis_spec(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in SPACINGS


def _dotted(table: dict[str, Any], where: str, prefix: str = "") -> dict[str, Any]:
    """Nested TOML tables ([set] optim.lr = 1 is {'optim': {'lr': 1}}) as dotted keys: {'optim.lr': 1}."""
    out: dict[str, Any] = {}
    known = set(config_mod.flatten(RunConfig()))
    for key, value in table.items():
        name = prefix + key
        inner = _dotted(value, where, name + ".") if isinstance(value, dict) and name not in known else {name: value}
        for twice in inner.keys() & out.keys():  # "optim.lr" = ... and optim.lr = ... are one key written twice
            raise SweepError(f"[{where}] gives {twice} twice (as a quoted and a dotted key); give it once")
        out.update(inner)
    for name in out:
        if name not in known:
            raise SweepError(f"[{where}] has unknown config key {name}; known keys: {', '.join(sorted(known))}")
    return out


def _nest(values: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in values.items():
        section, dot, name = key.partition(".")
        if dot:
            nested.setdefault(section, {})[name] = value
        else:
            nested[key] = value
    return nested


def _apply(base: RunConfig, values: dict[str, Any], where: str) -> RunConfig:
    try:
        return config_mod.from_dict(_nest(values), base=base)
    except ConfigError as exc:
        raise SweepError(f"{where}: {exc}") from None


def _thresholds(table: dict[str, Any]) -> Thresholds:
    defaults = Thresholds()
    values = {}
    for key, value in table.items():
        if not hasattr(defaults, key):
            raise SweepError(f"[recovered] has unknown key {key}; known: max_angle_deg, far_fraction, captured_error")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or math.isinf(value):
            raise SweepError(f"recovered.{key} = {value!r} is not allowed: expected a finite number >= 0")
        values[key] = float(value)
    return Thresholds(**values)


# --- axes ---------------------------------------------------------------------------------------------------


def _round(x: float) -> float:
    """12 significant digits: 10**-3 is 0.001 in results.csv, not 0.0010000000000000002."""
    return float(f"{x:.12g}")


def _axis(key: str, spec: Any) -> Axis:
    if adaptive_spec.is_interval(spec):
        return Axis(key, (), adaptive_spec.interval(key, spec))
    if isinstance(spec, list):
        if not spec:
            raise SweepError(f"axes.{key} = [] is not allowed: expected at least one value")
        return Axis(key, tuple(spec))
    if not _is_axis_spec(spec):
        raise SweepError(
            f"axes.{key} = {spec!r} is not allowed: expected a list of values, {{ range = [start, stop] }}, "
            "{ linspace = [lo, hi, n] }, { logspace = [lo_exp, hi_exp, n] } or (adaptive) { between = [lo, hi] }"
        )
    kind, args = next(iter(spec.items()))
    return Axis(key, tuple(_range(key, args) if kind == "range" else _spaced(key, kind, args)))


def _axis_length(key: str, spec: Any) -> int:
    """How many values an axis has, computed from its spec without building them (range to 10**20 is one line)."""
    if isinstance(spec, list):
        return len(spec)
    if _is_axis_spec(spec):
        kind, args = next(iter(spec.items()))
        if kind == "range" and isinstance(args, list) and len(args) == 2 and all(_is_int(x) for x in args):
            return max(args[1] - args[0], 0)
        if kind != "range" and isinstance(args, list) and len(args) == 3 and _is_int(args[2]):
            return max(args[2], 0)
    return 1  # a malformed spec: _axis says what is wrong with it


def check_size(lengths: dict[str, int]) -> None:
    """Refuse a grid of more than MAX_RUNS runs before building it, naming each axis and its length."""
    total = math.prod(lengths.values())
    if total > MAX_RUNS:
        axes = " x ".join(f"{key} ({n:,})" for key, n in lengths.items())
        raise SweepError(
            f"the grid has {total:,} runs ({axes}); the limit is {MAX_RUNS:,}: use fewer values or split the sweep"
        )


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _range(key: str, args: Any) -> list[int]:
    if not (isinstance(args, list) and len(args) == 2 and all(_is_int(x) for x in args) and args[0] < args[1]):
        raise SweepError(
            f"axes.{key} = {{ range = {args!r} }} is not allowed: expected two integers [start, stop] with "
            "start < stop (stop excluded, as in Python)"
        )
    return list(range(args[0], args[1]))


def _spaced(key: str, kind: str, args: Any) -> list[float]:
    ok = isinstance(args, list) and len(args) == 3 and _is_int(args[2]) and args[2] >= 1
    ok = ok and all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in args[:2])
    if not ok:
        what = "lo_exp, hi_exp" if kind == "logspace" else "lo, hi"
        raise SweepError(
            f"axes.{key} = {{ {kind} = {args!r} }} is not allowed: expected [{what}, n] with n an integer >= 1 "
            "(both ends included)"
        )
    lo, hi, n = args
    values = np.logspace(lo, hi, n) if kind == "logspace" else np.linspace(lo, hi, n)
    return [_round(float(v)) for v in values]


# --- the grid -----------------------------------------------------------------------------------------------


def expand(base: RunConfig, axes: tuple[Axis, ...]) -> tuple[SweepPoint, ...]:
    """Every combination of the axes (the first axis varies slowest), each built and validated."""
    points: list[SweepPoint] = []
    seen: dict[str, SweepPoint] = {}
    for index, combo in enumerate(itertools.product(*(a.values for a in axes))):
        values = dict(zip((a.key for a in axes), combo))
        label = ", ".join(f"{k} = {format_value(v)}" for k, v in values.items())
        cfg = _apply(base, values, f"the run with {label}")
        _check_runnable(cfg, label)
        point = SweepPoint(index, values, cfg, config_hash(cfg))
        if point.config_hash in seen:
            raise SweepError(f"the runs with {seen[point.config_hash].label()} and with {label} are the same run")
        seen[point.config_hash] = point
        points.append(point)
    return tuple(points)


def _check_corners(base: RunConfig, axes: tuple[Axis, ...]) -> tuple[SweepPoint, ...]:
    """An adaptive sweep validates every combination of its list values with each interval's two ends, so that a
    bad value fails before anything runs; its points are placed later, by the runner."""
    expand(base, tuple(Axis(a.key, (a.interval.lo, a.interval.hi)) if a.interval else a for a in axes))
    return ()


def _check_runnable(cfg: RunConfig, label: str) -> None:
    """What the config validation cannot see: the device, and whether random teachers can be placed."""
    import torch  # here, not at the top: the app reads sweep files and phase diagrams without torch

    try:
        resolve_device(cfg.device)
        make_teacher(cfg, torch.Generator().manual_seed(cfg.seed))
    except ConfigError as exc:
        raise SweepError(f"the run with {label}: {exc}") from None
