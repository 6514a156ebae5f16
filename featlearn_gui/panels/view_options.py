"""What the sphere draws: colours, trails, descent arrows, the certificate heat map, fading, folding, and which
renderer."""

from __future__ import annotations

import dataclasses

from PySide6 import QtCore, QtWidgets

from featlearn_gui.model import AppModel
from featlearn_gui.palette import CERTIFICATES, COLOUR_MODES, RENDERERS
from featlearn_gui.scene import COLOUR_MEANINGS

CERTIFICATE_LABELS = {"off": "off", "live": "live η_λ", "pre": "pre-certificate η"}
COLOUR_LABELS = {"role": "role: teacher / far / inactive", "sign": "sign of a"}
RENDERER_TIPS = ("auto: OpenGL where available, else the projected 2-D renderer (both show the far side faded)\n"
                 "map: the whole sphere at once on an equal-area (Hammer) map")


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
        self.colour = QtWidgets.QComboBox()
        for name in COLOUR_MODES:
            self.colour.addItem(COLOUR_LABELS[name], name)
        self.colour.setToolTip("\n".join(f"{mode}: {COLOUR_MEANINGS[mode]}" for mode in COLOUR_MEANINGS))
        self.fold = QtWidgets.QCheckBox("Fold ±w (even activations)")
        self.fold.setToolTip("relu_centered and abs: w and −w are the same feature; draw each neuron at the copy "
                             "nearest to its nearest teacher, and each teacher once")
        self.certificate = QtWidgets.QComboBox()
        for name in CERTIFICATES:
            self.certificate.addItem(CERTIFICATE_LABELS[name], name)
        self.renderer = QtWidgets.QComboBox()
        for name in RENDERERS:
            self.renderer.addItem(name, name)
        self.renderer.setToolTip(RENDERER_TIPS)
        self.in_use = QtWidgets.QLabel()
        self.in_use.setStyleSheet("color: #666a70;")
        form = QtWidgets.QFormLayout(self)
        form.addRow("Colour", self.colour)
        form.addRow(self.fold)
        form.addRow(self.trails)
        form.addRow("Trail length", self.trail_length)
        form.addRow(self.arrows)
        form.addRow(self.fade)
        form.addRow("Certificate", self.certificate)
        form.addRow("Renderer", self.renderer)
        form.addRow("", self.in_use)

        for signal in (self.trails.toggled, self.trail_length.valueChanged, self.arrows.toggled, self.fade.toggled,
                       self.certificate.activated, self.colour.activated, self.fold.toggled):
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
            certificate=self.certificate.currentData(), colour=self.colour.currentData(),
            fold=self.fold.isChecked())

    def _on_renderer_activated(self, row: int) -> None:
        self.model.renderer = self.renderer.itemData(row)

    def _on_model_options_changed(self, options) -> None:
        widgets = (self.trails, self.trail_length, self.arrows, self.fade, self.certificate, self.colour, self.fold)
        blockers = [QtCore.QSignalBlocker(w) for w in widgets]
        self.trails.setChecked(options.trails)
        self.trail_length.setValue(options.trail_length)
        self.trail_length.setEnabled(options.trails)
        self.arrows.setChecked(options.arrows)
        self.fade.setChecked(options.fade_inactive)
        self.certificate.setCurrentIndex(max(self.certificate.findData(options.certificate), 0))
        self.colour.setCurrentIndex(max(self.colour.findData(options.colour), 0))
        self.fold.setChecked(options.fold)
        del blockers

    def _on_model_renderer_changed(self, *_args) -> None:
        self.renderer.setCurrentIndex(max(self.renderer.findData(self.model.renderer), 0))
        self.in_use.setText(f"in use: {self.model.renderer_in_use}" if self.model.renderer_in_use else "")
