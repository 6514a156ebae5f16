"""Comparison-window fixtures: offscreen Qt, short runs, and the GUI tests' check that no QThread outlives a test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6 import QtCore  # noqa: E402

from tests.qt_threads import no_thread_left_running  # noqa: E402, F401 (an autouse fixture)

SHORT = ["optim.steps=200", "record.every=20"]  # every run short, and recorded on the same grid


@pytest.fixture
def open_window(qtbot, monkeypatch):
    """open_window(comparison, overrides=SHORT): a shown CompareWindow, closed (workers stopped) after the test."""
    from PySide6.QtWidgets import QApplication

    from featlearn_gui import prompts
    from featlearn_gui.compare.compare_window import CompareWindow

    monkeypatch.setattr(prompts, "INTERACTIVE", False)
    windows = []

    def make(comparison, overrides=tuple(SHORT)):
        win = CompareWindow(comparison, overrides=list(overrides), renderer="projected")
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
        win.close()
        win.session.shutdown()


def wait_done(qtbot, win, timeout: int = 15000) -> None:
    """Wait until every run is done and the views show the cursor's snapshot."""
    qtbot.waitUntil(lambda: all(run.done for run in win.state.runs), timeout=timeout)
    qtbot.waitUntil(
        lambda: all(view.drawn and view.drawn[0] == view.run.index_at(win.state.step) for view in win.views),
        timeout=timeout,
    )


@pytest.fixture
def settings_isolated(tmp_path, monkeypatch):
    """QSettings() in a temporary INI file: the Export dialog remembers its choices without touching the user's."""
    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.Format.IniFormat)
    QtCore.QSettings.setPath(QtCore.QSettings.Format.IniFormat, QtCore.QSettings.Scope.UserScope, str(tmp_path))
    yield
    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.Format.NativeFormat)
