"""Built-in sweeps: TOML files in resources/sweeps, each demonstrating one claim, named like presets."""

from __future__ import annotations

from pathlib import Path

from ..presets import resource_dir
from .grid import SweepError


def names() -> list[str]:
    return sorted(p.stem for p in resource_dir("sweeps").glob("*.toml"))


def find(name_or_path: str | Path) -> Path:
    """A sweep file: the path if it exists, else the built-in sweep of that name."""
    path = Path(name_or_path)
    if path.exists():  # a file, or something that is not one: reading it says which (grid.load)
        return path
    if str(name_or_path) in names():  # only listed names: `../../x` is not a built-in sweep
        return resource_dir("sweeps") / f"{name_or_path}.toml"
    raise SweepError(f"sweep {str(name_or_path)!r}: no such file, nor a built-in sweep ({', '.join(names())})")


def description(name: str) -> str:
    """The sweep's first comment line: the claim it demonstrates."""
    first = find(name).read_text(encoding="utf-8").splitlines()[0]
    return first.lstrip("# ").strip() if first.startswith("#") else ""
