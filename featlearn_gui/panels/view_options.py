"""What the sphere draws: trails, descent arrows, the certificate heat map, fading, and which renderer."""

from __future__ import annotations

import dataclasses

from PySide6 import QtCore, QtWidgets

from featlearn_gui.model import AppModel
from featlearn_gui.palette import CERTIFICATES, RENDERERS

CERTIFICATE_LABELS = {"off": "off", "live": "live η_λ", "pre": "pre-certificate η"}


class ViewOptionsPanel(QtWidgets.QWidget):
    """Bound to `model.options` field by field, and to `model.renderer`."""

    def __init__(self, model: AppModel, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.trails = QtWidgets.QCheckBox("Trails")
        self.trail_length = QtWidgets.QSpinBox()
        self.trail_length.setRange(1, 1000)
        self.trail_length.setSuffix(" snapshots")
        self.arrows = QtWidgets.QCheckBox("Descent arrows")
        self.arrows.setToolTip("Near neurons toward their q-scaled teacher point, far ones toward 0 (docs/theory.md)")
        self.fade = QtWidgets.QCheckBox("Fade inactive neurons")
        self.certificate = QtWidgets.QComboBox()
        for name in CERTIFICATES:
            self.certificate.addItem(CERTIFICATE_LABELS[name], name)
        self.renderer = QtWidgets.QComboBox()
        for name in RENDERERS:
            self.renderer.addItem(name, name)
        self.renderer.setToolTip("auto: OpenGL where available, else the projected 2-D renderer")
        self.in_use = QtWidgets.QLabel()
        self.in_use.setStyleSheet("color: #666a70;")
        form = QtWidgets.QFormLayout(self)
        form.addRow(self.trails)
        form.addRow("Trail length", self.trail_length)
        form.addRow(self.arrows)
        form.addRow(self.fade)
        form.addRow("Certificate", self.certificate)
        form.addRow("Renderer", self.renderer)
        form.addRow("", self.in_use)

        for signal in (self.trails.toggled, self.trail_length.valueChanged, self.arrows.toggled, self.fade.toggled,
                       self.certificate.activated):
            signal.connect(self._on_editor_changed)
        self.renderer.activated.connect(self._on_renderer_activated)
        model.events.options.connect(self._on_model_options_changed)
        model.events.renderer.connect(self._on_model_renderer_changed)
        model.events.renderer_in_use.connect(self._on_model_renderer_changed)
        self._on_model_options_changed(model.options)
        self._on_model_renderer_changed()

    def _on_editor_changed(self) -> None:
        self.model.options = dataclasses.replace(
            self.model.options, trails=self.trails.isChecked(), trail_length=self.trail_length.value(),
            arrows=self.arrows.isChecked(), fade_inactive=self.fade.isChecked(),
            certificate=self.certificate.currentData())

    def _on_renderer_activated(self, row: int) -> None:
        self.model.renderer = self.renderer.itemData(row)

    def _on_model_options_changed(self, options) -> None:
        widgets = (self.trails, self.trail_length, self.arrows, self.fade, self.certificate)
        blockers = [QtCore.QSignalBlocker(w) for w in widgets]
        self.trails.setChecked(options.trails)
        self.trail_length.setValue(options.trail_length)
        self.trail_length.setEnabled(options.trails)
        self.arrows.setChecked(options.arrows)
        self.fade.setChecked(options.fade_inactive)
        self.certificate.setCurrentIndex(max(self.certificate.findData(options.certificate), 0))
        del blockers

    def _on_model_renderer_changed(self, *_args) -> None:
        self.renderer.setCurrentIndex(max(self.renderer.findData(self.model.renderer), 0))
        self.in_use.setText(f"in use: {self.model.renderer_in_use}" if self.model.renderer_in_use else "")
