"""A comparison: several runs shown side by side, saved as a small TOML that names their presets, configs or runs.

    title = "Weight decay vs none"
    [[runs]]
    label = "weight decay"
    preset = "paper"          # or: config = "my.toml", or: run = "paper.npz" (paths relative to this file)
    [view]                    # optional: what the spheres show (ViewOptions fields) and on which renderer
    certificate = "pre"
    renderer = "map"

Qt-free: the window, the CLI and the tests load comparisons through this module.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from engine import config as config_mod
from engine import presets
from engine.config import ConfigError, RunConfig
from engine.history import RunFileError, RunHistory
from featlearn_gui.palette import CERTIFICATES, COLOUR_MODES, RENDERERS
from featlearn_gui.scene import ViewOptions

SOURCES = ("preset", "config", "run")


@dataclass(frozen=True)
class RunEntry:
    """One run of a comparison: a label and exactly one source."""

    label: str
    preset: str = ""
    config: str = ""
    run: str = ""

    @property
    def source(self) -> tuple[str, str]:
        return next((kind, getattr(self, kind)) for kind in SOURCES if getattr(self, kind))

    def load(self, base: Path) -> RunConfig | RunHistory:
        """The entry's config (preset or TOML, to be trained) or its recorded history (run file)."""
        kind, value = self.source
        if kind == "preset":
            return presets.load(value)
        path = Path(value) if Path(value).is_absolute() else base / value
        return config_mod.load(path) if kind == "config" else RunHistory.load(path)


@dataclass(frozen=True)
class Comparison:
    title: str
    runs: tuple[RunEntry, ...]
    description: str = ""
    base: Path = field(default=Path("."), compare=False)  # where relative paths of the entries start
    # What the spheres show for this comparison (ViewOptions fields), e.g. {"certificate": "pre"} where the contrast
    # is in the certificate rather than in where the neurons go.
    view: dict = field(default_factory=dict)

    def sources(self, overrides: list[str] = ()) -> list[tuple[RunEntry, RunConfig | RunHistory]]:
        """Each entry with its config or recorded history; `overrides` (KEY=VALUE) apply to the configs only.

        Raises ConfigError naming the run that cannot be loaded, before anything is shown.
        """
        loaded = []
        for entry in self.runs:
            try:
                source = entry.load(self.base)
                if isinstance(source, RunConfig) and overrides:
                    source = config_mod.apply_overrides(source, list(overrides))
            except (ConfigError, RunFileError) as exc:
                raise ConfigError(f"run {entry.label!r}: {exc}") from None
            loaded.append((entry, source))
        return loaded

    def absolute(self, entry: RunEntry) -> tuple[str, str]:
        """The entry's source with its path made absolute (presets stay names)."""
        kind, value = entry.source
        if kind == "preset" or Path(value).is_absolute():
            return kind, value
        return kind, str((self.base / value).resolve())


VIEW_CHOICES = {"certificate": CERTIFICATES, "colour": COLOUR_MODES, "renderer": RENDERERS}
# What a [view] table (or `featlearn export --view`) may set: the sphere's ViewOptions, and the renderer.
VIEW_DEFAULTS = {**{f.name: getattr(ViewOptions(), f.name) for f in dataclasses.fields(ViewOptions)},
                 "renderer": "auto"}


def view_options(view: object, source: str) -> dict:
    """The [view] table checked against the sphere's ViewOptions (and the renderer): known fields, values of their
    type and choices."""
    if not isinstance(view, dict):
        raise ConfigError(f"{source}: view = {view!r} is not allowed: expected a [view] table")
    defaults = VIEW_DEFAULTS
    for key, value in view.items():
        if key not in defaults:
            raise ConfigError(f"{source}: [view] {key} is not a view option; known: {', '.join(defaults)}")
        allowed = VIEW_CHOICES.get(key)
        if type(value) is not type(defaults[key]) or (allowed and value not in allowed):
            what = f"one of {', '.join(allowed)}" if allowed else f"a {type(defaults[key]).__name__}"
            raise ConfigError(f"{source}: [view] {key} = {value!r} is not allowed: expected {what}")
    return dict(view)


def from_dict(data: dict, base: Path = Path("."), source: str = "comparison") -> Comparison:
    unknown = set(data) - {"title", "description", "runs", "view"}
    if unknown:
        raise ConfigError(f"{source}: unknown key {sorted(unknown)[0]}; known keys: title, description, [[runs]], "
                          "[view]")
    runs = data.get("runs", [])
    if not isinstance(runs, list) or len(runs) < 2:
        raise ConfigError(f"{source}: runs = {runs!r} is not allowed: expected at least two [[runs]] tables")
    entries = []
    for i, run in enumerate(runs, start=1):
        if not isinstance(run, dict) or set(run) - {"label", *SOURCES}:
            raise ConfigError(f"{source}: [[runs]] #{i} = {run!r}: expected keys label and one of preset, config, run")
        given = [kind for kind in SOURCES if run.get(kind)]
        if len(given) != 1:
            raise ConfigError(
                f"{source}: [[runs]] #{i} names {len(given)} sources; give exactly one of preset, config, run"
            )
        entries.append(RunEntry(label=str(run.get("label") or run[given[0]]), **{given[0]: str(run[given[0]])}))
    view = view_options(data.get("view", {}), source)
    return Comparison(str(data.get("title", "Comparison")), tuple(entries), str(data.get("description", "")), base,
                      view)


def load(path: str | Path) -> Comparison:
    path = Path(path)
    text = config_mod.read_text(path, "comparison file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    return from_dict(data, base=path.parent, source=str(path))


def dumps(comparison: Comparison) -> str:
    runs = [{"label": e.label, e.source[0]: e.source[1]} for e in comparison.runs]
    view = {"view": comparison.view} if comparison.view else {}
    return tomli_w.dumps({"title": comparison.title, "description": comparison.description, "runs": runs, **view})


def save(comparison: Comparison, path: str | Path) -> None:
    Path(path).write_text(dumps(comparison), encoding="utf-8")


def builtin_names() -> list[str]:
    return sorted(p.stem for p in presets.resource_dir("comparisons").glob("*.toml"))


def builtin(name: str) -> Comparison:
    path = presets.resource_dir("comparisons") / f"{name}.toml"
    if not path.is_file():
        raise ConfigError(f"comparison {name!r} does not exist; available: {', '.join(builtin_names())}")
    return load(path)


def rebased(comparison: Comparison, folder: str | Path) -> Comparison:
    """The same comparison with its config and run paths relative to `folder` where they can be (absolute where
    not), so that saving it in another folder keeps every entry pointing at the same file."""
    folder = Path(folder).resolve()
    entries = []
    for entry in comparison.runs:
        kind, value = entry.source
        if kind != "preset":
            target = Path(value) if Path(value).is_absolute() else (comparison.base / value)
            target = target.resolve()
            try:
                value = target.relative_to(folder).as_posix()
            except ValueError:
                value = str(target)
        entries.append(RunEntry(label=entry.label, **{kind: value}))
    return Comparison(comparison.title, tuple(entries), comparison.description, folder, comparison.view)
