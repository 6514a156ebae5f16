"""The scriptable app: `featlearn-gui --preset NAME --run-steps N --screenshot PNG --quit` (a real process)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6 import QtGui


def run_gui(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "featlearn_gui", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_scripted_run_saves_a_screenshot_of_the_whole_window(tmp_path):
    png = tmp_path / "shots" / "paper.png"
    result = run_gui("--preset", "paper", "--run-steps", "300", "--screenshot", str(png), "--size", "1280x800",
                     "--quit")
    assert result.returncode == 0, result.stderr
    image = QtGui.QImage(str(png))
    assert (image.width(), image.height()) == (1280, 800)
    pixels = np.frombuffer(image.convertToFormat(QtGui.QImage.Format.Format_RGB32).constBits(), np.uint8)
    assert len(np.unique(pixels.reshape(-1, 4)[:, :3], axis=0)) > 50  # drawn, not blank


def test_unknown_preset_exits_2_with_one_clear_line(tmp_path):
    result = run_gui("--preset", "nope", "--quit")
    assert result.returncode == 2
    assert "preset 'nope' does not exist" in result.stderr and "Traceback" not in result.stderr


def test_a_run_file_opens_and_a_diverging_script_exits_3(tmp_path):
    config = tmp_path / "diverge.toml"
    config.write_text("[optim]\nlr = 400.0\nsteps = 400\n")
    result = run_gui(str(config), "--run-steps", "400", "--quit")
    assert result.returncode == 3
    assert "diverged at step" in result.stderr


def _one_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.mark.slow
def test_scripted_bad_inputs_print_one_line_and_exit_2(tmp_path):
    (tmp_path / "bad-value.toml").write_text("[optim]\nlr = -3\n")
    (tmp_path / "broken.toml").write_text("[optim\nlr = ")
    (tmp_path / "cmp.toml").write_text('title = "t"\n[[runs]]\nlabel = "a"\npreset = "paper"\n'
                                       '[[runs]]\nlabel = "gone"\nrun = "missing.npz"\n')
    cases = [
        ([str(tmp_path / "bad-value.toml")], "optim.lr = -3"),
        ([str(tmp_path / "broken.toml")], "broken.toml"),
        ([str(tmp_path / "missing.npz")], "missing.npz"),
        (["--compare", str(tmp_path / "cmp.toml")], "run 'gone'"),
    ]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = [(subprocess.Popen([sys.executable, "-m", "featlearn_gui", *args, "--quit"], env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE), args, named)
               for args, named in cases]  # side by side: each start-up takes seconds
    for process, args, named in started:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 2, (args, err)
        line = _one_line(subprocess.CompletedProcess(args, process.returncode, _out, err))
        assert line.startswith("featlearn-gui: ") and named in line, (args, line)
