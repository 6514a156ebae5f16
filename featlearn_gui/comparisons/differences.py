"""What differs between the runs of a comparison, in the words a reader of the paper uses (λ, σ, m, init).

Qt-free: each view's header and the metrics table label a run with these, so "weight decay vs none" reads
"λ = 0.01" against "λ = 0" without opening either config.
"""

from __future__ import annotations

from engine.config import RunConfig, flatten

# Most telling first: a header has room for a few differences, the tooltip lists them all.
NAMES = {
    "model.activation": "σ",
    "optim.weight_decay": "λ",
    "student.init": "init",
    "student.init_scale": "init scale",
    "student.output_scale": "output scale",
    "student.width": "m",
    "optim.lr": "lr",
    "optim.mode": "mode",
    "teacher.dim": "d",
    "teacher.width": "k",
    "loss.kind": "loss",
    "loss.samples": "n",
    "loss.batch": "batch",
    "seed": "seed",
    "optim.steps": "steps",
}
# Details of the weight decay schedule say nothing new once λ itself differs.
SECONDARY = {"optim.weight_decay_min": "optim.weight_decay", "optim.decay_factor": "optim.weight_decay",
             "optim.decay_every": "optim.weight_decay"}
SHOWN = 3


def _text(key: str, value) -> str:
    name = NAMES.get(key, key)
    if value == []:
        return f"{name}: random" if key == "teacher.directions" else f"{name}: derived"  # drawn or computed at start
    return f"{name} = {_shown(value)}"


def _shown(value) -> str:
    if isinstance(value, list):  # teacher directions: three digits say where a teacher is
        return "[" + ", ".join(f"{v:.3g}" if isinstance(v, float) else _shown(v) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def differing_keys(configs: list[RunConfig]) -> list[str]:
    """Dotted config keys whose values are not the same in every config, most telling first."""
    flat = [flatten(c) for c in configs]
    keys = [k for k in flat[0] if len({repr(f.get(k)) for f in flat}) > 1] if len(flat) > 1 else []
    keys = [k for k in keys if SECONDARY.get(k) not in keys]
    order = list(NAMES)
    return sorted(keys, key=lambda k: (order.index(k) if k in order else len(order), k))


def describe(configs: list[RunConfig]) -> list[tuple[str, str]]:
    """Per config: (short text of its first few differences, every difference one per line for a tooltip)."""
    keys = differing_keys(configs)
    out = []
    for cfg in configs:
        flat = flatten(cfg)
        parts = [_text(k, flat[k]) for k in keys]
        short = ", ".join(parts[:SHOWN]) + (f", +{len(parts) - SHOWN} more" if len(parts) > SHOWN else "")
        out.append((short, "\n".join(parts) or "same config"))
    return out
