"""Run by test_screen_fit.py in a process of its own (the screen is fixed per process): opens the app as a person
does (`featlearn_gui.app.main`), then prints, as one JSON line, how the window sits on the screen.

    python -m tests.gui.screen_probe [--restored WxH]

`--restored WxH` first saves the geometry of a window of that size, as a session on a larger monitor would have.
QT_QPA_PLATFORM (offscreen with a screen configuration file, or xcb under Xvfb), QT_SCALE_FACTOR and
XDG_CONFIG_HOME / XDG_CACHE_HOME (a temporary folder) come from the caller.
"""

from __future__ import annotations

import json
import sys

from PySide6 import QtCore, QtWidgets


def _save_geometry(size: str) -> None:
    from featlearn_gui.main_window import MainWindow
    from featlearn_gui.settings import Settings

    width, height = (int(v) for v in size.split("x"))
    window = MainWindow(Settings(), restore=False)
    window.resize(width, height)
    window.save_settings()
    window.session.shutdown()
    window.deleteLater()


def _too_small(window: QtWidgets.QWidget) -> list[str]:
    """Widgets on screen that got less than their minimum size hint (Qt's own spin-box editors aside)."""
    rect, found = window.rect(), []
    for widget in window.findChildren(QtWidgets.QWidget):
        hint = widget.minimumSizeHint()
        inside = rect.intersects(QtCore.QRect(widget.mapTo(window, QtCore.QPoint(0, 0)), widget.size()))
        if (not widget.isVisible() or not inside or not hint.isValid()
                or isinstance(widget.parent(), QtWidgets.QAbstractSpinBox)):
            continue
        if widget.width() < hint.width() or widget.height() < hint.height():
            found.append(f"{type(widget).__name__} {widget.objectName()} {widget.size().toTuple()} < {hint.toTuple()}")
    return found


def _measure() -> None:
    from featlearn_gui.main_window import MainWindow

    app = QtWidgets.QApplication.instance()
    app.processEvents()
    window = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
    area, frame, bar = window.screen().availableGeometry(), window.frameGeometry(), window.statusBar()
    tabbed = sorted(name for name, dock in window.docks.items()
                    if dock in window.tabifiedDockWidgets(window.docks["loss"]) or name == "loss")
    print(json.dumps({
        "area": area.getRect(), "frame": frame.getRect(), "inside": area.contains(frame),
        "too_small": _too_small(window),
        "status_bar": bar.isVisible() and window.rect().contains(bar.geometry()),
        "tabbed_with_loss": tabbed if len(tabbed) > 1 else [],
    }), flush=True)
    app.closeAllWindows()  # as a person closes the window: the app then ends as it always does


def main() -> int:
    QtCore.QCoreApplication.setAttribute(QtCore.Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QtWidgets.QApplication(sys.argv[:1])
    app.setOrganizationName("featlearn")
    app.setApplicationName("featlearn-gui")
    if "--restored" in sys.argv:
        _save_geometry(sys.argv[sys.argv.index("--restored") + 1])
    from featlearn_gui import app as featlearn_app

    QtCore.QTimer.singleShot(0, _measure)
    return featlearn_app.main(["--preset", "paper", "--renderer", "projected"])


if __name__ == "__main__":
    sys.exit(main())
