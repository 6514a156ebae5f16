"""Carry out an ExportJob: animations frame by frame, single views, plot figures, CSV and run files.

`AnimationExport` is step-wise so that a caller decides how frames are paced: the CLI loops as fast as it can, the
Export… dialog renders one frame per timer tick to keep the window responsive. `run_export` is the blocking
form. Whatever fails or is cancelled, nothing is left at the target path (see writers.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from engine import atomic
from featlearn_gui.view_state import Run, ViewState

from .frames import CAPTION_HOLD_S, FramePlan, hold_at_stops, plan_frames
from .job import ExportCancelled, ExportError, ExportInputError, ExportJob, check_writable
from .render import FrameRenderer
from .writers import GIF_MAX_BYTES, ThreadedSink, atomic_file, gif_bytes, open_sink


def check_steps(job: ExportJob, runs: list[Run]) -> None:
    """Refuse --steps that start after the last recorded step: that export would silently show the end."""
    first = job.steps[0]
    end = max(int(run.history.steps[-1]) for run in runs)
    if first is not None and first > end:
        shown = first if job.steps[1] == first else f"{first}:{'' if job.steps[1] is None else job.steps[1]}"
        raise ExportInputError(f"--steps {shown} starts after the end of the run (its last step is {end})")


def check_gif_size(job: ExportJob, frames: int, runs: int, content: str = "sphere") -> None:
    """Refuse, before rendering, a GIF whose frames would not fit the memory it may hold (writers.GIF_MAX_BYTES)."""
    if job.kind != "gif":
        return
    w, h = job.frame_size(content)
    need = gif_bytes(frames, (w * runs, h))
    if need > GIF_MAX_BYTES:
        raise ExportInputError(
            f"--frames {frames}: a GIF of {frames} frames of {w * runs}x{h} pixels holds {need / 2**30:.1f} GiB "
            f"while it is written (limit {GIF_MAX_BYTES / 2**30:.0f} GiB); give fewer --frames, a smaller --size, "
            "or export an .mp4"
        )


def frame_plan(job: ExportJob, runs: list[Run]) -> FramePlan:
    """Which step each frame shows; a single-image job shows its step (the last step when none is given)."""
    check_steps(job, runs)
    first, last = job.steps
    if job.kind == "image":
        step = first if first is not None else last
        first = last = step if step is not None else max(int(run.history.steps[-1]) for run in runs)
    frames = 1 if job.kind == "image" else job.frames
    plan = plan_frames([run.history.steps for run in runs], first, last, frames, job.spacing)
    if len(plan) == 0:
        raise ExportInputError(f"--steps {first}:{last} contains no recorded step")
    return plan


class AnimationExport:
    """An animation (MP4, GIF or PNG sequence) in progress: call `step` until it returns False, then `finish`.

    Must be driven from the thread that owns the QApplication (frames are painted by Qt widgets); encoding runs
    in a background thread.
    """

    def __init__(self, job: ExportJob, state: ViewState) -> None:
        check_writable(job.target())
        job.check_captions(state.captions)
        self.job, self.runs = job, list(state.runs)
        self.plan = frame_plan(job, self.runs)
        check_gif_size(job, len(self.plan), len(self.runs), state.content)
        self.renderer = FrameRenderer(state, job.frame_size(state.content))
        if state.captions:
            hold = max(1, round(CAPTION_HOLD_S * job.fps))
            steps = [run.history.steps for run in self.runs]
            self.plan = hold_at_stops(self.plan, steps, self.renderer.captions, hold)
        self.azimuth, self.elevation = self.renderer.camera()
        self.sink = ThreadedSink(open_sink(job.kind, job.target(), job.fps))
        self.done = 0
        self._pending: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.plan)

    def render(self, k: int) -> np.ndarray:
        """Frame k: (height, width, 3) uint8."""
        azimuth = self.azimuth + self.job.rotate * k
        return self.renderer.render([idx[k] for idx in self.plan.indices], azimuth, self.elevation)

    def step(self, block: bool = True) -> bool:
        """Render and queue the next frame; True while frames remain. With block=False a full encoder queue
        returns at once (the frame is kept for the next call), so a GUI timer never stalls."""
        if self.done >= len(self):
            return False
        if self._pending is None:
            self._pending = self.render(self.done)
        if block:
            self.sink.write(self._pending)
        elif not self.sink.try_write(self._pending):
            return True
        self._pending = None
        self.done += 1
        return self.done < len(self)

    def commit(self) -> Path:
        """Flush the encoder and move the result into place (any thread: no Qt involved)."""
        return self.sink.commit()

    def close(self) -> None:
        """Release the render widgets (GUI thread)."""
        self.renderer.close()

    def finish(self) -> Path:
        """commit, then close."""
        try:
            return self.commit()
        finally:
            self.close()

    def abort(self) -> None:
        """Stop, discarding everything written so far."""
        try:
            self.sink.abort()
        finally:
            self.renderer.close()


def export_image(job: ExportJob, state: ViewState, cancelled: Callable[[], bool] | None = None) -> Path:
    """One PNG of the view(s) at the job's step (GUI thread); `cancelled` is polled before the file is written."""
    from PIL import Image

    check_writable(job.out)
    atomic.remove_stale_parts(job.out)
    plan = frame_plan(job, list(state.runs))
    renderer = FrameRenderer(state, job.frame_size(state.content))
    try:
        frame = renderer.render([idx[0] for idx in plan.indices], *renderer.camera())
    finally:
        renderer.close()
    if cancelled and cancelled():
        raise ExportCancelled("export cancelled; nothing was written")
    with atomic_file(job.out) as tmp:
        Image.fromarray(frame, "RGB").save(tmp, format="PNG")
    return job.out


def export_static(job: ExportJob, state: ViewState) -> Path:
    """Plots (SVG/PDF/PNG), CSV or the run file: no Qt involved, so safe to call from a worker thread."""
    runs = list(state.runs)
    job.check_captions(state.captions)
    check_writable(job.out)
    atomic.remove_stale_parts(job.out)
    check_steps(job, runs)
    if job.kind == "csv":
        from .data import write_csv

        return write_csv(runs, job.out, job.steps)
    if job.kind == "npz":
        if len(runs) != 1:
            raise ExportInputError("--out *.npz copies one run; give exactly one run file")
        from .data import save_run

        return save_run(runs[0].history, job.out)
    from .figures import write_figure

    step = job.steps[1] if job.steps[1] is not None else job.steps[0]
    size = job.size if job.kind == "plot" and job.extension == "png" else None
    return write_figure(runs, job.out, job.figure or "all", step, size)


def run_export(job: ExportJob, state: ViewState, progress: Callable[[int, int], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> Path:
    """Carry out `job` on the picture `state` describes, to the end (blocking), and return the path written.

    Parameters
    ----------
    progress : called with (frames done, frame count) after each frame of an animation.
    cancelled : polled between frames; when it returns True the export stops and ExportCancelled is raised.

    Raises
    ------
    ExportInputError for requests that cannot work, ExportCancelled, ExportError or OSError for failures.
    """
    if job.kind == "image":
        job.check_captions(state.captions)
        return export_image(job, state, cancelled)
    if not job.animated:
        return export_static(job, state)
    export = AnimationExport(job, state)
    try:
        while export.step():
            if progress:
                progress(export.done, len(export))
            if cancelled and cancelled():
                raise ExportCancelled("export cancelled; nothing was written")
        if progress:
            progress(export.done, len(export))
        return export.finish()
    except BaseException:
        export.abort()
        raise


__all__ = ["AnimationExport", "ExportError", "check_steps", "export_image", "export_static", "frame_plan", "run_export"]
