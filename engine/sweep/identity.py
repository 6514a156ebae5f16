"""What makes two sweeps the same experiment: their fully resolved run configs and their thresholds, not the
text of their sweep files. A sweep's output folder keeps its experiment's identity (DIR/experiment.json); a later
sweep into that folder must have the same identity, else it is refused naming what differs.

The identity is a flat dict of strings, {"configs": <digest of every run's config hash>, "base.optim.lr": "0.1",
"axis.seed": "[0, 1, 2]", "recovered.max_angle_deg": "3.0", ...}: the digest decides, the other entries say what
changed. Adaptive sweeps, whose runs are not known in advance, build theirs from the same parts (`identity`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .. import atomic
from .. import config as config_mod
from ..config import RunConfig
from .grid import Sweep, SweepError, Thresholds

IDENTITY = "experiment.json"


def identity(
    base: RunConfig,
    axes: Mapping[str, Any],
    thresholds: Thresholds,
    config_hashes: Iterable[str] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The identity of an experiment: its base config (keys that no axis varies), its axes, its thresholds, the
    hashes of all its runs' configs (when known in advance) and anything else that changes its results (`extra`)."""
    out = {"configs": hashlib.sha256(" ".join(sorted(config_hashes)).encode()).hexdigest()[:16]}
    out.update({f"base.{k}": repr(v) for k, v in config_mod.flatten(base).items() if k not in axes})
    out.update({f"axis.{k}": repr(list(v)) for k, v in axes.items()})
    out.update({f"recovered.{k}": repr(v) for k, v in asdict(thresholds).items()})
    out.update({f"{k}": repr(v) for k, v in (extra or {}).items()})
    return out


def sweep_identity(sweep: Sweep) -> dict[str, str]:
    """The identity of a sweep: a grid's, or an adaptive sweep's (its intervals and [adaptive] in place of the
    run hashes, which its planner decides as it goes)."""
    assert sweep.base_config is not None
    axes = {a.key: a.values if a.interval is None else [a.interval] for a in sweep.axes}
    extra = {"adaptive": sweep.adaptive} if sweep.adaptive is not None else None
    return identity(sweep.base_config, axes, sweep.thresholds, (p.config_hash for p in sweep.points), extra)


def differences(old: Mapping[str, str], new: Mapping[str, str], limit: int = 3) -> str:
    """What differs between two identities, in words: "optim.lr was 0.1, is 0.2; ..." ("" when the same)."""
    changed = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: (k == "configs", k)):
        if old.get(key) != new.get(key):
            if key == "configs":
                changed.append("the runs' configs")
                continue
            name = key.removeprefix("base.")
            was, now = old.get(key, "(not set)"), new.get(key, "(not set)")
            changed.append(f"{name} was {was[:40]}, now {now[:40]}")
    if len(changed) > 1 and changed[-1] == "the runs' configs":
        changed.pop()  # the named keys explain it
    more = f" and {len(changed) - limit} more" if len(changed) > limit else ""
    return "; ".join(changed[:limit]) + more


def check_folder(root: Path, new: dict[str, str]) -> None:
    """Refuse (SweepError) when `root` holds the results of another experiment; say what differs."""
    path = root / IDENTITY
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SweepError(f"--out {root}: {path} is damaged ({type(exc).__name__}); choose another directory") from None
    if not isinstance(old, dict) or not all(isinstance(v, str) for v in old.values()):
        raise SweepError(f"--out {root}: {path} is damaged; choose another directory")
    changed = differences(old, new)
    if changed:
        raise SweepError(
            f"--out {root} holds results of another sweep ({changed}); choose another directory, or restore the "
            "sweep as it was to resume it"
        )


def write(root: Path, new: dict[str, str]) -> None:
    atomic.write_bytes(root / IDENTITY, json.dumps(new, indent=1, sort_keys=True).encode("utf-8"))
