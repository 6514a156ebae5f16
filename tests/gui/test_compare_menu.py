"""Opening comparisons: the main window's Compare menu (built-ins by title, descriptions as tooltips, Compare
with…) and `featlearn-gui --compare NAME --run-steps N --screenshot PNG --quit`."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from featlearn_gui.comparisons import file as comparison


@pytest.fixture
def main_window(qtbot, tmp_path, app):
    from featlearn_gui.main_window import MainWindow
    from featlearn_gui.settings import Settings

    settings = Settings(QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat))
    win = MainWindow(settings, renderer="projected", restore=False)
    qtbot.addWidget(win)
    win.files.load_preset("paper")
    yield win
    app.close_all()
    win.session.shutdown()


def test_compare_menu_lists_the_builtins_and_opens_one(qtbot, main_window, app):
    menu = main_window.menus["&Compare"]
    titles = {a.text(): a.toolTip() for a in menu.actions() if a.text()}
    for name in comparison.builtin_names():
        cmp = comparison.builtin(name)
        assert titles[cmp.title] == cmp.description
    assert {"Compare &with…", "Open comparison…", "Save comparison…"} <= set(titles)
    bar_titles = [a.text() for a in main_window.menuBar().actions()]
    assert bar_titles.index("&Compare") == bar_titles.index("&Presets") + 1
    win = main_window.compare_menu.open_builtin("weight-decay-vs-none")
    qtbot.waitExposed(win)
    assert [v.run.label for v in win.spheres.views] == ["weight decay", "no weight decay"]
    win.close()
    qtbot.waitUntil(lambda: not [w for w in app.live_windows() if w is not main_window])  # deleted on close


def test_a_comparison_whose_contrast_is_the_certificate_opens_on_the_map(qtbot, main_window, app):
    action = next(a for a in main_window.menus["&Compare"].actions() if a.text() == "ReLU vs centred ReLU")
    action.trigger()
    win = next(w for w in app.live_windows() if w is not main_window)
    qtbot.waitExposed(win)
    assert win.model.renderer == "map" and win.actions_by_key["renderer map"].isChecked()
    assert win.model.options.certificate == "pre"
    assert main_window.model.renderer == "projected"  # the window it came from keeps its own
    win.close()


def test_compare_with_adds_the_picked_runs_beside_the_one_on_screen(qtbot, main_window):
    from featlearn_gui.comparisons.picker import ComparePicker

    picker = ComparePicker()
    qtbot.addWidget(picker)
    ok = picker.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # nothing picked yet
    lazy = next(picker.list.item(i) for i in range(picker.list.count()) if picker.list.item(i).text() == "lazy")
    lazy.setCheckState(QtCore.Qt.CheckState.Checked)
    assert ok.isEnabled()
    paper = main_window.model.selected
    assert main_window.add_runs(comparison.Comparison("", tuple(picker.entries())))
    assert [run.label for run in main_window.model.runs] == ["paper", "lazy"]
    assert main_window.model.selected is paper and main_window.table.isVisibleTo(main_window)
    assert len({run.colour for run in main_window.model.runs}) == 2
    saved = main_window.compare_menu.comparison()
    assert [e.source for e in saved.runs] == [("preset", "paper"), ("preset", "lazy")]


def test_a_comparison_window_trains_without_moving_the_main_window(qtbot, main_window):
    """Each window has its own frame clock and training processes: training flat out in the comparison leaves the
    main window's run and cursor where they were."""
    main_window.show()
    before = (main_window.model.step, main_window.model.count)
    other = main_window.compare_menu.open_builtin("weight-decay-vs-none")
    qtbot.waitExposed(other)
    other.model.max_steps = 100_000
    other.model.speed = 0
    other.model.playing = True
    qtbot.waitUntil(lambda: other.model.step > 60, timeout=15000)
    assert (main_window.model.step, main_window.model.count) == before and not main_window.model.playing
    assert main_window.session.frame is not other.session.frame
    other.model.playing = False
    for run in other.model.runs:
        run.saved = True
    other.close()


def test_scripted_comparison_saves_a_screenshot(tmp_path):
    png = tmp_path / "cmp.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "featlearn_gui", "--compare", "weight-decay-vs-none",
                             "--run-steps", "300", "--screenshot", str(png), "--size", "1280x800", "--quit"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    image = QtGui.QImage(str(png))
    assert (image.width(), image.height()) == (1280, 800)
    pixels = np.frombuffer(image.convertToFormat(QtGui.QImage.Format.Format_RGB32).constBits(), np.uint8)
    assert len(np.unique(pixels.reshape(-1, 4)[:, :3], axis=0)) > 50


def test_unknown_comparison_exits_2_with_one_clear_line():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "featlearn_gui", "--compare", "nope", "--quit"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "comparison 'nope' does not exist" in result.stderr and "Traceback" not in result.stderr
