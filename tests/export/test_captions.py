"""`featlearn export --captions`: the frames at a guided tour's stop carry its caption (whose numbers are that
step's), held long enough to read; everything else in the frame is as without captions."""

import numpy as np
import pytest
from PIL import Image
from PySide6 import QtCore

from featlearn_gui.export import command
from featlearn_gui.export.dialog import ExportDialog
from featlearn_gui.export.job import ExportInputError, ExportJob
from featlearn_gui.export.render import FrameRenderer
from featlearn_gui.tour_stops import tour_stops
from featlearn_gui.view_state import Run, ViewState

SIZE = (320, 320)


def _run(argv):
    return command.main(command.parser().parse_args(argv))


def test_a_caption_is_drawn_on_the_frames_at_its_stop_and_only_there(paper_history):
    """A stop's caption quotes that snapshot's numbers, so it goes on the frame of that step, not on later ones."""
    runs = [Run("paper", paper_history)]
    plain = FrameRenderer(ViewState(runs, renderer="projected", overlay=False), SIZE)
    captioned = FrameRenderer(ViewState(runs, renderer="projected", overlay=False, captions=True), SIZE)
    stops = dict(tour_stops(paper_history))
    steps = [int(s) for s in paper_history.steps]
    assert len(stops) >= 2 and any(step not in stops for step in steps)
    try:
        for index, step in enumerate(steps):
            a = plain.render([index], 30.0, 20.0).astype(int)
            b = captioned.render([index], 30.0, 20.0).astype(int)
            rows = np.flatnonzero(np.any(a != b, axis=(1, 2)))
            if step not in stops:
                assert len(rows) == 0, f"step {step} is no stop: no caption"
                continue
            assert len(rows) > 0  # the caption is there...
            assert rows.min() > SIZE[1] // 3  # ...in the lower part of the sphere
            box = b[rows.min():rows.max() + 1]
            assert np.mean(box) < np.mean(a[rows.min():rows.max() + 1]) - 50  # a dark box where the view is light
    finally:
        plain.close()
        captioned.close()


def test_an_animation_with_captions_pauses_at_each_stop(tmp_path, paper_history):
    from featlearn_gui.export.frames import CAPTION_HOLD_S
    from featlearn_gui.export.runner import AnimationExport

    state = ViewState((Run("paper", paper_history),), renderer="projected", captions=True)
    export = AnimationExport(ExportJob(out=tmp_path / "a.gif", size=(160, 128), fps=10, frames=5), state)
    try:
        shown = [int(s) for s in export.plan.steps]
        for stop, _caption in tour_stops(paper_history):
            assert shown.count(stop) == round(CAPTION_HOLD_S * 10), stop  # held, long enough to read
        assert shown == sorted(shown)
    finally:
        export.abort()


def test_cli_captions_write_an_animation(tmp_path, run_files):
    out = tmp_path / "tour.gif"
    assert _run([str(run_files[0]), "--out", str(out), "--size", "160x128", "--frames", "3", "--fps", "5",
                 "--captions"]) == 0
    plain = tmp_path / "plain.gif"
    assert _run([str(run_files[0]), "--out", str(plain), "--size", "160x128", "--frames", "3", "--fps", "5"]) == 0
    assert _duration_ms(plain) == 3 * 200
    assert _duration_ms(out) >= 2 * 3000  # at least two stops (the start, the end), each held 3 s


def _duration_ms(path) -> int:
    """The GIF's running time (Pillow merges identical frames into one longer frame)."""
    with Image.open(path) as gif:
        total = 0
        for i in range(gif.n_frames):
            gif.seek(i)
            total += gif.info["duration"]
    return total

@pytest.mark.parametrize("name, why", [("a.csv", "not on .csv files"), ("a.svg", "not on .svg figures")])
def test_cli_captions_on_data_or_figures_exit_2(tmp_path, run_files, capsys, name, why):
    assert _run([str(run_files[0]), "--out", str(tmp_path / name), "--captions"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--captions" in err and why in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ExportInputError):
        ExportJob(out=tmp_path / name).check_captions(True)


def test_dialog_checkbox_asks_for_captions_where_they_can_go(qtbot, tmp_path, paper_history):
    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    dialog = ExportDialog(lambda: ViewState((Run("paper", paper_history),)), settings=settings)
    qtbot.addWidget(dialog)
    dialog.captions.setChecked(True)
    dialog.path_edit.setText(str(tmp_path / "a.mp4"))
    assert dialog.view_state(dialog.job()).captions
    dialog.path_edit.setText(str(tmp_path / "a.csv"))
    assert not dialog.view_state(dialog.job()).captions  # a remembered tick does not make a CSV export fail
