"""Sweeps in the app: File → Open sweep… shows the phase diagram beside the main window, a cell's runs open side by
side in a window of the one model, and `featlearn-gui --sweep` opens (or refuses) from the command line."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6 import QtGui

from engine.trainer import train
from tests.sweep.test_phase import write_results


def test_a_cells_runs_open_side_by_side_in_a_new_window(qtbot, window, small_config, tmp_path):
    paths = []
    for seed in (1, 2):
        path = tmp_path / f"run{seed}.npz"
        train(small_config(f"seed={seed}")).save(path)
        paths.append(path)
    window.sweep_menu.open_runs(paths, "Weight decay: lam = 0.1", ["seed = 1", "seed = 2"])  # as a cell emits them
    (opened,) = [w for w in window.app.live_windows() if w is not window]
    qtbot.waitExposed(opened)
    assert [run.label for run in opened.model.runs] == ["seed = 1", "seed = 2"]
    assert "Weight decay: lam = 0.1" in opened.windowTitle()
    assert [run.config.seed for run in opened.model.runs] == [1, 2]
    assert window.model.runs[0].label == "paper"  # the main window's own run is untouched
    opened.close()


def test_open_sweep_shows_the_phase_diagram_and_unknown_sweeps_say_so(qtbot, window, tmp_path):
    write_results(tmp_path)
    phase = window.sweep_menu.open(tmp_path)
    qtbot.waitExposed(phase)
    assert phase.grid.value.shape == (2, 2)
    phase.runs_open_requested.disconnect()  # no windows from this test
    phase.close()
    shown = []
    window.app.error_reported.connect(lambda title, text: shown.append(text))
    assert window.sweep_menu._try(window.sweep_menu.open, tmp_path / "nope.toml") is None
    assert shown and "nope" in shown[0]


def test_featlearn_gui_sweep_screenshots_the_phase_diagram_or_exits_2(tmp_path):
    write_results(tmp_path / "wd")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    png = tmp_path / "phase.png"
    ok = subprocess.run([sys.executable, "-m", "featlearn_gui", "--preset", "circle", "--sweep", str(tmp_path / "wd"),
                         "--run-steps", "0", "--screenshot", str(png), "--size", "1000x700", "--quit"],
                        env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert QtGui.QImage(str(png)).width() == 1000
    bad = subprocess.run([sys.executable, "-m", "featlearn_gui", "--sweep", str(tmp_path / "none.toml"), "--quit"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1
