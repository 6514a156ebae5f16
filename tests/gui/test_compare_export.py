"""Exporting a comparison from its window: one side-by-side video (twice as wide as one view) and the overlaid
plots as a figure, both through the app's Export dialog fed with every run."""

from __future__ import annotations

from featlearn_gui.comparisons import file as comparison
from tests.export.test_animation import _decode_mp4

from .conftest import wait_done

SIZE = (160, 128)  # per run; multiples of 16, so the encoder keeps the size



def _export(qtbot, win, path, suffix: str, frames: int = 1):
    dialog = win.export_dialog(suffix)
    dialog.path_edit.setText(str(path))
    dialog.width_spin.setValue(SIZE[0])
    dialog.height_spin.setValue(SIZE[1])
    dialog.frames.setValue(frames)
    dialog.renderer.setCurrentText("projected")
    if suffix == ".svg":
        dialog.figure.setCurrentText("far")  # the overlaid far-mass and angle curves; "all" takes seconds
    with qtbot.waitSignal(dialog.export_finished, timeout=30000) as finished:
        dialog.export_button.click()
    return finished.args[0]


def test_exported_comparison_video_is_side_by_side(qtbot, open_window, tmp_path, settings_isolated):
    win = open_window(comparison.builtin("weight-decay-vs-none"))
    win.model.toggle_playing()
    wait_done(qtbot, win)
    assert _export(qtbot, win, tmp_path / "cmp.mp4", ".mp4", frames=6) == str(tmp_path / "cmp.mp4")
    frames = _decode_mp4(tmp_path / "cmp.mp4")
    assert len(frames) == 6
    assert frames[0].shape == (SIZE[1], 2 * SIZE[0], 3)  # two runs, one view wide each
    left, right = frames[-1][:, : SIZE[0]], frames[-1][:, SIZE[0]:]
    assert left.std() > 5 and right.std() > 5  # both halves drawn


def test_overlaid_plots_export_as_a_figure(qtbot, open_window, tmp_path, settings_isolated):
    win = open_window(comparison.builtin("relu-vs-centered"))
    win.model.toggle_playing()
    wait_done(qtbot, win)
    out = _export(qtbot, win, tmp_path / "plots.svg", ".svg")
    text = (tmp_path / "plots.svg").read_text()
    assert out.endswith("plots.svg") and text.lstrip().startswith("<?xml") and "<svg" in text
