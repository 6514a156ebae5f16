"""Menu actions with window-wide shortcuts, the same way in every window."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets


def add_action(window: QtWidgets.QWidget, menu: QtWidgets.QMenu, text: str, slot, shortcut=None, tip: str = ""
               ) -> QtGui.QAction:
    """Add `text` to `menu`, calling `slot`; the shortcut works in the whole window, menu bar shown or not."""
    action = menu.addAction(text)
    action.triggered.connect(slot)
    if shortcut is not None:
        action.setShortcut(QtGui.QKeySequence(shortcut))
        action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
    action.setStatusTip(tip)
    action.setToolTip(tip or text)
    window.addAction(action)  # shortcuts work with the menu bar hidden, e.g. in full screen
    return action
