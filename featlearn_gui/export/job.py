"""What one export produces: the output file, its kind, size, steps and pace, validated in one place.

What the picture shows (runs, view options, renderer, camera, content, overlay, captions) is the other half of an
export: a featlearn_gui.view_state.ViewState. The CLI and the Export… dialog both build an `ExportJob`; the runner
only reads it. Validation errors are
`ExportInputError`s whose message names the option, the bad value and what is allowed (the CLI exits 2 on them).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from featlearn_gui.palette import CONTENTS, RENDERERS

__all__ = ["CONTENTS", "RENDERERS", "ExportCancelled", "ExportError", "ExportInputError", "ExportJob",
           "TrainingDiverged"]

EXTENSIONS = ("mp4", "gif", "png", "csv", "svg", "pdf", "npz")
SPACINGS = ("linear", "log")
CAPTIONED = ("mp4", "gif", "frames", "image")  # the kinds that paint the sphere view, where a caption can go


def figure_names() -> tuple[str, ...]:
    """"all" and each of the app's plots (featlearn_gui.plots, imported only when asked: it pulls in torch)."""
    from featlearn_gui.plots import TIME_PLOTS

    return ("all", *TIME_PLOTS, "certificate")


DEFAULT_SIZE = {"sphere": (640, 640), "dashboard": (1280, 720)}
MAX_SIDE = 8192  # larger frames exhaust memory long before they help anyone
VIDEO_BLOCK = 16  # H.264 works on 16×16 macroblocks; imageio silently resizes anything else


class ExportError(RuntimeError):
    """An export failed while writing (disk full, encoder crash); nothing was left at the target path."""


class ExportInputError(ExportError, ValueError):
    """The request itself is invalid (bad option, unreadable run, unwritable folder): a user can fix it."""


class TrainingDiverged(ExportError):
    """A comparison's run diverged while it was trained for the export (the CLI exits 3)."""


class ExportCancelled(ExportError):
    """The user cancelled; nothing was left at the target path."""


def parse_size(text: str) -> tuple[int, int]:
    """'WxH' → (W, H); raises ExportInputError naming the value and the expected form."""
    parts = text.lower().replace("×", "x").split("x")
    try:
        w, h = (int(p) for p in parts)
    except ValueError:
        raise ExportInputError(f"--size {text!r} is not WIDTHxHEIGHT in pixels, e.g. 800x608") from None
    if not (16 <= w <= MAX_SIDE and 16 <= h <= MAX_SIDE):
        raise ExportInputError(f"--size {text!r}: width and height must be between 16 and {MAX_SIDE} pixels")
    return w, h


def parse_steps(text: str) -> tuple[int | None, int | None]:
    """'A:B', 'A:', ':B' → (A, B) with None for an open end; a single 'A' → (A, A), one step."""
    pieces = text.split(":")
    if len(pieces) > 2:
        raise ExportInputError(f"--steps {text!r} is not A:B, A:, :B or a single step A")
    try:
        bounds = [int(p) if p.strip() else None for p in pieces]
    except ValueError:
        raise ExportInputError(f"--steps {text!r}: steps must be whole numbers, as in 0:4000") from None
    start, stop = (bounds[0], bounds[0]) if len(bounds) == 1 else bounds
    if any(b is not None and b < 0 for b in (start, stop)):
        raise ExportInputError(f"--steps {text!r}: steps cannot be negative")
    if start is not None and stop is not None and stop < start:
        raise ExportInputError(f"--steps {text!r}: the range ends before it starts")
    return start, stop


def round_to_block(size: tuple[int, int], block: int = VIDEO_BLOCK) -> tuple[int, int]:
    """The nearest size with both sides multiples of `block` (at least one block)."""
    return tuple(max(block, int(round(s / block)) * block) for s in size)  # type: ignore[return-value]


@dataclass(frozen=True)
class ExportJob:
    """One export request. `size` is per run: n runs side by side are n times as wide.

    Attributes
    ----------
    out : target path; its extension picks the kind (see `kind`).
    fps : frames per second of an animation.
    size : (width, height) of one run's view in pixels, or None for the content's default.
    steps : (first, last) training step, None for the run's start / end.
    spacing : "linear" or "log" (log shows the fast early dynamics in more frames).
    frames : number of frames of an animation, or None for up to DEFAULT_FRAMES.
    rotate : turn the camera's azimuth by this many degrees per frame.
    figure : which plot a vector/PNG figure shows ("all" for every plot in one figure, or "sphere").
    """

    out: Path
    fps: int = 30
    size: tuple[int, int] | None = None
    steps: tuple[int | None, int | None] = (None, None)
    spacing: str = "linear"
    frames: int | None = None
    rotate: float = 0.0
    figure: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "out", Path(self.out))
        if self.extension not in EXTENSIONS:
            raise ExportInputError(
                f"--out {str(self.out)!r}: cannot export to .{self.extension or '(no extension)'}; "
                f"use one of: {', '.join('.' + e for e in EXTENSIONS)}"
            )
        if self.spacing not in SPACINGS:
            raise ExportInputError(f"--spacing {self.spacing!r} is not one of: {', '.join(SPACINGS)}")
        figures = (*figure_names(), "sphere")
        if self.figure is not None and self.figure not in figures:
            raise ExportInputError(f"--figure {self.figure!r} is not one of: {', '.join(figures)}")
        check_angle("--rotate", self.rotate)
        if not 1 <= self.fps <= 120:
            raise ExportInputError(f"--fps {self.fps} must be between 1 and 120")
        if self.frames is not None and not 1 <= self.frames <= 100_000:
            raise ExportInputError(f"--frames {self.frames} must be between 1 and 100000")

    def check_captions(self, captions: bool) -> None:
        """Captions go on pictures and animations only."""
        if captions and self.kind not in CAPTIONED:
            raise ExportInputError(f"--captions: captions are drawn on pictures and animations (.mp4, .gif, .png "
                                   f"views), not on .{self.extension} {'figures' if self.kind == 'plot' else 'files'}")

    @property
    def extension(self) -> str:
        return self.out.suffix.lower().lstrip(".")

    @property
    def single_step(self) -> bool:
        first, last = self.steps
        return (first is not None and first == last) or self.frames == 1

    @property
    def kind(self) -> str:
        """'mp4', 'gif', 'frames' (PNG sequence), 'image' (one PNG view), 'plot' (figure), 'csv' or 'npz'."""
        ext = self.extension
        if ext == "png":
            if self.figure not in (None, "sphere"):
                return "plot"
            ranged = self.steps != (None, None) and not self.single_step
            return "frames" if ranged or (self.frames or 1) > 1 else "image"
        return "plot" if ext in ("svg", "pdf") else ext

    @property
    def animated(self) -> bool:
        return self.kind in ("mp4", "gif", "frames")

    def frame_size(self, content: str = "sphere") -> tuple[int, int]:
        """Per-run pixel size of a picture of `content`; animations keep to multiples of 16 (H.264 macroblocks)."""
        size = self.size or DEFAULT_SIZE[content]
        return round_to_block(size) if self.animated else size

    @property
    def frames_dir(self) -> Path:
        """Where a PNG frame sequence goes: next to `out`, named <stem>_frames/."""
        return self.out.with_name(self.out.stem + "_frames")

    def target(self) -> Path:
        """The path that will exist when the export succeeds."""
        return self.frames_dir if self.kind == "frames" else self.out


def check_writable(target: Path) -> None:
    """Fail early, with the folder named, when the target's folder is missing or not writable."""
    folder = target.parent
    if not folder.is_dir():
        raise ExportInputError(f"cannot write {target}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportInputError(f"cannot write {target}: no permission to write in {folder}")
    if target.is_dir() and target.suffix:
        raise ExportInputError(f"cannot write {target}: a folder of that name is in the way")


def check_angle(name: str, value: float | None) -> None:
    """An angle option (None: not given) must be a finite number of degrees: nan or inf would draw a blank sphere."""
    if value is not None and not math.isfinite(value):
        raise ExportInputError(f"{name} {value}: expected a finite angle in degrees, e.g. {name} 30")
