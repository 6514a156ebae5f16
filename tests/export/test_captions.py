"""`featlearn export --captions`: each frame carries the guided tour's caption of the latest stop at or before its
step, drawn along the bottom of the view; everything else in the frame is as without captions."""

import numpy as np
import pytest
from PIL import Image
from PySide6 import QtCore

from featlearn_gui.export import command
from featlearn_gui.export.dialog import ExportDialog
from featlearn_gui.export.job import ExportInputError, ExportJob
from featlearn_gui.export.render import FrameRenderer
from featlearn_gui.tour_stops import caption_at, tour_stops
from featlearn_gui.view_state import Run, ViewState

SIZE = (320, 320)


def _run(argv):
    return command.main(command.parser().parse_args(argv))


def test_captioned_frames_differ_only_where_the_caption_is_drawn(paper_history):
    runs = [Run("paper", paper_history)]
    plain = FrameRenderer(ViewState(runs, renderer="projected", overlay=False), SIZE)
    captioned = FrameRenderer(ViewState(runs, renderer="projected", overlay=False, captions=True), SIZE)
    stops = tour_stops(paper_history)
    try:
        for index in (0, 3, 10, len(paper_history) - 1):  # steps 0, 60, 200 and 400
            assert caption_at(stops, int(paper_history.steps[index]))  # every frame has a stop at or before it
            a = plain.render([index], 30.0, 20.0).astype(int)
            b = captioned.render([index], 30.0, 20.0).astype(int)
            rows = np.flatnonzero(np.any(a != b, axis=(1, 2)))
            assert len(rows) > 0  # the caption is there...
            assert rows.min() > SIZE[1] // 2  # ...along the bottom, and nowhere else
            box = b[rows.min():rows.max() + 1]
            assert np.mean(box) < np.mean(a[rows.min():rows.max() + 1]) - 50  # a dark box where the view is light
    finally:
        plain.close()
        captioned.close()


def test_the_caption_follows_the_latest_stop(paper_history):
    """A frame between two stops shows the earlier one's caption: frames between them are identical there."""
    stops = tour_stops(paper_history)
    assert len(stops) >= 2
    (first, text), (second, _) = stops[0], stops[1]
    between = [i for i, s in enumerate(paper_history.steps) if first <= s < second]
    assert len(between) >= 2 and all(caption_at(stops, int(paper_history.steps[i])) == text for i in between)


def test_cli_captions_write_an_animation(tmp_path, run_files):
    out = tmp_path / "tour.gif"
    assert _run([str(run_files[0]), "--out", str(out), "--size", "160x128", "--frames", "3", "--captions"]) == 0
    plain = tmp_path / "plain.gif"
    assert _run([str(run_files[0]), "--out", str(plain), "--size", "160x128", "--frames", "3"]) == 0
    with Image.open(out) as a, Image.open(plain) as b:
        assert a.n_frames == b.n_frames == 3
        assert np.any(np.asarray(a.convert("RGB")) != np.asarray(b.convert("RGB")))


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
