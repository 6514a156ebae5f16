"""Pictures and animations of runs from Python (scripts, notebooks): `render_run`, the export command as a
function.

    from engine import train
    from featlearn_gui.export import render_run

    history = train("paper", {"optim.steps": 4000})
    render_run(history, "paper.mp4", frames=120, spacing="log")   # an animation
    frame = render_run(history, step=2000)                        # one frame as an (h, w, 3) uint8 array

It builds the same `ExportJob` as `featlearn export` and the Export… dialog (so it validates the same way and
raises `ExportInputError` naming the option) and carries it out with `run_export`. A QApplication is started
when none is running, offscreen where there is no display.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .job import ExportJob


def _runs(runs, labels: Sequence[str] | None) -> list:
    """The app's Run objects from histories or run files (one or a list), named by `labels` or their files."""
    from engine.history import RunHistory
    from featlearn_gui.view_state import Run

    items = list(runs) if isinstance(runs, (list, tuple)) else [runs]
    out = []
    for i, item in enumerate(items):
        history = item if isinstance(item, RunHistory) else RunHistory.load(item)
        default = Path(item).stem if not isinstance(item, RunHistory) else f"run {i + 1}" if len(items) > 1 else "run"
        out.append(Run(label=labels[i] if labels else default, history=history))
    return out


def _state(items: list, options: dict):
    """The view state of `render_run`'s picture options (the rest of `options` are the ExportJob's)."""
    from featlearn_gui.scene import ViewOptions
    from featlearn_gui.view_state import ViewState

    picture = {key: options.pop(key) for key in ("renderer", "content", "captions", "overlay") if key in options}
    camera = tuple(options.pop(key, None) for key in ("azimuth", "elevation"))
    view = {key: options.pop(key) for key in [f.name for f in dataclasses.fields(ViewOptions)] if key in options}
    return ViewState(tuple(items), ViewOptions(**view), camera=camera if any(c is not None for c in camera) else None,
                     **picture)


def render_run(runs, out: str | Path | None = None, *, step: int | None = None,
           steps: tuple[int | None, int | None] = (None, None), labels: Sequence[str] | None = None,
           **options) -> Path | np.ndarray:
    """Render runs (a RunHistory or a run file, or a list of them side by side) to `out`, or return one frame.

    Parameters
    ----------
    out : .mp4, .gif or a .png frame sequence (with `steps` or `frames`): an animation; .png with `step`: one
        picture; .svg/.pdf: plots; .csv: the metrics. None: return the frame at `step` (default the last) as an
        (height, width, 3) uint8 array.
    step : the training step of a single picture (the last snapshot at or before it is shown).
    steps : (first, last) training steps of an animation, None for an open end.
    labels : the runs' names (default: their file names, or "run 1", "run 2", ...).
    options : any other field of ExportJob: fps, size=(w, h), frames, spacing ("linear" or "log"), content
        ("sphere" or "dashboard"), renderer ("auto", "gl", "projected", "map"), captions, overlay, azimuth,
        elevation, rotate, figure; and any view option of the app (trails, certificate, colour, fold, ...).

    Returns
    -------
    The path written, or the frame when `out` is None.
    """
    from .runner import run_export

    if step is not None:
        steps = (step, step)
    options = dict(options)
    state = _state(_runs(runs, labels), options)
    if out is not None:
        return run_export(ExportJob(out=Path(out), steps=steps, **options), state)
    from PIL import Image

    if steps[0] != steps[1]:
        steps = (steps[1], steps[1]) if steps[1] is not None else (None, None)
    with tempfile.TemporaryDirectory(prefix="featlearn-frame-") as folder:
        path = run_export(ExportJob(out=Path(folder) / "frame.png", steps=steps, **options), state)
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
