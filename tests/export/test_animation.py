"""Animations decode to the frames and sizes asked for; comparisons are as wide as their runs together."""

import re
import subprocess

import imageio_ffmpeg
import numpy as np
from PIL import Image

from featlearn_gui.export import ExportJob, Run, ViewState, run_export

from .conftest import SIZE


def _decode_mp4(path):
    """Every frame of the video, decoded by ffmpeg (imageio's readers leak pipes, which warnings-as-errors sees)."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    out = subprocess.run([ffmpeg, "-v", "info", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True)
    width, height = map(int, re.search(r"Video: h264.*?, (\d+)x(\d+)", out.stderr.decode()).groups())
    return list(np.frombuffer(out.stdout, np.uint8).reshape(-1, height, width, 3))


def _pixels(path):
    with Image.open(path) as image:
        return np.asarray(image, dtype=float)


def test_mp4_decodes_to_the_requested_frame_count_and_size(tmp_path, paper_history, paper_view):
    out = tmp_path / "paper.mp4"
    run_export(ExportJob(out=out, size=SIZE, frames=12, fps=24), paper_view)
    frames = _decode_mp4(out)
    assert len(frames) == 12
    assert frames[0].shape == (SIZE[1], SIZE[0], 3)
    assert frames[0].std() > 5  # something is drawn, not a flat colour


def test_mp4_size_is_rounded_to_multiples_of_16(tmp_path, paper_history, paper_view):
    out = tmp_path / "odd.mp4"
    run_export(ExportJob(out=out, size=(170, 118), frames=3), paper_view)
    assert _decode_mp4(out)[0].shape == (112, 176, 3)


def test_gif_has_the_frames_and_loops_forever(tmp_path, paper_history, paper_view):
    out = tmp_path / "paper.gif"
    run_export(ExportJob(out=out, size=SIZE, frames=7, fps=20, rotate=5.0), paper_view)
    with Image.open(out) as gif:
        assert gif.n_frames == 7
        assert gif.size == SIZE
        assert gif.info["loop"] == 0
        assert gif.info["duration"] == 50  # milliseconds at 20 fps


def test_png_sequence_frames_are_non_blank_and_of_the_requested_size(tmp_path, paper_history, paper_view):
    out = tmp_path / "paper.png"
    written = run_export(ExportJob(out=out, size=SIZE, steps=(0, 200), frames=4), paper_view)
    assert written == tmp_path / "paper_frames" and not out.exists()
    files = sorted(written.glob("*.png"))
    assert [f.name for f in files] == [f"paper_{i:05d}.png" for i in range(4)]
    for f in files:
        with Image.open(f) as png:
            image = np.asarray(png)
        assert image.shape[:2] == (SIZE[1], SIZE[0])
        assert len(np.unique(image.reshape(-1, image.shape[-1]), axis=0)) > 10


def test_single_png_shows_one_step(tmp_path, paper_history, paper_view):
    out = tmp_path / "step.png"
    run_export(ExportJob(out=out, size=(200, 150), steps=(100, 100)), paper_view)
    with Image.open(out) as png:
        image = np.asarray(png)
    assert image.shape[:2] == (150, 200) and image.std() > 5


def test_dashboard_frames_differ_as_training_moves(tmp_path, paper_history):
    out = tmp_path / "dash.png"
    state = ViewState((Run("paper", paper_history),), content="dashboard")
    run_export(ExportJob(out=out, size=(320, 160), steps=(0, 400), frames=2), state)
    first, last = (_pixels(f) for f in sorted((tmp_path / "dash_frames").iterdir()))
    assert np.abs(first - last).mean() > 1.0


def test_two_runs_side_by_side_are_twice_as_wide(tmp_path, paper_history, run_files):
    from engine.history import RunHistory

    runs = (Run("paper", paper_history), Run("no-wd", RunHistory.load(run_files[1])))
    single, pair = tmp_path / "one.mp4", tmp_path / "cmp.mp4"
    run_export(ExportJob(out=single, size=SIZE, frames=5), ViewState(runs[:1]))
    run_export(ExportJob(out=pair, size=SIZE, frames=5), ViewState(runs))
    one, two = _decode_mp4(single), _decode_mp4(pair)
    assert len(two) == len(one) == 5
    assert two[0].shape == (SIZE[1], 2 * SIZE[0], 3)
