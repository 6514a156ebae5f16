"""The main window on the screen it opens on: a size that fits the screen's available area, and a compact
arrangement of the docks where the full one does not fit.

The full arrangement (Experiment and View on the left, three plot docks stacked on the right, the certificate and
λ below the spheres) needs about 1,200 × 470 logical pixels to give every widget its minimum size, and about
1,300 × 700 to be readable. A laptop at 1280 × 720, or 1600 × 1000 at 150 % scaling (1067 × 667 logical pixels),
has less room than that once the window manager's title bar is counted, so there the docks (all of them:
`COMPACT_TABS`) tab together in the right column (one of them shows at a time, the others are a click on their tab
away). CONTRIBUTING.md names them too.

A size restored from a larger monitor is clamped the same way, and a window whose saved position lies off this
screen is centred on it. Scripted runs (`--size`) skip all of this: the size asked for wins.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

# Docks that tab together in the right column when the full arrangement does not fit: every dock. Under the
# spheres the certificate and λ would leave them a strip a few dozen pixels high (the heading, a comparison's
# table and the transport need the rest of 627 logical pixels), so they join the tabs too.
COMPACT_TABS = ("loss", "far_mass", "captured", "span", "certificate", "weight_decay", "experiment", "view")
COMPACT_WIDTH = 360  # the right column's width in the compact arrangement: the Experiment form's width
# Below this room the full arrangement may still fit its minimum sizes, but a comparison's three plots in a
# 190-pixel column are all legend and no curve, and its table scrolls: compact then too (1280 × 720 is; 1366 × 768
# is not).
COMFORTABLE = QtCore.QSize(1300, 700)
# Room for what a window manager adds around the window (title bar, borders) before the window is shown and the
# real frame is known.
FRAME_ALLOWANCE = QtCore.QSize(16, 40)


def available_area(window: QtWidgets.QWidget) -> QtCore.QRect:
    """The available geometry (without task bars and docks) of the screen `window` is on, in logical pixels."""
    screen = window.screen() or QtGui.QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def frame_allowance(window: QtWidgets.QWidget) -> QtCore.QSize:
    """What the frame adds to the window's size: measured once the window is shown, else FRAME_ALLOWANCE."""
    extra = window.frameGeometry().size() - window.geometry().size()
    if window.isVisible() and extra.width() >= 0 and extra.height() > 0:
        return extra
    return FRAME_ALLOWANCE


def fits(window: QtWidgets.QMainWindow, room: QtCore.QSize) -> bool:
    """Whether the full arrangement suits `room`: every widget gets its minimum size, and the plots are readable."""
    need = window.minimumSizeHint().expandedTo(window.minimumSize()).expandedTo(COMFORTABLE)
    return need.width() <= room.width() and need.height() <= room.height()


def arrange_compact(window: QtWidgets.QMainWindow) -> None:
    """Tab the docks of COMPACT_TABS together in the right column (Loss in front)."""
    docks = [window.docks[name] for name in COMPACT_TABS if name in window.docks]
    area = QtCore.Qt.DockWidgetArea.RightDockWidgetArea
    window.setCorner(QtCore.Qt.Corner.BottomRightCorner, area)
    for dock in docks:
        if dock.isFloating():
            dock.setFloating(False)
        window.addDockWidget(area, dock)
    for dock in docks[1:]:
        window.tabifyDockWidget(docks[0], dock)
    # Five tabs across a 360-pixel column would elide every title ("Lo…"): stacked down its side they read whole.
    window.setTabPosition(area, QtWidgets.QTabWidget.TabPosition.East)
    docks[0].raise_()
    window.resizeDocks([docks[0]], [COMPACT_WIDTH], QtCore.Qt.Orientation.Horizontal)


def fit_to_screen(window: QtWidgets.QMainWindow, preferred: QtCore.QSize | None = None) -> QtCore.QSize:
    """Size the window to `preferred` (default: its current size) or the screen's available area, whichever is
    smaller, compacting the docks first if their minimum sizes do not fit; keep its frame inside the area.

    Returns the room there was (the available size less the frame).
    """
    area = available_area(window)
    room = area.size() - frame_allowance(window)
    if not fits(window, room):
        arrange_compact(window)
    size = (preferred or window.size()).boundedTo(room).expandedTo(window.minimumSizeHint())
    window.resize(size)
    frame = QtCore.QRect(window.pos(), size + frame_allowance(window))
    if not area.contains(frame):
        x = area.x() + max((area.width() - frame.width()) // 2, 0)
        y = area.y() + max((area.height() - frame.height()) // 2, 0)
        window.move(x, y)
    return room


def fit_to_size(window: QtWidgets.QMainWindow, size: QtCore.QSize) -> None:
    """Scripted runs: exactly `size`, with the compact docks if the full arrangement needs more."""
    if not fits(window, size):
        arrange_compact(window)
    window.resize(size)
