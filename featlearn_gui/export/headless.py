"""A QApplication for exporting from the command line, with or without a display.

Rendering needs Qt widgets (pyqtgraph draws with them), hence a QApplication even for a terminal command. On a
server (no DISPLAY) Qt would abort with "could not connect to display": the offscreen platform needs nothing,
and OpenGL is unsupported there (GLViewWidget segfaults offscreen), so the projected renderer is used.
"""

from __future__ import annotations

import os
import sys


def prepare_platform() -> None:
    """Choose the offscreen platform when nothing says otherwise and no display exists (call before Qt starts)."""
    has_display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    no_display = sys.platform.startswith("linux") and not has_display
    if no_display and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


# Qt's offscreen platform warns whenever a widget's size limits change; it means nothing for an export.
SILENCED_QT_MESSAGES = ("This plugin does not support propagateSizeHints()",)


def qt_message(mode, context, message: str) -> None:
    if message not in SILENCED_QT_MESSAGES:
        print(message, file=sys.stderr)


def ensure_app():
    """The running QApplication, or a new one on a suitable platform (its meaningless warnings silenced)."""
    prepare_platform()
    from PySide6 import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        QtCore.qInstallMessageHandler(qt_message)
        app = QtWidgets.QApplication([sys.argv[0] if sys.argv else "featlearn"])
    return app


def is_offscreen() -> bool:
    from PySide6 import QtGui

    return QtGui.QGuiApplication.platformName() in ("offscreen", "minimal")
