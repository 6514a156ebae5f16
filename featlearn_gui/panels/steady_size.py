"""Widgets whose text changes every frame, sized once for their longest text.

Qt lays out again on every text change of a widget whose size may vary: a label or spin box showing the step
would re-lay out the whole main window (and animate its docks) in every frame. A widget with a fixed size does
not pass the change on (QWidget::updateGeometry stops at min == max), so it is given the size of its longest text.
"""

from __future__ import annotations

from PySide6 import QtWidgets


def hold_size(label: QtWidgets.QLabel, *samples: str) -> None:
    """Fix `label`'s size to fit the widest of `samples` (and its current size hints)."""
    text = label.text()
    width, height = label.minimumWidth(), 0
    for sample in samples:
        label.setText(sample)
        hint = label.sizeHint()
        width, height = max(width, hint.width()), max(height, hint.height())
    label.setText(text)
    label.setFixedSize(width, height)


def hold_spin_box_size(box: QtWidgets.QSpinBox, widest: int) -> None:
    """Fix a spin box's size to fit `widest` whatever its range is now (its range may then grow every frame)."""
    low, high = box.minimum(), box.maximum()
    box.setRange(low, max(high, widest))
    hint = box.sizeHint()
    box.setFixedSize(max(hint.width(), box.minimumWidth()), hint.height())
    box.setRange(low, high)
