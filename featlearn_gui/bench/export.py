"""Export speed, side by side in one process: our MP4 export against a straightforward matplotlib FuncAnimation of
the same scene (3-D scatter of the neuron directions and the teacher markers), both encoded by the same ffmpeg
(imageio-ffmpeg's binary, libx264, yuv420p) at the same size and frame count.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from featlearn_gui.export.frames import select_snapshots
from featlearn_gui.export.job import ExportJob


def _as_history(run_path_or_history):
    if isinstance(run_path_or_history, (str, Path)):
        from engine.history import RunHistory

        return RunHistory.load(run_path_or_history)
    return run_path_or_history


def _ours(history, out: Path, size: tuple[int, int], frames: int) -> float:
    from featlearn_gui.export.runner import run_export
    from featlearn_gui.view_state import Run, ViewState

    job = ExportJob(out=out, size=size, frames=frames, rotate=1.0)
    start = time.perf_counter()
    run_export(job, ViewState((Run("paper", history),)))
    return frames / (time.perf_counter() - start)


def _matplotlib(history, out: Path, size: tuple[int, int], frames: int) -> float:
    import imageio_ffmpeg
    import matplotlib
    from matplotlib import animation
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from engine.metrics import unit_rows

    matplotlib.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()
    indices = select_snapshots(history.steps, None, None, frames, "linear")
    dpi = 100
    start = time.perf_counter()
    fig = Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)  # no pyplot: no GUI backend in a Qt process
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(projection="3d")
    ax.set(xlim=(-1, 1), ylim=(-1, 1), zlim=(-1, 1))
    teachers = history.teacher.w
    ax.scatter(teachers[:, 0], teachers[:, 1], teachers[:, 2], marker="*", s=200, c="gold", edgecolors="k")
    first, _ = unit_rows(history.snapshot(0).student_w)
    students = ax.scatter(first[:, 0], first[:, 1], first[:, 2], s=20, c="tab:red")
    title = ax.set_title("")

    def update(k: int):
        snap = history.snapshot(int(indices[k]))
        u, _ = unit_rows(np.asarray(snap.student_w))
        students._offsets3d = (u[:, 0], u[:, 1], u[:, 2])
        ax.view_init(elev=20, azim=30 + k)
        title.set_text(f"step {snap.step}  L = {snap.loss:.3g}  λ = {snap.weight_decay:.3g}")
        return students, title

    anim = animation.FuncAnimation(fig, update, frames=len(indices), blit=False)
    writer = animation.FFMpegWriter(fps=30, codec="libx264", extra_args=["-pix_fmt", "yuv420p"])
    anim.save(str(out), writer=writer, dpi=dpi)
    return len(indices) / (time.perf_counter() - start)


def mp4_vs_matplotlib(run_path_or_history, size: tuple[int, int] = (800, 608), frames: int = 60) -> dict:
    """Frames per second of our MP4 export and of matplotlib's FuncAnimation, and their ratio.

    Parameters
    ----------
    run_path_or_history : a run file path or a RunHistory (the `paper` run for the reported figure).
    size : frame (width, height) in pixels.
    frames : frames to write (each run samples the same snapshots, linearly spaced).

    Returns
    -------
    dict with ours_fps, matplotlib_fps, ratio (ours / matplotlib), frames, size.
    """
    history = _as_history(run_path_or_history)
    with tempfile.TemporaryDirectory(prefix="featlearn-bench-") as folder:
        _ours(history, Path(folder) / "warmup.mp4", (160, 128), 2)  # Qt, fonts and ffmpeg start-up are not the point
        ours = _ours(history, Path(folder) / "ours.mp4", size, frames)
        theirs = _matplotlib(history, Path(folder) / "matplotlib.mp4", size, frames)
    return {
        "ours_fps": ours,
        "matplotlib_fps": theirs,
        "ratio": ours / theirs,
        "frames": frames,
        "size": f"{size[0]}x{size[1]}",
    }
