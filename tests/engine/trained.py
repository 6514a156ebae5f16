"""Preset runs trained once per test session and shared: the preset tests (test_presets.py) and the documents'
numbers (test_doc_numbers.py) read the same runs, so the slowest training in the suite happens once."""

from __future__ import annotations

import functools

from engine import presets
from engine.history import RunHistory
from engine.trainer import train


@functools.cache
def trained(name: str) -> RunHistory:
    """The preset `name` trained to its end (the same run for every test that asks; read it, never change it)."""
    return train(presets.load(name))
