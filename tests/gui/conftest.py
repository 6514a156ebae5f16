"""GUI test fixtures: offscreen Qt, isolated settings, small runs, and a check that no test leaves a thread running.

QT_QPA_PLATFORM must be set before Qt is imported anywhere, so it is set at the top of this conftest; CI's Xvfb
runs set it to xcb themselves and keep it.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6 import QtCore  # noqa: E402

from engine import presets  # noqa: E402
from engine.config import apply_overrides  # noqa: E402
from tests.qt_threads import no_thread_left_running  # noqa: E402, F401 (an autouse fixture)


@pytest.fixture
def settings(tmp_path):
    from featlearn_gui.settings import Settings

    return Settings(QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat))


def _small_config(*overrides: str):
    return apply_overrides(presets.load("paper"), ["optim.steps=400", "record.every=20", *overrides])


@pytest.fixture
def small_config():
    """small_config(*overrides): the paper preset, short: 400 steps recorded every 20."""
    return _small_config


@pytest.fixture
def window(qtbot, settings, monkeypatch):
    from featlearn_gui import prompts
    from featlearn_gui.main_window import MainWindow

    monkeypatch.setattr(prompts, "INTERACTIVE", False)
    win = MainWindow(settings, renderer="projected", restore=False)
    qtbot.addWidget(win)
    win.files.load_preset("paper")
    win.state.set_config(_small_config(), preset_name="paper")
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win
    if win.session.worker is not None or win.isVisible():
        win.state.mark_saved(win.state.run_path)  # nothing to ask about on the way out
        win.close()
    win.session.shutdown()


@pytest.fixture
def train_to(qtbot):
    """train_to(window, step): train the window's run to `step` at full speed and wait for it to stop there."""

    def train(win, step: int, timeout: int = 15000) -> None:
        win.session.train_to(step)
        qtbot.waitUntil(lambda: win.state.status == "finished" and win.state.step == step, timeout=timeout)

    return train
