"""`featlearn export`: animations, figures and data from run files, with or without a display.

Exit status (featlearn_gui/exit_codes.py): 0 on success, 3 when a comparison's run diverged while it was trained
for the export, 2 on invalid input (one line on stderr: unknown
extension, bad size or steps, unreadable or invalid run file, unwritable folder), 1 when writing fails (disk full,
encoder error), 130 on Ctrl+C and 143 on SIGTERM. Nothing is left at the target path unless the export succeeded,
and no temporary file is left at all: a signal is taken between frames, never in the middle of painting one.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from ..exit_codes import EXIT_DIVERGED, EXIT_FAILURE, EXIT_INVALID, EXIT_OK
from .job import (
    CONTENTS,
    DEFAULT_SIZE,
    RENDERERS,
    SPACINGS,
    ExportCancelled,
    ExportInputError,
    ExportJob,
    TrainingDiverged,
    parse_size,
    parse_steps,
)

DESCRIPTION = """\
Export runs as an animation, a picture, vector plots or data. The extension of --out decides what is written:
  .mp4  H.264 video            .gif  looping animation
  .png  one picture of the view at one step: --steps A (default: the last step), or with a range
        (--steps A:B, or --frames N > 1) a folder NAME_frames/ of numbered PNGs next to NAME.png;
        with --figure PLOT a plot at --size pixels
  .svg / .pdf  vector figure of the plots (--figure, default all), certificate at the last step of --steps
  .csv  per-snapshot metrics: step, stage, loss, objective, weight_decay, far_mass, max_active_angle_deg,
        captured_1..k (with several runs, a leading 'run' column)
  .npz  a copy of the run file
Several run files are drawn side by side with a shared camera: the frame is N times as wide as --size.
A comparison file (COMPARISON.toml, in place of the run files) exports as the app shows it: its runs side by side
(presets and configs trained first), with its [view]. --view KEY=VALUE (repeatable) sets what the spheres show:
trails, trail_length, arrows, certificate (off, live, pre), fade_inactive, colour (role, sign), fold, renderer.
Precedence: the file's [view] < --view < --renderer, --azimuth, --elevation, --no-overlay.
Works headless: without a display the offscreen platform and the projected renderer are used."""


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the `export` options to `parser` (the lead wires it into `featlearn`'s subcommands)."""
    parser.description = DESCRIPTION
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("runs", nargs="+", metavar="RUN.npz | COMPARISON.toml",
                        help="run file(s) written by `featlearn run`, or one comparison file")
    parser.add_argument("--out", required=True, metavar="FILE", help="output: .mp4 .gif .png .svg .pdf .csv .npz")
    parser.add_argument("--fps", type=int, default=30, help="frames per second of an animation (default 30)")
    parser.add_argument("--size", metavar="WxH", help="pixels of one run's view; animations round to multiples of 16 "
                        f"(default {'x'.join(map(str, DEFAULT_SIZE['sphere']))} sphere, "
                        f"{'x'.join(map(str, DEFAULT_SIZE['dashboard']))} dashboard)")
    parser.add_argument("--steps", metavar="A:B", help="training steps to show: A:B, A:, :B, or one step A")
    parser.add_argument("--spacing", choices=SPACINGS, default="linear",
                        help="frame spacing over the steps; log gives the fast early dynamics more frames")
    parser.add_argument("--frames", type=int, metavar="N", help="number of frames (default: up to 150 snapshots)")
    parser.add_argument("--content", choices=CONTENTS, default="sphere",
                        help="sphere only, or dashboard (sphere + loss + certificate panels)")
    parser.add_argument("--view", action="append", default=[], metavar="KEY=VALUE",
                        help="what the spheres show, as a comparison's [view]: e.g. trails=on, certificate=pre")
    parser.add_argument("--azimuth", type=float, metavar="DEG", help="camera azimuth (default: facing the teachers)")
    parser.add_argument("--elevation", type=float, metavar="DEG",
                        help="camera elevation (default: facing the teachers)")
    parser.add_argument("--rotate", type=float, default=0.0, metavar="DEG_PER_FRAME",
                        help="turn the camera by this many degrees of azimuth per frame (default 0)")
    parser.add_argument("--no-overlay", dest="overlay", action="store_false", default=None,
                        help="omit the step / loss / λ text")
    parser.add_argument("--captions", action="store_true",
                        help="the guided tour's captions: an animation pauses 3 s at each tour stop with its caption "
                        "(whose numbers are that step's); a picture at a stop's step carries its caption")
    parser.add_argument("--renderer", choices=RENDERERS,
                        help="sphere renderer (default auto: OpenGL when a display has it, else the projection); "
                             "map: the whole sphere at once (equal-area Hammer map)")
    parser.add_argument("--figure", metavar="NAME", help="which plot a .svg/.pdf/.png figure shows: all (default), "
                        "loss, lambda, far, angle, captured, span, certificate or sphere")


def build_job(args: argparse.Namespace) -> ExportJob:
    """The ExportJob the parsed options describe (ExportInputError on a bad value)."""
    return ExportJob(
        out=Path(args.out),
        fps=args.fps,
        size=parse_size(args.size) if args.size else None,
        steps=parse_steps(args.steps) if args.steps else (None, None),
        spacing=args.spacing,
        frames=args.frames,
        rotate=args.rotate,
        figure=args.figure,
    )


class _Progress:
    """A tqdm bar on stderr, created on the first frame (static exports have no frames and show none)."""

    def __init__(self, target: Path) -> None:
        self.target, self.bar = target, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="frame", desc=f"export {self.target.name}", file=sys.stderr)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def main(args: argparse.Namespace) -> int:
    """Run `featlearn export` with parsed arguments; return the exit status (0, 1, 2, 130 or 143)."""
    from ..saving import signals_held

    with signals_held() as held:  # SIGINT / SIGTERM become a request polled between frames
        code, message, written = _export(args, cancelled=lambda: held.signum is not None)
    if held.signum is not None and code != EXIT_INVALID:
        what = "interrupted" if held.signum == signal.SIGINT else "terminated"
        done = f"{written} was already complete and is kept" if written else "nothing was written"
        code, message = 128 + held.signum, f"featlearn export: {what}; {done}"
    print(message, file=sys.stderr)
    return code


def _export(args: argparse.Namespace, cancelled) -> tuple[int, str, Path | None]:
    """(exit status, the one line to print, the path written or None)."""
    try:
        job = build_job(args)
        job.check_captions(args.captions)
        from .runner import run_export
        from .view_args import build_state  # imports the engine: not for `featlearn --help`

        state = build_state(args)  # may train a comparison's runs first

        progress = _Progress(job.target())
        try:
            written = run_export(job, state, progress=progress, cancelled=cancelled)
        finally:
            progress.close()
    except ExportInputError as exc:
        return EXIT_INVALID, f"featlearn export: {exc}", None
    except TrainingDiverged as exc:
        return EXIT_DIVERGED, f"featlearn export: {exc}; nothing was written", None
    except ExportCancelled as exc:
        return EXIT_FAILURE, f"featlearn export: {exc}", None
    except Exception as exc:  # a failed write: one line for the user, no traceback
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        return EXIT_FAILURE, f"featlearn export: could not write {args.out}: {reason}; nothing was written", None
    return EXIT_OK, f"wrote {written}", written


def parser() -> argparse.ArgumentParser:
    """A stand-alone parser, for `python -m featlearn_gui.export` until `featlearn export` is wired in."""
    p = argparse.ArgumentParser(prog="featlearn export")
    configure_parser(p)
    return p
