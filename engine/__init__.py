"""The science of featlearn: torch + numpy, no Qt. For scripts and notebooks (engine/api.py):

    from engine import train, metrics_table, run_sweep, results_table, load_run, run_config

Importing `engine` loads nothing heavy: each of those names loads its module (and torch) when first used.
"""

from __future__ import annotations

from typing import Any

API = ("load_run", "metrics_table", "results_table", "run_config", "run_sweep", "train")


def __getattr__(name: str) -> Any:
    if name in API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *API])
