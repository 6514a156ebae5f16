"""The experiment of the selected run: every config key as an editable field, built from the config dataclasses.

Fields come from `dataclasses.fields` (no defaults repeated here); choice keys are combo boxes, everything else
a line edit that takes TOML syntax (numbers, lists). A value the engine rejects is flagged in place with the
engine's own ConfigError message and not applied. Presets, open/save and recent files sit on top.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from engine import presets
from engine.config import CHOICES, SECTIONS, ConfigError, RunConfig, flatten, from_dict, key_help, parse_value
from featlearn_gui.files import FileActions
from featlearn_gui.model import AppModel
from featlearn_gui.worker_pool import cuda_available

INVALID_STYLE = "border: 1px solid #d32f2f; background: #fdecea;"
SECTION_TITLES = {"": "Run", "teacher": "Teacher", "student": "Student", "model": "Model", "loss": "Loss",
                  "optim": "Optimization", "record": "Recording"}


def format_value(value: Any) -> str:
    """A config value as TOML source text, so that `parse_value` reads it back unchanged."""
    if isinstance(value, str):
        return value
    return repr(value)


def config_keys() -> list[tuple[str, str]]:
    """(section, name) of every config key in declaration order; section "" for the top-level keys."""
    keys = [("", f.name) for f in dataclasses.fields(RunConfig) if f.name not in SECTIONS]
    for section, cls in SECTIONS.items():
        keys += [(section, f.name) for f in dataclasses.fields(cls)]
    return keys


class ExperimentPanel(QtWidgets.QWidget):
    def __init__(self, model: AppModel, files: FileActions, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model, self.files = model, files
        # A teacher moved by hand and not yet used (featlearn_gui.teacher_drag): while one is pending, the teacher
        # fields edit it instead of restarting the run. Set by the window; anything with config_for(run) and
        # edit(run, config).
        self.pending_teacher = None
        self.editors: dict[str, QtWidgets.QWidget] = {}
        self.errors: dict[str, QtWidgets.QLabel] = {}

        self.preset_box = QtWidgets.QComboBox()
        self.preset_box.addItem("(custom)", "")
        for name in presets.names():
            self.preset_box.addItem(name, name)
            self.preset_box.setItemData(self.preset_box.count() - 1, presets.description(name),
                                        QtCore.Qt.ItemDataRole.ToolTipRole)
        self.preset_description = QtWidgets.QLabel()
        self.preset_description.setWordWrap(True)
        self.preset_description.setStyleSheet("color: #666a70;")
        open_button = QtWidgets.QPushButton("Open…")
        open_button.setToolTip("Open a config (.toml) or a run (.npz)  (Ctrl+O)")
        save_config_button = QtWidgets.QPushButton("Save config…")
        save_run_button = QtWidgets.QPushButton("Save run…")
        save_run_button.setToolTip("Save the run with its whole history (.npz)  (Ctrl+S)")
        self.recent_button = QtWidgets.QToolButton()
        self.recent_button.setText("Recent")
        self.recent_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.recent_menu = QtWidgets.QMenu(self)
        self.recent_button.setMenu(self.recent_menu)

        header = QtWidgets.QFormLayout()
        header.addRow("Preset", self.preset_box)
        buttons = QtWidgets.QHBoxLayout()
        for b in (open_button, save_config_button, save_run_button, self.recent_button):
            buttons.addWidget(b)
        form_host = QtWidgets.QWidget()
        form_layout = QtWidgets.QVBoxLayout(form_host)
        form_layout.setContentsMargins(0, 0, 0, 0)
        forms: dict[str, QtWidgets.QFormLayout] = {}
        for section, name in config_keys():
            if section not in forms:
                group = QtWidgets.QGroupBox(SECTION_TITLES.get(section, section))
                forms[section] = QtWidgets.QFormLayout(group)
                forms[section].setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
                form_layout.addWidget(group)
            key = f"{section}.{name}" if section else name
            forms[section].addRow(name, self._make_editor(key))
        form_layout.addStretch(1)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setWidget(form_host)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(header)
        layout.addWidget(self.preset_description)
        layout.addLayout(buttons)
        layout.addWidget(scroll, 1)

        self.preset_box.activated.connect(self._on_preset_box_activated)
        open_button.clicked.connect(files.open_dialog)
        save_config_button.clicked.connect(files.save_config_dialog)
        save_run_button.clicked.connect(files.save_run_dialog)
        self.recent_menu.triggered.connect(self._on_recent_menu_triggered)
        files.recent_changed.connect(self._on_files_recent_changed)
        model.events.selected.connect(self._on_model_selected_changed)
        self._on_files_recent_changed(files.settings.recent_files())
        self._on_model_selected_changed()

    @staticmethod
    def _offer_cuda(box: QtWidgets.QComboBox) -> None:
        if not cuda_available():
            item = box.model().item(CHOICES["device"].index("cuda"))
            item.setEnabled(False)
            item.setToolTip("No CUDA device is available")

    def _make_editor(self, key: str) -> QtWidgets.QWidget:
        holder = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        if key in CHOICES:
            editor = QtWidgets.QComboBox()
            editor.addItems(list(CHOICES[key]))
            if key == "device":
                # Asked of a training process once the event loop runs: the window builds meanwhile, while the
                # first process still imports torch (the app's first run waits for it anyway).
                QtCore.QTimer.singleShot(0, self, lambda box=editor: self._offer_cuda(box))
            editor.activated.connect(lambda _row, k=key: self._on_editor_edited(k))
        else:
            editor = QtWidgets.QLineEdit()
            editor.editingFinished.connect(lambda k=key: self._on_editor_edited(k))
        default = flatten(RunConfig())[key]
        editor.setToolTip(f"{key}: {key_help(key)}\ndefault: {format_value(default) or '(derived)'}")
        error = QtWidgets.QLabel()
        error.setWordWrap(True)
        error.setStyleSheet("color: #c62828; font-size: 11px;")
        error.hide()
        column.addWidget(editor)
        column.addWidget(error)
        self.editors[key], self.errors[key] = editor, error
        return holder

    # --- editing --------------------------------------------------------------------------------------------

    def editor_text(self, key: str) -> str:
        editor = self.editors[key]
        return editor.currentText() if isinstance(editor, QtWidgets.QComboBox) else editor.text()

    def set_editor_text(self, key: str, text: str) -> None:
        editor = self.editors[key]
        with QtCore.QSignalBlocker(editor):
            if isinstance(editor, QtWidgets.QComboBox):
                editor.setCurrentText(text)
            else:
                editor.setText(text)
                editor.setCursorPosition(0)  # long lists (directions) show their start

    def _on_editor_edited(self, key: str) -> None:
        text = self.editor_text(key).strip()
        value = text if key in CHOICES else parse_value(text) if text else []
        section, _, name = key.rpartition(".")
        data = {section: {name: value}} if section else {name: value}
        pending = self.pending_teacher.config_for(self.model.selected) if self.pending_teacher else None
        pending = pending if section == "teacher" else None
        try:
            candidate = from_dict(data, base=pending or self.model.config)
        except ConfigError as exc:
            self._flag(key, str(exc))
            return
        self._flag(key, "")
        if pending is not None:
            self.pending_teacher.edit(self.model.selected, candidate)
            return
        if candidate == self.model.config:
            return
        if not self.files.apply_config(candidate, what=f"set {key} = {text}"):
            self.set_editor_text(key, format_value(flatten(self.model.config)[key]))  # declined: show what holds

    def _flag(self, key: str, message: str) -> None:
        editor, error = self.editors[key], self.errors[key]
        editor.setStyleSheet(INVALID_STYLE if message else "")
        editor.setProperty("invalid", bool(message))
        error.setText(f"{message} — not applied" if message else "")
        error.setVisible(bool(message))

    def is_flagged(self, key: str) -> bool:
        return bool(self.editors[key].property("invalid"))

    def _on_preset_box_activated(self, row: int) -> None:
        name = self.preset_box.itemData(row)
        if name and not self.files.load_preset(name):
            self._on_model_selected_changed()  # declined: show the preset still in force

    def _on_recent_menu_triggered(self, action: QtGui.QAction) -> None:
        if action.data():
            self.files.open_path(action.data())
        else:
            self.files.clear_recent()

    def show_pending_teacher(self, run, config: RunConfig | None) -> None:
        """The teacher fields show the moved teacher of the selected run while it is pending, else the run's."""
        if run is not self.model.selected:
            return
        for key, value in flatten(config or run.config).items():
            if key.startswith("teacher."):
                self.set_editor_text(key, format_value(value) if value != [] else "")

    # --- model events ---------------------------------------------------------------------------------------

    def _on_model_selected_changed(self, *_args) -> None:
        run = self.model.selected
        if run is None:
            return
        for key, value in flatten(run.config).items():
            self.set_editor_text(key, format_value(value) if value != [] else "")
            self._flag(key, "")
            if isinstance(self.editors[key], QtWidgets.QLineEdit) and value == []:
                self.editors[key].setPlaceholderText("(derived)")
        name = run.preset_name
        with QtCore.QSignalBlocker(self.preset_box):
            self.preset_box.setCurrentIndex(max(self.preset_box.findData(name), 0))
        self.preset_description.setText(presets.description(name) if name else "Edited or loaded from a file.")

    @QtCore.Slot(list)
    def _on_files_recent_changed(self, paths: list) -> None:
        self.recent_menu.clear()
        for path in paths:
            action = self.recent_menu.addAction(path)
            action.setData(path)
        if paths:
            self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear recent files").setData("")
        self.recent_button.setEnabled(True)
