"""What the app remembers between sessions (QSettings), read back with types so a stale file cannot crash it.

Every read names its type and default; a value of the wrong type (an older version, a hand-edited file) falls
back to the default instead of propagating a str where a bool is expected.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6 import QtCore

from engine import presets
from featlearn_gui.model import DEFAULT_SPEED, SPEEDS
from featlearn_gui.palette import CERTIFICATES, COLOUR_MODES, RENDERERS
from featlearn_gui.scene import ViewOptions

MAX_RECENT = 8


class Settings:
    """Typed access to the app's QSettings; `restore_defaults()` forgets everything."""

    def __init__(self, qsettings: QtCore.QSettings | None = None) -> None:
        self._q = qsettings if qsettings is not None else QtCore.QSettings("featlearn", "featlearn-gui")

    @property
    def qsettings(self) -> QtCore.QSettings:
        """The underlying store, for dialogs that keep their own keys (e.g. export/*)."""
        return self._q

    def _read(self, key: str, default: Any, kind: type) -> Any:
        try:
            value = self._q.value(key, default, type=kind)
        except (TypeError, ValueError, RuntimeError):
            return default
        return value if isinstance(value, kind) else default

    def sync(self) -> None:
        self._q.sync()

    def restore_defaults(self) -> None:
        self._q.clear()
        self._q.sync()

    # --- experiment -----------------------------------------------------------------------------------------

    def last_preset(self) -> str:
        name = self._read("experiment/last_preset", presets.DEFAULT_PRESET, str)
        return name if name in presets.names() else presets.DEFAULT_PRESET

    def set_last_preset(self, name: str) -> None:
        if name:
            self._q.setValue("experiment/last_preset", name)

    def speed(self) -> int:
        """Playback speed in steps per second. The old steps-per-frame value ("playback/speed") depended on the
        frame rate, so it is dropped rather than converted."""
        if self._q.contains("playback/speed"):
            self._q.remove("playback/speed")
        speed = self._read("playback/steps_per_second", DEFAULT_SPEED, int)
        return speed if speed in SPEEDS else DEFAULT_SPEED

    def set_speed(self, speed: int) -> None:
        self._q.setValue("playback/steps_per_second", int(speed))

    def log_time(self) -> bool:
        """Log-time playback (featlearn_gui.model.LOG_TIME_REFERENCE)."""
        return self._read("playback/log_time", False, bool)

    def set_log_time(self, on: bool) -> None:
        self._q.setValue("playback/log_time", bool(on))

    def recent_files(self) -> list[str]:
        try:
            paths = json.loads(self._read("files/recent", "[]", str))
        except json.JSONDecodeError:
            return []
        return [p for p in paths if isinstance(p, str)][:MAX_RECENT] if isinstance(paths, list) else []

    def add_recent_file(self, path: str) -> list[str]:
        paths = [path] + [p for p in self.recent_files() if p != path]
        self._q.setValue("files/recent", json.dumps(paths[:MAX_RECENT]))
        return paths[:MAX_RECENT]

    def clear_recent_files(self) -> None:
        self._q.remove("files/recent")

    # --- view -----------------------------------------------------------------------------------------------

    def view_options(self) -> ViewOptions:
        default = ViewOptions()
        certificate = self._read("view/certificate", default.certificate, str)
        colour = self._read("view/colour", default.colour, str)
        return ViewOptions(
            trails=self._read("view/trails", default.trails, bool),
            trail_length=max(1, self._read("view/trail_length", default.trail_length, int)),
            arrows=self._read("view/arrows", default.arrows, bool),
            certificate=certificate if certificate in CERTIFICATES else default.certificate,
            fade_inactive=self._read("view/fade_inactive", default.fade_inactive, bool),
            colour=colour if colour in COLOUR_MODES else default.colour,
            fold=self._read("view/fold", default.fold, bool),
        )

    def set_view_options(self, options: ViewOptions) -> None:
        for name in ("trails", "trail_length", "arrows", "certificate", "fade_inactive", "colour", "fold"):
            self._q.setValue(f"view/{name}", getattr(options, name))

    def renderer(self) -> str:
        name = self._read("view/renderer", "auto", str)
        return name if name in RENDERERS else "auto"

    def set_renderer(self, name: str) -> None:
        self._q.setValue("view/renderer", name)

    # --- window ---------------------------------------------------------------------------------------------

    def window_geometry(self) -> QtCore.QByteArray | None:
        value = self._read("window/geometry", QtCore.QByteArray(), QtCore.QByteArray)
        return value if value and not value.isEmpty() else None

    def window_state(self) -> QtCore.QByteArray | None:
        value = self._read("window/state", QtCore.QByteArray(), QtCore.QByteArray)
        return value if value and not value.isEmpty() else None

    def set_window(self, geometry: QtCore.QByteArray, state: QtCore.QByteArray) -> None:
        self._q.setValue("window/geometry", geometry)
        self._q.setValue("window/state", state)
