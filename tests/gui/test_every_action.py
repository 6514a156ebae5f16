"""Every menu entry, triggered as a person does (from its menu, and by its shortcut), in a window with one run and
in one with two. The dialogs they open are answered with Cancel; any exception or Qt warning fails the test."""

from __future__ import annotations

import functools

import pytest
from PySide6 import QtCore, QtTest, QtWidgets

from featlearn_gui.comparisons import file as comparison_file
from featlearn_gui.export.dialog import ExportDialog

LAST = ("Close window", "Quit")  # they close the window: triggered after every other entry


@pytest.fixture
def cancelled_dialogs(monkeypatch):
    """Every modal question or file chooser answers Cancel at once (none may block the test)."""
    rejected = QtWidgets.QDialog.DialogCode.Rejected
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    monkeypatch.setattr(QtWidgets.QFileDialog, "getExistingDirectory", lambda *a, **k: "")
    monkeypatch.setattr(QtWidgets.QInputDialog, "getText", lambda *a, **k: ("", False))
    monkeypatch.setattr(QtWidgets.QDialog, "exec", lambda self: rejected)
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", lambda self: rejected)


def menu_actions(window) -> list:
    """Every entry of every menu (submenus walked), in menu order; separators and submenu titles left out."""
    found = []

    def walk(menu: QtWidgets.QMenu) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu())
            elif not action.isSeparator():
                found.append(action)

    for top in window.menuBar().actions():
        walk(top.menu())
    return found


def name(action) -> str:
    return action.text().replace("&", "").replace("…", "").strip()


def settle(qtbot, window, before: set) -> None:
    """Let the action's effects arrive, then put back what it opened or started (dialogs, windows, training)."""
    qtbot.wait(20)
    window.model.playing = False
    if window.tour.active:
        window.tour.leave()
    if window.isFullScreen():
        window.showNormal()
    for widget in QtWidgets.QApplication.topLevelWidgets():
        if widget in before or not widget.isVisible():
            continue
        if isinstance(widget, QtWidgets.QDialog):
            widget.reject()
        elif hasattr(widget, "session"):  # a comparison's window
            for run in widget.model.runs:
                run.saved = True
            widget.close()
            widget.session.shutdown()
        elif widget is not window:
            widget.close()


def activate(qtbot, window) -> None:
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window)  # shortcuts reach the active window


def check_every_action(qtbot, window) -> None:
    actions = menu_actions(window)
    assert {"Export", "Play / pause", "Keyboard shortcuts", "The paper's setting"} <= {name(a) for a in actions}
    counts = {id(a): 0 for a in actions}
    for action in actions:
        action.triggered.connect(functools.partial(_count, counts, id(action)))
    ordered = [a for a in actions if name(a) not in LAST] + [a for a in actions if name(a) in LAST]
    before = set(QtWidgets.QApplication.topLevelWidgets())
    for action in ordered:
        activate(qtbot, window)
        action.trigger()  # what a click in the menu does: triggered(checked)
        _check_effect(window, action)
        settle(qtbot, window, before)
        assert counts[id(action)] == 1, name(action)
        if action.shortcut().isEmpty():
            continue
        activate(qtbot, window)
        QtTest.QTest.keySequence(window, action.shortcut())
        assert counts[id(action)] == 2, f"{name(action)}: {action.shortcut().toString()} did not trigger it"
        _check_effect(window, action)
        settle(qtbot, window, before)


def _count(counts: dict, key: int, *_checked) -> None:
    counts[key] += 1


def _check_effect(window, action) -> None:
    """The entries whose effect is a window of their own: it opened."""
    if name(action) == "Export":
        dialogs = [w for w in QtWidgets.QApplication.topLevelWidgets() if isinstance(w, ExportDialog)]
        assert any(d.isVisible() for d in dialogs), "File → Export… opened no dialog"
    elif name(action) == "What am I looking at?":
        assert window.help_dialog is not None and window.help_dialog.isVisible()
    elif name(action) in LAST:
        assert not window.isVisible()


def test_every_action_in_a_window_with_one_run(qtbot, window, cancelled_dialogs):
    check_every_action(qtbot, window)


def test_every_action_in_a_window_with_two_runs(qtbot, open_window, cancelled_dialogs):
    window = open_window(comparison_file.builtin("weight-decay-vs-none"))
    check_every_action(qtbot, window)


def test_export_from_the_menu_opens_the_dialog_with_a_file_named_for_the_comparison(qtbot, open_window,
                                                                                   cancelled_dialogs):
    window = open_window(comparison_file.builtin("weight-decay-vs-none"))
    activate(qtbot, window)
    QtTest.QTest.keySequence(window, "Ctrl+E")
    dialog = next(w for w in QtWidgets.QApplication.topLevelWidgets() if isinstance(w, ExportDialog))
    assert dialog.isVisible()
    assert "weight-decay-vs-none" in dialog.path_edit.text()
    dialog.reject()
    QtCore.QCoreApplication.processEvents()


def test_a_dock_hidden_from_the_view_menu_shows_again_from_it(qtbot, window):
    """A checkable entry's handler is told the new state (PySide calls the menu's slot without it)."""
    window.show()
    qtbot.waitExposed(window)
    entry = next(action for action in menu_actions(window) if name(action) == "Loss and objective")
    dock = window.docks["loss"]
    assert entry.isChecked() and dock.isVisible()
    entry.trigger()
    assert not entry.isChecked() and not dock.isVisible()
    entry.trigger()
    assert entry.isChecked() and dock.isVisible()
