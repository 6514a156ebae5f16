"""An autouse fixture for the Qt test packages: every test runs in a non-interactive app object (nobody at the
screen: errors are lines on stderr, questions take their scripted answers), with settings in a temporary file."""

from __future__ import annotations

import pytest
from PySide6 import QtCore


@pytest.fixture(autouse=True)
def app(qapp, tmp_path, monkeypatch):
    from featlearn_gui.application import App
    from featlearn_gui.settings import Settings

    monkeypatch.setattr(App, "_current", None)  # put back after the test: each test has its own app
    qsettings = QtCore.QSettings(str(tmp_path / "app-settings.ini"), QtCore.QSettings.Format.IniFormat)
    scripted = App(Settings(qsettings), interactive=False)
    yield scripted
    scripted.setParent(None)
    scripted.deleteLater()
