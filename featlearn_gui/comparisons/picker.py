"""Compare with…: pick runs to add beside the ones on screen, among the presets and config or run files."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from engine import presets
from featlearn_gui.comparisons.file import RunEntry

Check = QtCore.Qt.CheckState
ENTRY_ROLE = QtCore.Qt.ItemDataRole.UserRole


class ComparePicker(QtWidgets.QDialog):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare with…")
        self.list = QtWidgets.QListWidget()
        for name in presets.names():
            item = self.add_entry(RunEntry(name, preset=name), checked=False)
            item.setToolTip(presets.description(name))
        add = QtWidgets.QPushButton("Add config or run files…")
        add.clicked.connect(self._on_add_clicked)
        self.buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                                  | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.list.itemChanged.connect(self._on_list_item_changed)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(QtWidgets.QLabel("Tick the runs to show beside the ones on screen:"))
        layout.addWidget(self.list, 1)
        layout.addWidget(add)
        layout.addWidget(self.buttons)
        self._on_list_item_changed()

    def add_entry(self, entry: RunEntry, checked: bool = True) -> QtWidgets.QListWidgetItem:
        kind, value = entry.source
        text = entry.label if kind == "preset" and entry.label == value else f"{entry.label}   ({kind}: {value})"
        item = QtWidgets.QListWidgetItem(text)
        item.setData(ENTRY_ROLE, entry)
        item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Check.Checked if checked else Check.Unchecked)
        self.list.addItem(item)
        return item

    def entries(self) -> list[RunEntry]:
        items = (self.list.item(i) for i in range(self.list.count()))
        return [item.data(ENTRY_ROLE) for item in items if item.checkState() == Check.Checked]

    @QtCore.Slot()
    def _on_add_clicked(self) -> None:
        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(
            self, "Add configs or runs", "", "Config or run (*.toml *.npz);;All files (*)")
        for path in paths:
            kind = "run" if path.lower().endswith(".npz") else "config"
            self.add_entry(RunEntry(Path(path).stem, **{kind: str(Path(path).resolve())}))

    @QtCore.Slot()
    def _on_list_item_changed(self, *_args) -> None:
        ok = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(len(self.entries()) >= 1)
