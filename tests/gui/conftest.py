"""GUI test fixtures: offscreen Qt, isolated settings, small runs, warm training processes shared by the whole
session, and a check that no test leaves a thread running.

Every window of the session takes its training processes from the app's one pool (featlearn_gui.worker_pool), so
the warm processes are started once for the whole suite, not once per test.

QT_QPA_PLATFORM must be set before Qt is imported anywhere, so it is set at the top of this conftest; CI's Xvfb
runs set it to xcb themselves and keep it.
"""

from __future__ import annotations

import os
import pathlib
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6 import QtCore  # noqa: E402

from engine import presets  # noqa: E402
from engine.config import apply_overrides  # noqa: E402
from tests.qt_threads import no_thread_left_running  # noqa: E402, F401 (an autouse fixture)
from tests.scripted_app import app  # noqa: E402, F401 (an autouse fixture)


@pytest.fixture(scope="session", autouse=True)
def training_processes():
    """The app's one pool for the whole session (tests/conftest.py checks that nothing is left at its end)."""
    from featlearn_gui.worker_pool import pool

    # Two warm processes before the first test (a comparison trains two runs at once); later tests reuse the
    # processes earlier ones released, so the suite pays for starting them about once.
    pool().warm = 2
    pool().fill()
    pool().wait_ready(120)
    pool().warm = 1
    return pool()


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
def window(qtbot, settings):
    from featlearn_gui.main_window import MainWindow

    win = MainWindow(settings, renderer="projected", restore=False)
    qtbot.addWidget(win)
    win.files.load_preset("paper")
    win.session.restart(win.model.selected, _small_config(), origin=("preset", "paper"))
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win
    if win.session.drivers or win.isVisible():
        for run in win.model.runs:
            run.saved = True  # nothing to ask about on the way out
        win.close()
    win.session.shutdown()


@pytest.fixture
def train_to(qtbot):
    """train_to(window, step): train the window's run to `step` at full speed and wait for it to stop there."""

    def train(win, step: int, timeout: int = 15000) -> None:
        win.session.train_to(step)
        qtbot.waitUntil(lambda: win.model.status == "finished" and win.model.step == step, timeout=timeout)
        qtbot.waitUntil(lambda: win.transport.drawn_step == step, timeout=timeout)  # and a frame showed it

    return train


SHORT = ["optim.steps=200", "record.every=20"]  # every run of a comparison short, and recorded on the same grid


@pytest.fixture
def open_window(qtbot):
    """open_window(comparison, overrides=SHORT): a shown window holding the comparison's runs, closed after the test."""
    from PySide6.QtWidgets import QApplication

    from featlearn_gui.main_window import MainWindow
    from featlearn_gui.settings import Settings

    windows = []

    def make(comparison, overrides=tuple(SHORT), settings=None):
        qsettings = QtCore.QSettings(str(pathlib.Path(tempfile.mkdtemp()) / "featlearn.ini"),
                                     QtCore.QSettings.Format.IniFormat)
        win = MainWindow(settings or Settings(qsettings), renderer="projected", restore=False)
        assert win.open_comparison(comparison, overrides=list(overrides))
        qtbot.addWidget(win)
        win.resize(1200, 800)
        win.show()
        qtbot.waitExposed(win)
        win.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is win)  # shortcuts reach only the active window
        windows.append(win)
        return win

    yield make
    for win in windows:
        for run in win.model.runs:
            run.saved = True
        win.close()
        win.session.shutdown()


def wait_done(qtbot, win, timeout: int = 15000) -> None:
    """Wait until every run is done and the views show the cursor's snapshot."""
    qtbot.waitUntil(lambda: all(run.done for run in win.model.runs), timeout=timeout)
    qtbot.waitUntil(
        lambda: all(view.drawn and view.drawn[0] == view.run.index_at(win.model.step) for view in win.spheres.views),
        timeout=timeout,
    )


@pytest.fixture
def settings_isolated(tmp_path, monkeypatch):
    """QSettings() in a temporary INI file: the Export dialog remembers its choices without touching the user's."""
    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.Format.IniFormat)
    QtCore.QSettings.setPath(QtCore.QSettings.Format.IniFormat, QtCore.QSettings.Scope.UserScope, str(tmp_path))
    yield
    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.Format.NativeFormat)
