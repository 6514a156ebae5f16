"""Built-in experiments: TOML files in resources/presets, loaded through the same validation as user files."""

from __future__ import annotations

from pathlib import Path

from . import config
from .config import ConfigError, RunConfig

DEFAULT_PRESET = "paper"


def resource_dir(name: str) -> Path:
    """resources/<name> of a source checkout, or of the installed featlearn_resources package."""
    here = Path(__file__).resolve().parent.parent / "resources" / name
    if here.is_dir():
        return here
    import featlearn_resources  # installed from a wheel: resources/ ships as this package

    return Path(featlearn_resources.__file__).parent / name


def names() -> list[str]:
    return sorted(p.stem for p in resource_dir("presets").glob("*.toml"))


def path(name: str) -> Path:
    """The preset's file; only the names `names()` lists (never a path: `../../x` is not a preset)."""
    p = resource_dir("presets") / f"{name}.toml"
    if name not in names():
        raise ConfigError(f"preset {name!r} does not exist; available presets: {', '.join(names())}")
    return p


def load(name: str) -> RunConfig:
    return config.load(path(name))


def description(name: str) -> str:
    """The preset's first comment line: what it demonstrates."""
    first = path(name).read_text(encoding="utf-8").splitlines()[0]
    return first.lstrip("# ").strip() if first.startswith("#") else ""
