"""The main window's actions as data: one table of (menu, text, shortcut, handler, tip), from which the menus and the
window-wide shortcuts are built, and which a test walks to trigger every entry.

Adding an action is one `Action(...)` entry in `ACTIONS`. A handler takes the window (`lambda w: w.export_dialog()`)
and never sees QAction.triggered's `checked` argument unless the entry is `checkable`, so a handler's own optional
parameter (`export_dialog(suffix=None)`) is never handed `False` by the menu. Entries whose list depends on data
(the presets, the built-in comparisons, the tours, the docks, the renderers) come from `GENERATED` functions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

from featlearn_gui.guide import HELP_SHORTCUT
from featlearn_gui.model import LOG_TIME_TIP

Key = QtGui.QKeySequence
SEPARATOR = "-"


@dataclass(frozen=True)
class Action:
    """One menu entry.

    menu : the menu path, "File" or "File/Open recent" (submenus are created on first use, in table order).
    text : the entry's text, with & before its mnemonic; SEPARATOR draws a line instead.
    handler : called with the window when the entry is triggered; a checkable entry's also with `checked`.
    shortcut : a key sequence ("Ctrl+E") or a QKeySequence.StandardKey; it works in the whole window, menu bar
        shown or not.
    tip : the tooltip and status-bar text.
    checkable : a toggle; `checked(window)` tells its state when the menus are built.
    name : how code and tests refer to the entry (default: the text without & and …).
    """

    menu: str
    text: str
    handler: Callable | None = None
    shortcut: object = None
    tip: str = ""
    checkable: bool = False
    checked: Callable | None = None
    group: str = ""  # checkable entries with the same group exclude each other (a radio group)
    name: str = ""

    @property
    def key(self) -> str:
        return self.name or self.text.replace("&", "").replace("…", "").strip()


def _presets(window) -> list[Action]:
    from engine import presets

    return [Action("&Presets", name, lambda w, n=name: w.files.load_preset(n), tip=presets.description(name))
            for name in presets.names()]


def _comparisons(window) -> list[Action]:
    from featlearn_gui.comparisons import file as comparison_file

    entries = []
    for name in comparison_file.builtin_names():
        comparison = comparison_file.builtin(name)
        entries.append(Action("&Compare", comparison.title, lambda w, n=name: w.compare_menu.open_builtin(n),
                              tip=comparison.description, name=f"compare {name}"))
    return entries


def _tours(window) -> list[Action]:
    from engine import presets
    from featlearn_gui.guide import TOUR_TITLES, start_tour
    from featlearn_gui.tour_stops import PRESETS

    return [Action("&Help/Guided &tour", TOUR_TITLES.get(name, name), lambda w, n=name: start_tour(w, n),
                   tip=f"Play the {name} preset, pausing where the story happens: {presets.description(name)}",
                   name=f"tour {name}")
            for name in PRESETS]


def _docks(window) -> list[Action]:
    return [Action("&View", dock.windowTitle(), lambda w, checked, d=dock: d.setVisible(checked),
                   checkable=True, checked=lambda w, d=dock: d.isVisible(), name=f"dock {name}")
            for name, dock in window.docks.items()]


def _renderers(window) -> list[Action]:
    from featlearn_gui.palette import RENDERERS

    return [Action("&View/Renderer", name, lambda w, checked, n=name: setattr(w.model, "renderer", n),
                   checkable=True, checked=lambda w, n=name: w.model.renderer == n, group="renderer",
                   name=f"renderer {name}")
            for name in RENDERERS]


def _speed(window, direction: int) -> None:
    from featlearn_gui.model import SPEEDS

    i = SPEEDS.index(window.model.speed) + direction
    window.model.speed = SPEEDS[min(max(i, 0), len(SPEEDS) - 1)]


def _select_next(window) -> None:
    runs, run = window.model.runs, window.model.selected
    if len(runs) > 1 and run is not None:
        window.model.selected = runs[(runs.index(run) + 1) % len(runs)]


def _quit(window) -> None:
    QtWidgets.QApplication.closeAllWindows()


ACTIONS: tuple = (
    Action("&File", "&Open config or run…", lambda w: w.files.open_dialog(), Key.StandardKey.Open,
           "Open a config (.toml) or a run (.npz) in place of the selected run"),
    Action("&File/Open &recent", "(recent files)", name="recent"),  # filled by the window from the settings
    Action("&File", SEPARATOR),
    Action("&File", "&Save run…", lambda w: w.files.save_run_dialog(), Key.StandardKey.Save,
           "Save the selected run (.npz)"),
    Action("&File", "Save &config…", lambda w: w.files.save_config_dialog(), "Ctrl+Shift+S",
           "Save the experiment (TOML)"),
    Action("&File", SEPARATOR),
    Action("&File", "&Export…", lambda w: w.export_dialog(), "Ctrl+E",
           "Animation (MP4, GIF, PNG frames), figures (PNG, SVG, PDF) or data (CSV) of what the window shows"),
    Action("&File", SEPARATOR),
    Action("&File", "Open s&weep…", lambda w: w.sweep_menu.open_dialog(),
           tip="A sweep's results folder or its TOML: its phase diagram"),
    Action("&File", "R&un sweep…", lambda w: w.sweep_menu.run_dialog(),
           tip="Run a sweep TOML on local workers, its phase diagram filling in as runs finish"),
    Action("&File", SEPARATOR),
    Action("&File", "&Close window", lambda w: w.close(), Key.StandardKey.Close),
    Action("&File", "&Quit", _quit, Key.StandardKey.Quit),
    Action("&Presets", "", name="presets"),  # generated: one entry per preset
    Action("&Compare", "", name="comparisons"),  # generated: the built-in comparisons
    Action("&Compare", SEPARATOR),
    Action("&Compare", "Compare &with…", lambda w: w.compare_menu.pick_dialog(),
           tip="Add runs (presets, configs, run files) beside the ones on screen"),
    Action("&Compare", "Open comparison…", lambda w: w.compare_menu.open_dialog(),
           tip="A comparison TOML, in a window of its own"),
    Action("&Compare", "Save comparison…", lambda w: w.compare_menu.save_dialog(),
           tip="This window's runs as a comparison TOML"),
    Action("&Run", "&Play / pause", lambda w: w.model.toggle_playing(), "Space", name="play"),
    Action("&Run", "Step &forward", lambda w: w.session.step_forward(), "Right",
           "Next recorded step; at the end of the history, train one more snapshot"),
    Action("&Run", "Step &back", lambda w: w.session.step_back(), "Left"),
    Action("&Run", "First step", lambda w: w.model.set_step(0), "Home"),
    Action("&Run", "Latest step", lambda w: w.model.follow(), "End"),
    Action("&Run", SEPARATOR),
    Action("&Run", "Faster", functools.partial(_speed, direction=1), "]"),
    Action("&Run", "Slower", functools.partial(_speed, direction=-1), "["),
    Action("&Run", "&Log time", lambda w, checked: setattr(w.model, "log_time", checked), "L", LOG_TIME_TIP,
           checkable=True, checked=lambda w: w.model.log_time, name="log time"),
    Action("&Run", SEPARATOR),
    Action("&Run", "&Reset", lambda w: w.transport.reset_button.click(), "Ctrl+R"),
    Action("&Run", "&New seed", lambda w: w.transport.seed_button.click(), "Ctrl+N"),
    Action("&Run", "&Branch here…", lambda w: w.brancher.request(None), "Ctrl+B",
           "A new run from the snapshot on screen, with changed settings, beside its parent"),
    Action("&Run", SEPARATOR),
    Action("&Run", "Select next run", _select_next, "Ctrl+Tab"),
    Action("&Run", "Rename run…", lambda w: w.rename_selected(), "F2"),
    Action("&Run", "Move run left", lambda w: w.move_selected(-1), "Ctrl+Shift+Left"),
    Action("&Run", "Move run right", lambda w: w.move_selected(1), "Ctrl+Shift+Right"),
    Action("&Run", "Remove run", lambda w: w.remove_selected(), "Ctrl+Shift+W",
           "Remove the selected run from this window (the others stay)"),
    Action("&View", "", name="docks"),  # generated: show or hide each dock
    Action("&View", SEPARATOR),
    Action("&View/Renderer", "", name="renderers"),  # generated: a radio group
    Action("&View", "Reset &camera", lambda w: w.spheres.reset_camera(), "Ctrl+0"),
    Action("&View", "&Full screen", lambda w: w.toggle_full_screen(), Key.StandardKey.FullScreen),
    Action("&View", SEPARATOR),
    Action("&View", "Restore &defaults", lambda w: w.restore_defaults(),
           tip="Forget the saved layout, view options, speed and renderer"),
    Action("&Help", "&Keyboard shortcuts", lambda w: w.show_shortcuts(), Key.StandardKey.HelpContents),
    Action("&Help", "&What am I looking at?", lambda w: w.show_help(), HELP_SHORTCUT,
           "Every panel in words, with the numbers of the selected run at the cursor"),
    Action("&Help/Guided &tour", "", name="tours"),  # generated: one tour per preset
)
GENERATED = {"presets": _presets, "comparisons": _comparisons, "tours": _tours, "docks": _docks,
             "renderers": _renderers}


def expand(window, table: Iterable[Action] = ACTIONS) -> list[Action]:
    """The table with each generated placeholder replaced by the entries it stands for."""
    entries = []
    for action in table:
        make = GENERATED.get(action.name) if not action.text else None
        entries.extend(make(window) if make else [action])
    return entries


def _call(window, action: Action, qaction: QtGui.QAction) -> None:
    """QAction.triggered's slot: only a checkable entry's handler is told the new state. The state is read from the
    QAction: PySide calls a partial without triggered's `checked`, so every toggle was told False (a dock hidden
    from the View menu could not be shown again)."""
    if action.checkable:
        action.handler(window, qaction.isChecked())
    else:
        action.handler(window)


def build_menus(window: QtWidgets.QMainWindow, table: Iterable[Action] = ACTIONS) -> dict[str, QtGui.QAction]:
    """Fill `window`'s menu bar from `table`; returns the QActions by `Action.key` (menus by their path)."""
    menus: dict[str, QtWidgets.QMenu] = {}
    groups: dict[str, QtGui.QActionGroup] = {}
    made: dict[str, QtGui.QAction] = {}

    def menu_for(path: str) -> QtWidgets.QMenu:
        if path not in menus:
            parent, _, title = path.rpartition("/")
            menu = menu_for(parent).addMenu(title) if parent else window.menuBar().addMenu(title)
            menu.setToolTipsVisible(True)
            menus[path] = menu
            made[f"menu {path}"] = menu.menuAction()
        return menus[path]

    for action in expand(window, table):
        menu = menu_for(action.menu)
        if action.text == SEPARATOR:
            menu.addSeparator()
        elif action.handler is not None:
            made[action.key] = add(window, menu, action, groups)
    window.menus = menus
    return made


def add(window, menu: QtWidgets.QMenu, action: Action, groups: dict | None = None) -> QtGui.QAction:
    """Add one entry to `menu`; its shortcut works in the whole window, menu bar shown or not."""
    qaction = menu.addAction(action.text)
    qaction.setObjectName(action.key)
    if action.checkable:
        qaction.setCheckable(True)
        qaction.setChecked(bool(action.checked and action.checked(window)))
    if action.group and groups is not None:
        groups.setdefault(action.group, QtGui.QActionGroup(window)).addAction(qaction)
    qaction.triggered.connect(functools.partial(_call, window, action, qaction))
    if action.shortcut is not None:
        qaction.setShortcut(QtGui.QKeySequence(action.shortcut))
        qaction.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
    qaction.setStatusTip(action.tip)
    qaction.setToolTip(action.tip or action.text.replace("&", ""))
    window.addAction(qaction)  # shortcuts work with the menu bar hidden, e.g. in full screen
    return qaction
