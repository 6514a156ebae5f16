"""Where a branched run came from: its parent's file and config, the step it branched at, and the kick it got.

A branch is a run whose history starts with its parent's snapshots up to the branch step (engine.branch), so its
run file still starts at step 0 and every step keeps its meaning. The lineage keys below sit in a branch's run file
beside the ordinary ones (engine.history.RUN_KEYS); an ordinary run has none of them. Numpy only: `featlearn info`
reads a lineage without importing torch.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import config as config_mod
from .config import ConfigError, RunConfig, flatten

KICKS = ("none", "noise", "reset")
LINEAGE_KEYS = (
    "branch_parent",  # str: the parent's file name (or its label, for a run never saved)
    "branch_parent_config",  # str: the parent's config as TOML, so "what changed" can be said without the parent
    "branch_parent_hash",  # str: 16 hex digits, the hash a sweep names runs by (engine.sweep.grid.config_hash)
    "branch_step",  # int: the (absolute) step the child starts from
    "branch_kick",  # str: none | noise | reset
    "branch_kick_size",  # float: noise standard deviation, or the norm of a reset neuron
    "branch_kick_neurons",  # int array: the neurons reset (empty for noise or none)
    "branch_kick_seed",  # int: the seed the kick was drawn from
)


def config_hash(cfg: RunConfig) -> str:
    """16 hex digits of the SHA-256 of the config's canonical TOML (the same name a sweep gives the run)."""
    return hashlib.sha256(config_mod.dumps(cfg).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Kick:
    """A perturbation of the students at the branch step, drawn from its own seed (kept in the lineage).

    noise: W += size·N(0, I), a += size·N(0, I) on every neuron. reset: each chosen neuron restarts small, a random
    direction with ‖w_j‖ = |a_j| = size (balanced) and a random sign.
    """

    kind: str = "none"
    size: float = 0.0
    neurons: tuple[int, ...] = field(default_factory=tuple)
    seed: int = 0

    def check(self, width: int) -> None:
        """ConfigError naming the kick's bad value (the CLI's --kick flags, the dialog's fields)."""
        if self.kind not in KICKS:
            raise ConfigError(f"kick = {self.kind!r} is not allowed: expected one of {', '.join(KICKS)}")
        if self.kind != "none" and not (math.isfinite(self.size) and self.size > 0):
            raise ConfigError(f"kick size = {self.size!r} is not allowed: expected a number > 0, e.g. 0.05")
        bad = [j for j in self.neurons if not 0 <= j < width]
        if bad:
            raise ConfigError(f"kick neurons {bad} are not allowed: expected neuron numbers 0 to {width - 1}")
        if self.kind == "reset" and not self.neurons:
            raise ConfigError("kick neurons = [] is not allowed: a reset kick needs the neurons to reset, e.g. 0,3")
        if not 0 <= self.seed < 2**63:
            raise ConfigError(f"kick seed = {self.seed} is not allowed: expected a number >= 0")

    def apply(self, W: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The kicked (W, a) in the arrays' dtype; the very same arrays when there is no kick."""
        if self.kind == "none":
            return W, a
        rng = np.random.default_rng(self.seed)
        W64, a64 = np.array(W, dtype=np.float64), np.array(a, dtype=np.float64)
        if self.kind == "noise":
            W64 += self.size * rng.standard_normal(W64.shape)
            a64 += self.size * rng.standard_normal(a64.shape)
        else:
            for j in self.neurons:
                v = rng.standard_normal(W64.shape[1])
                W64[j] = self.size * v / np.linalg.norm(v)
                a64[j] = self.size * (1.0 if rng.random() < 0.5 else -1.0)
        return W64.astype(W.dtype), a64.astype(a.dtype)

    def describe(self) -> str:
        if self.kind == "noise":
            return f"kick: noise {self.size:g} (seed {self.seed})"
        if self.kind == "reset":
            return f"kick: reset neurons {', '.join(map(str, self.neurons))} to size {self.size:g} (seed {self.seed})"
        return ""


NO_KICK = Kick()


@dataclass(frozen=True)
class Lineage:
    """A branch's parent (file name and config), the branch step and the kick."""

    parent: str
    parent_config: RunConfig
    step: int
    kick: Kick = NO_KICK

    @property
    def parent_hash(self) -> str:
        return config_hash(self.parent_config)

    def changes(self, child: RunConfig) -> list[str]:
        """What the child changed, one item per key ("optim.weight_decay = 0 (was 0.01)"; a moved teacher by its
        rows), then the kick."""
        old, new = flatten(self.parent_config), flatten(child)
        items = []
        for key in (k for k in new if new[k] != old[k]):
            if key == "teacher.directions" and old[key] and len(old[key]) == len(new[key]):
                items += _moved_rows(old[key], new[key])
            else:
                items.append(f"{key} = {_shown(new[key])} (was {_shown(old[key]) if old[key] != [] else 'derived'})")
        return items + ([self.kick.describe()] if self.kick.kind != "none" else [])

    def describe(self, child: RunConfig) -> str:
        """"branched from PARENT at step S: what changed" (the run header, `featlearn info`)."""
        changed = "; ".join(self.changes(child)) or "nothing changed"
        return f"branched from {self.parent} at step {self.step:,}: {changed}"

    def to_arrays(self) -> dict[str, np.ndarray]:
        k = self.kick
        return {
            "branch_parent": np.array(self.parent),
            "branch_parent_config": np.array(config_mod.dumps(self.parent_config)),
            "branch_parent_hash": np.array(self.parent_hash),
            "branch_step": np.array(self.step, dtype=np.int64),
            "branch_kick": np.array(k.kind),
            "branch_kick_size": np.array(k.size, dtype=np.float64),
            "branch_kick_neurons": np.array(k.neurons, dtype=np.int64),
            "branch_kick_seed": np.array(k.seed, dtype=np.int64),
        }


def _shown(value: Any, digits: int = 6) -> str:
    if isinstance(value, list):  # directions: three digits say where a teacher is
        return "[" + ", ".join(_shown(v, 3) for v in value) + "]"
    return f"{value:.{digits}g}" if isinstance(value, float) else str(value)


def _unit(v: list[float]) -> np.ndarray:
    u = np.asarray(v, dtype=np.float64)
    return u / np.linalg.norm(u)


def _moved_rows(old: list[list[float]], new: list[list[float]]) -> list[str]:
    """"teacher 3 moved to (0.497, 0.250, 0.831) (was (0, 0.287, 0.958))" for each direction that changed."""
    row = lambda u: "(" + ", ".join(f"{x:.3f}".rstrip("0").rstrip(".") or "0" for x in u) + ")"  # noqa: E731
    return [f"teacher {i + 1} moved to {row(_unit(b))} (was {row(_unit(a))})"
            for i, (a, b) in enumerate(zip(old, new)) if not np.allclose(_unit(a), _unit(b), atol=1e-9)]


# --- reading a lineage from a run file: every key checked, like the rest of the file ----------------------------


class LineageError(ValueError):
    """A lineage key of a run file that is missing or wrong; the history module adds the file's name."""


def from_arrays(data: dict[str, np.ndarray], child: RunConfig, steps: np.ndarray) -> Lineage | None:
    """The lineage of a run file's arrays, None for an ordinary run; LineageError naming the first bad key."""
    present = [k for k in LINEAGE_KEYS if k in data]
    if not present:
        return None
    missing = [k for k in LINEAGE_KEYS if k not in data]
    if missing:
        raise LineageError(f"{missing[0]} is missing (a branch's run file has every {', '.join(LINEAGE_KEYS)})")
    parent, text, digest, kind = (_string(data, k) for k in ("branch_parent", "branch_parent_config",
                                                             "branch_parent_hash", "branch_kick"))
    step, seed = _integer(data, "branch_step"), _integer(data, "branch_kick_seed")
    try:
        parent_config = config_mod.loads(text, source="its branch_parent_config")
    except ConfigError as exc:
        raise LineageError(f"branch_parent_config is not a valid config ({exc})") from None
    if config_hash(parent_config) != digest:
        raise LineageError(f"branch_parent_hash {digest!r} is not the hash of branch_parent_config")
    if step not in set(steps.tolist()):
        raise LineageError(f"branch_step {step} is not one of the file's recorded steps")
    size = data["branch_kick_size"]
    if size.shape != () or size.dtype.kind != "f" or not math.isfinite(float(size)):
        raise LineageError("branch_kick_size must be one finite number")
    neurons = data["branch_kick_neurons"]
    if neurons.ndim != 1 or (len(neurons) and neurons.dtype.kind not in "iu"):
        raise LineageError("branch_kick_neurons must be a list of neuron numbers")
    kick = Kick(kind, float(size), tuple(int(j) for j in neurons), seed)
    try:
        kick.check(child.student.width)
        check_changes(parent_config, child)
    except ConfigError as exc:
        raise LineageError(f"its lineage is inconsistent: {exc}") from None
    return Lineage(parent, parent_config, step, kick)


def _string(data: dict[str, np.ndarray], key: str) -> str:
    value = data[key]
    if value.shape != () or value.dtype.kind != "U":
        raise LineageError(f"{key} must be one string, not a {value.dtype} array of shape {value.shape}")
    return str(value)


def _integer(data: dict[str, np.ndarray], key: str) -> int:
    value = data[key]
    if value.shape != () or value.dtype.kind not in "iu" or int(value) < 0:
        raise LineageError(f"{key} must be one integer >= 0")
    return int(value)


# --- what a branch may change ---------------------------------------------------------------------------------

# The student's state at the branch step is the parent's: keys that define it (or how it was drawn) stay.
FROZEN = ("seed", "dtype", "teacher.dim")
FROZEN_SECTIONS = ("student.",)


def check_changes(parent: RunConfig, child: RunConfig) -> None:
    """ConfigError for the first key a branch may not change, in words."""
    old, new = flatten(parent), flatten(child)
    for key in new:
        frozen = key in FROZEN or key.startswith(FROZEN_SECTIONS)
        if frozen and new[key] != old[key]:
            raise ConfigError(
                f"{key} = {_shown(new[key])} is not allowed in a branch: it defines the students' state, which a "
                f"branch takes from its parent ({key} = {_shown(old[key])}); start a new run to change it"
            )


def name_of(path: str | Path | None, fallback: str) -> str:
    """How a lineage names its parent: the file's name, else the run's label."""
    return Path(path).name if path else fallback
