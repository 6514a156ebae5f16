"""The view state `featlearn export` renders, built from its command line as the window builds its own.

    featlearn export RUN.npz [MORE.npz ...] --out FILE [--view KEY=VALUE ...] [--renderer R] [--azimuth A] ...
    featlearn export COMPARISON.toml --out FILE [--view KEY=VALUE ...] ...

A comparison file names its runs (presets and configs are trained here first, with a progress bar; run files are
read) and may say what its spheres show in [view]. Precedence, weakest first: the file's [view], then each
`--view KEY=VALUE` (the same keys and values, checked the same way), then an explicit flag (--renderer, --azimuth,
--elevation, --no-overlay). Qt-free.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from featlearn_gui.scene import ViewOptions
from featlearn_gui.view_state import COMPARISON_OPTIONS, Run, ViewState

from .job import ExportInputError, TrainingDiverged, check_angle

TRUE, FALSE = ("true", "on", "yes", "1"), ("false", "off", "no", "0")


def parse_view(items: list[str]) -> dict:
    """`--view KEY=VALUE` items as a [view] table, checked like a comparison file's (ExportInputError if not)."""
    from engine.config import ConfigError
    from featlearn_gui.comparisons.file import VIEW_DEFAULTS, view_options

    view: dict = {}
    for item in items:
        key, sep, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if not sep or not key:
            raise ExportInputError(f"--view {item!r} is not KEY=VALUE, e.g. --view trails=on")
        if key not in VIEW_DEFAULTS:
            raise ExportInputError(f"--view {key}: not a view option; known: {', '.join(VIEW_DEFAULTS)}")
        view[key] = _value(key, text, VIEW_DEFAULTS[key])
    try:
        return view_options(view, "--view")
    except ConfigError as exc:
        raise ExportInputError(str(exc)) from None


def _value(key: str, text: str, default: object) -> object:
    if isinstance(default, bool):
        if text.lower() not in TRUE + FALSE:
            raise ExportInputError(f"--view {key}={text}: expected on or off (true/false)")
        return text.lower() in TRUE
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise ExportInputError(f"--view {key}={text}: expected a whole number") from None
    return text


def is_comparison(paths: list[str]) -> bool:
    """A comparison file (one .toml) in place of run files; both at once is an error."""
    tomls = [p for p in paths if Path(p).suffix.lower() == ".toml"]
    if tomls and len(paths) > 1:
        raise ExportInputError(f"{tomls[0]}: give one comparison file or run files, not both")
    return bool(tomls)


def load_runs(paths: list[str]) -> list[Run]:
    """Run files as runs (label: the file name without .npz; RunFileError becomes ExportInputError)."""
    from engine.history import RunFileError, RunHistory

    runs = []
    for path in paths:
        try:
            runs.append(Run(Path(path).stem, RunHistory.load(path), status="loaded"))
        except RunFileError as exc:
            raise ExportInputError(str(exc)) from None
    return runs


def load_comparison(path: str, quiet: bool = False):
    """(the comparison, its runs): run files read, presets and configs trained headless with a progress bar."""
    from engine.config import ConfigError, RunConfig
    from featlearn_gui.comparisons import file as comparison_file

    try:
        comparison = comparison_file.load(path)
        sources = comparison.sources()
    except ConfigError as exc:
        raise ExportInputError(str(exc)) from None
    runs = []
    for entry, source in sources:
        history = _train(entry.label, source, quiet) if isinstance(source, RunConfig) else source
        runs.append(Run(entry.label, history, status="loaded"))
    return comparison, runs


def _train(label: str, config, quiet: bool):
    import numpy as np
    from tqdm import tqdm

    from engine.trainer import Diverged, Trainer

    trainer = Trainer(config)
    history = trainer.new_history()
    bar = tqdm(total=config.optim.steps, unit="step", desc=f"train {label}", disable=quiet, file=sys.stderr,
               dynamic_ncols=True)
    try:
        with np.errstate(all="ignore"):  # the trainer detects overflow on the way to divergence and says so
            for snap in trainer.run():
                history.append(snap)
                bar.update(snap.step - bar.n)
    except Diverged as exc:
        raise TrainingDiverged(f"run {label!r}: {exc}") from None
    finally:
        bar.close()
    return history


def build_state(args) -> ViewState:
    """The view state of `featlearn export`'s arguments (see the module docstring for the precedence)."""
    view: dict = {}
    if is_comparison(args.runs):
        comparison, runs = load_comparison(args.runs[0], quiet=getattr(args, "quiet", False))
        title, view = comparison.title, {**COMPARISON_OPTIONS, **comparison.view}
    else:
        runs, title = load_runs(args.runs), ""
    view.update(parse_view(args.view or []))
    renderer = view.pop("renderer", "auto")
    options = dataclasses.replace(ViewOptions(), **view)
    explicit = {"renderer": args.renderer, "overlay": args.overlay}
    state = ViewState(tuple(runs), options, renderer=renderer, content=args.content, title=title,
                      captions=args.captions)
    state = state.replace(**{key: value for key, value in explicit.items() if value is not None})
    check_angle("--azimuth", args.azimuth)
    check_angle("--elevation", args.elevation)
    if args.azimuth is not None or args.elevation is not None:
        state = state.replace(camera=(args.azimuth, args.elevation))  # a missing one: the view's own
    return state
