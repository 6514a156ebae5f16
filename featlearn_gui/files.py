"""Documents of the selected run: open and save configs (TOML) and runs (.npz), presets, recent files; each asks
before losing a run.

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
from featlearn_gui.model import AppModel, Run
from featlearn_gui.session import Session
from featlearn_gui.settings import Settings

CONFIG_FILTER = "Experiment config (*.toml)"
RUN_FILTER = "Run file (*.npz)"


class FileActions(QtCore.QObject):
    recent_changed = QtCore.Signal(list)

    def __init__(self, model: AppModel, session: Session, settings: Settings, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.model, self.session, self.settings = model, session, settings
        self._parent = parent

    # --- opening: the selected run is replaced ----------------------------------------------------------------

    def open_path(self, path: str | Path) -> bool:
        """Open a config (.toml) or a run (.npz) in place of the selected run; errors are shown, not raised, and
        leave the run on screen as it was."""
        path = Path(path)
        if not self._may_discard(f"open {path.name}"):
            return False
        try:
            if path.suffix.lower() == ".npz":
                history = RunHistory.load(path)
                self._replace(history, path.stem, ("run", str(path.resolve())), path=path)
            else:
                self._replace(config_mod.load(path), path.stem, ("config", str(path.resolve())))
        except (ConfigError, RunFileError) as exc:
            prompts.show_error(self._parent, "Cannot open the file", str(exc))
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
            self._replace(presets.load(name), name, ("preset", name))
        except ConfigError as exc:
            prompts.show_error(self._parent, "Cannot load the preset", str(exc))
            return False
        self.settings.set_last_preset(name)
        return True

    def apply_config(self, cfg: config_mod.RunConfig, what: str = "change the experiment") -> bool:
        """Restart the selected run with an edited config, asking first when that discards unsaved work."""
        if not self._may_discard(what):
            return False
        selected = self.model.selected
        try:
            self._replace(cfg, selected.label if selected is not None else "run", ("", ""))
        except ConfigError as exc:
            prompts.show_error(self._parent, "Cannot start the run", str(exc))
            return False
        return True

    def _replace(self, source, label: str, origin: tuple[str, str], path: Path | None = None) -> Run:
        selected = self.model.selected
        colour = selected.colour if selected is not None else None
        self.model.playing = False  # a new experiment waits for play
        self.model.max_steps = None  # and trains to its own optim.steps until told otherwise
        run = self.session.make_run(source, label, origin=origin, path=path, colour=colour)
        return self.session.replace(selected, run)

    # --- saving ---------------------------------------------------------------------------------------------

    def save_config(self, path: str | Path) -> bool:
        try:
            config_mod.save(self.model.config, path)
        except OSError as exc:
            prompts.show_error(self._parent, "Cannot save the config", _failed(path, exc, "the config"))
            return False
        self._remember(Path(path))
        return True

    def save_config_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self._parent, "Save the experiment", "", CONFIG_FILTER)
        if path:
            self.save_config(path if path.endswith(".toml") else path + ".toml")

    def save_run(self, path: str | Path, run: Run | None = None) -> bool:
        run = run or self.model.selected
        if run is None:
            return False
        path = Path(path)
        try:
            run.history.save(path)  # atomic: a failure leaves no half-written file
        except (OSError, ValueError) as exc:  # ValueError: nothing recorded yet (a run that failed at step 0)
            prompts.show_error(self._parent, "Cannot save the run", _failed(path, exc, "the run"))
            return False
        run.path, run.saved = path, True
        self._remember(path)
        return True

    def save_run_dialog(self, run: Run | None = None) -> bool:
        run = run or self.model.selected
        if run is None:
            return False
        suggested = str(run.path or f"{run.label or 'run'}.npz")
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self._parent, f"Save the run {run.label}", suggested,
                                                        RUN_FILTER)
        if not path:
            return False
        return self.save_run(path if path.endswith(".npz") else path + ".npz", run)

    # --- helpers --------------------------------------------------------------------------------------------

    def _may_discard(self, what: str) -> bool:
        run = self.model.selected
        return run is None or not run.has_unsaved_work or prompts.ask_discard(self._parent, what)

    def _remember(self, path: Path) -> None:
        self.recent_changed.emit(self.settings.add_recent_file(str(path.resolve())))

    def clear_recent(self) -> None:
        self.settings.clear_recent_files()
        self.recent_changed.emit([])


def _failed(path: Path, exc: Exception, what: str) -> str:
    """One message for a failed save: the file, the reason, and that nothing was lost (writes are atomic)."""
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"{path} was not written: {reason}. {what[0].upper()}{what[1:]} is still open, unchanged: save it elsewhere."
