"""`featlearn export` draws what the app would show: a comparison file's [view], `--view KEY=VALUE`, explicit flags
on top; a picture's pixels (not just its file) tell."""

from __future__ import annotations

import numpy as np
import pytest
import tomli_w
from PIL import Image

from featlearn_gui.comparisons import file as comparison_file
from featlearn_gui.export import command
from featlearn_gui.export.view_args import build_state

from .conftest import short_run

SIZE = "320x320"


def _run(argv) -> int:
    return command.main(command.parser().parse_args(argv))


def _pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).astype(int)


def _pale(pixels: np.ndarray) -> np.ndarray:
    """Light but coloured pixels: the heat map's (from pale blue through white to pale orange)."""
    return (np.ptp(pixels, axis=-1) > 30) & (pixels.min(axis=-1) > 110)


@pytest.fixture(scope="module")
def relu_vs_centred(tmp_path_factory):
    """The built-in "ReLU vs centred ReLU" comparison file, its [view] as shipped, its runs short run files."""
    folder = tmp_path_factory.mktemp("relu-vs-centred")
    builtin = comparison_file.builtin("relu-vs-centered")
    runs = []
    for entry in builtin.runs:
        path = folder / f"{entry.preset}.npz"
        short_run(entry.preset, 200).save(path)
        runs.append({"label": entry.label, "run": path.name})
    data = {"title": builtin.title, "runs": runs, "view": builtin.view}
    (folder / "cmp.toml").write_text(tomli_w.dumps(data))
    assert builtin.view["certificate"] == "pre"  # the contrast the file is about (shown on the map)
    return folder / "cmp.toml"


def test_a_comparison_file_exports_its_pre_certificate_and_view_off_removes_it(tmp_path, relu_vs_centred):
    shown, off = tmp_path / "shown.png", tmp_path / "off.png"
    assert _run([str(relu_vs_centred), "--out", str(shown), "--size", "480x480", "--renderer", "projected"]) == 0
    assert _run([str(relu_vs_centred), "--out", str(off), "--size", "480x480", "--renderer", "projected",
                 "--view", "certificate=off"]) == 0
    a, b = _pixels(shown), _pixels(off)
    assert a.shape == b.shape == (480, 960, 3)  # both runs, side by side
    for half in (slice(0, 480), slice(480, 960)):  # on both spheres, the certificate's pale colours fill the ball
        assert _pale(a[:, half]).mean() > 0.08 and _pale(b[:, half]).mean() < 0.03


def test_trails_draw_pixels_an_export_without_them_lacks(tmp_path, run_files):
    plain, trails = tmp_path / "plain.png", tmp_path / "trails.png"
    common = [str(run_files[0]), "--size", SIZE, "--renderer", "projected", "--steps", "200", "--no-overlay"]
    assert _run([*common, "--out", str(plain)]) == 0
    assert _run([*common, "--out", str(trails), "--view", "trails=on", "--view", "trail_length=10"]) == 0
    a, b = _pixels(plain), _pixels(trails)
    changed = np.abs(a - b).max(axis=-1) > 30
    assert changed.sum() > 200  # paths drawn behind the neurons...
    white = (a > 245).all(axis=-1)
    assert (changed & white).sum() > 100  # ...where the plain picture has nothing


def test_precedence_file_view_then_view_flags_then_explicit_flags(relu_vs_centred):
    parse = command.parser().parse_args
    assert build_state(parse([str(relu_vs_centred), "--out", "x.png"])).options.certificate == "pre"
    assert build_state(parse([str(relu_vs_centred), "--out", "x.png", "--view", "certificate=live"])
                       ).options.certificate == "live"
    state = build_state(parse([str(relu_vs_centred), "--out", "x.png", "--view", "renderer=map"]))
    assert state.renderer == "map" and state.options.trails  # a comparison draws whole paths, as in the app
    state = build_state(parse([str(relu_vs_centred), "--out", "x.png", "--view", "renderer=map",
                               "--renderer", "projected", "--azimuth", "10"]))
    assert state.renderer == "projected" and state.camera == (10.0, None)
    assert build_state(parse([str(relu_vs_centred), "--out", "x.png", "--no-overlay"])).overlay is False


@pytest.mark.parametrize("view, expected", [
    ("trails=maybe", "--view trails=maybe: expected on or off"),
    ("certificate=sometimes", "certificate = 'sometimes' is not allowed: expected one of off, live, pre"),
    ("sparkle=on", "--view sparkle: not a view option"),
    ("trails", "--view 'trails' is not KEY=VALUE"),
])
def test_a_bad_view_exits_2_with_one_line(tmp_path, run_files, capsys, view, expected):
    assert _run([str(run_files[0]), "--out", str(tmp_path / "x.png"), "--view", view]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_comparison_file_and_run_files_together_exit_2(tmp_path, run_files, relu_vs_centred, capsys):
    assert _run([str(relu_vs_centred), str(run_files[0]), "--out", str(tmp_path / "x.png")]) == 2
    assert "give one comparison file or run files, not both" in capsys.readouterr().err


def test_a_comparison_of_presets_is_trained_first_with_progress(tmp_path, capsys):
    config = tmp_path / "short.toml"
    config.write_text("[optim]\nsteps = 60\n[record]\nevery = 20\n")
    cmp = tmp_path / "cmp.toml"
    cmp.write_text(tomli_w.dumps({"title": "Two short runs", "runs": [
        {"label": "a", "config": "short.toml"}, {"label": "b", "config": "short.toml"}]}))
    out = tmp_path / "two.png"
    assert _run([str(cmp), "--out", str(out), "--size", "160x160", "--renderer", "projected"]) == 0
    err = capsys.readouterr().err
    assert "train a" in err and "train b" in err and f"wrote {out}" in err
    assert _pixels(out).shape == (160, 320, 3)


def test_the_help_names_every_view_key():
    from featlearn_gui.comparisons.file import VIEW_DEFAULTS

    assert all(key in command.DESCRIPTION for key in VIEW_DEFAULTS)
