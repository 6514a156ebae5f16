"""Documents: open and save configs (TOML) and runs (.npz), presets, recent files; each asks before losing a run.

Signals
-------
recent_changed(list)   the recent-files list, newest first
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from engine import config as config_mod
from engine import presets
from engine.config import ConfigError
from engine.history import RunFileError, RunHistory
from featlearn_gui import prompts
from featlearn_gui.session import Session
from featlearn_gui.settings import Settings
from featlearn_gui.state import AppState

CONFIG_FILTER = "Experiment config (*.toml)"
RUN_FILTER = "Run file (*.npz)"


class FileActions(QtCore.QObject):
    recent_changed = QtCore.Signal(list)

    def __init__(self, state: AppState, session: Session, settings: Settings, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.state, self.session, self.settings = state, session, settings
        self._parent = parent

    # --- opening --------------------------------------------------------------------------------------------

    def open_path(self, path: str | Path) -> bool:
        """Open a config (.toml) or a run (.npz); errors are shown to the person, not raised."""
        path = Path(path)
        if not self._may_discard(f"open {path.name}"):
            return False
        try:
            if path.suffix.lower() == ".npz":
                history = RunHistory.load(path)
                self.session.load_history(history, path)
            else:
                self.state.set_config(config_mod.load(path))
        except (ConfigError, RunFileError) as exc:
            prompts.show_error(self._parent, "Cannot open the file", str(exc))
            self.state.set_status(self.state.status, str(exc))
            return False
        self._remember(path)
        return True

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self._parent, "Open a config or a run", "", f"{CONFIG_FILTER};;{RUN_FILTER};;All files (*)"
        )
        if path:
            self.open_path(path)

    def load_preset(self, name: str) -> bool:
        if not self._may_discard(f"load the preset {name!r}"):
            return False
        try:
            cfg = presets.load(name)
        except ConfigError as exc:
            prompts.show_error(self._parent, "Cannot load the preset", str(exc))
            return False
        self.settings.set_last_preset(name)
        self.state.set_config(cfg, preset_name=name)
        return True

    def apply_config(self, cfg: config_mod.RunConfig, what: str = "change the experiment") -> bool:
        """Adopt an edited config, asking first when that discards an unsaved run."""
        if not self._may_discard(what):
            return False
        self.state.set_config(cfg)
        return True

    # --- saving ---------------------------------------------------------------------------------------------

    def save_config(self, path: str | Path) -> bool:
        try:
            config_mod.save(self.state.config, path)
        except OSError as exc:
            prompts.show_error(self._parent, "Cannot save the config", f"{path}: {exc}")
            return False
        self._remember(Path(path))
        return True

    def save_config_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self._parent, "Save the experiment", "", CONFIG_FILTER)
        if path:
            self.save_config(path if path.endswith(".toml") else path + ".toml")

    def save_run(self, path: str | Path) -> bool:
        history = self.state.history
        if history is None:
            return False
        path = Path(path)
        try:
            history.save(path)  # atomic: a failure leaves no half-written file
        except OSError as exc:
            prompts.show_error(self._parent, "Cannot save the run", f"{path}: {exc}")
            return False
        self.state.mark_saved(path)
        self._remember(path)
        return True

    def save_run_dialog(self) -> bool:
        suggested = str(self.state.run_path or f"{self.state.preset_name or 'run'}.npz")
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self._parent, "Save the run", suggested, RUN_FILTER)
        if not path:
            return False
        return self.save_run(path if path.endswith(".npz") else path + ".npz")

    # --- helpers --------------------------------------------------------------------------------------------

    def _may_discard(self, what: str) -> bool:
        return not self.state.has_unsaved_run or prompts.ask_discard(self._parent, what)

    def _remember(self, path: Path) -> None:
        self.recent_changed.emit(self.settings.add_recent_file(str(path.resolve())))

    def clear_recent(self) -> None:
        self.settings.clear_recent_files()
        self.recent_changed.emit([])
