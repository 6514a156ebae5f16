"""The window fits the screen it opens on (issue 17): laptop screens, 150 % scaling, a size restored from a larger
monitor. Each screen is a process of its own (tests/gui/screen_probe.py opens the app as a person does), on the
offscreen platform given a screen of that size, with window-manager frames, or under Xvfb where it is installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from featlearn_gui.screen_fit import COMPACT_TABS

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def probe(tmp_path: Path, width: int, height: int, scale: float = 1.0, restored: str | None = None,
          xvfb: bool = False) -> dict:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path),
           "QT_SCALE_FACTOR": str(scale), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests.gui.screen_probe"] + (["--restored", restored] if restored else [])
    if xvfb:
        env["QT_QPA_PLATFORM"] = "xcb"
        command = ["xvfb-run", "-a", "-s", f"-screen 0 {width}x{height}x24"] + command
    else:
        screens = {"windowFrameMargins": True, "screens": [
            {"name": "laptop", "x": 0, "y": 0, "width": width, "height": height, "logicalDpi": 96}]}
        (tmp_path / "screens.json").write_text(json.dumps(screens))
        env["QT_QPA_PLATFORM"] = f"offscreen:configfile={tmp_path / 'screens.json'}"
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{")))


def assert_fits(result: dict) -> None:
    assert result["inside"], f"window frame {result['frame']} outside the available area {result['area']}"
    assert result["too_small"] == [], "widgets below their minimum size hint"
    assert result["status_bar"], "the status bar is not on screen"


@pytest.mark.parametrize("width, height, scale, compact", [
    (1280, 720, 1.0, True),  # the docks of COMPACT_TABS tab together
    (1366, 768, 1.0, False),
    (1600, 1000, 1.5, True),  # 1067 × 667 logical pixels
    (1920, 1080, 1.0, False),
])
def test_window_fits_the_screen(tmp_path, width, height, scale, compact):
    result = probe(tmp_path, width, height, scale)
    assert_fits(result)
    assert result["tabbed_with_loss"] == (sorted(COMPACT_TABS) if compact else [])


def test_a_size_restored_from_a_larger_monitor_is_clamped(tmp_path):
    result = probe(tmp_path, 1366, 768, restored="2400x1500")
    assert_fits(result)
    assert result["frame"][2] <= 1366 and result["frame"][3] <= 768


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run")
def test_window_fits_a_laptop_screen_under_xvfb(tmp_path):
    assert_fits(probe(tmp_path, 1366, 768, xvfb=True))


def test_compact_docks_are_named_in_contributing():
    text = " ".join((ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8").split())
    from featlearn_gui.plots import DOCKS

    titles = {name: title for name, title, _keys in DOCKS} | {"experiment": "Experiment", "view": "View",
                                                             "certificate": "Certificate along the teacher path"}
    for name in COMPACT_TABS:
        assert titles[name] in text, f"CONTRIBUTING.md does not name the {titles[name]!r} dock"
