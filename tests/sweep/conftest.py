"""Sweep test helpers: tiny sweep files (a few hundred steps, so a run takes well under a second)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TINY = """
title = "tiny"
base = "paper"
[set]
optim.steps = {steps}
record.every = 50
optim.weight_decay_min = 0.0
[axes]
{axes}
"""


def write_sweep(folder: Path, axes: str, steps: int = 300, name: str = "sweep.toml") -> Path:
    path = folder / name
    path.write_text(TINY.format(steps=steps, axes=axes), encoding="utf-8")
    return path


@pytest.fixture
def sweep_file(tmp_path):
    """sweep_file(axes, steps=300): a sweep over the paper preset, shortened, with the given [axes] lines."""
    return lambda axes, steps=300, name="sweep.toml": write_sweep(tmp_path, axes, steps, name)


def featlearn(*args: str, timeout: float = 240, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "featlearn_gui.cli", *args], capture_output=True, text=True, timeout=timeout, **kwargs
    )
