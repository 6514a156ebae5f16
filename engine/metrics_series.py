"""Scalar metrics of a growing history, computed once per snapshot (PAPER.md §6).

`history_metrics` recomputes every snapshot; a live view that redraws 60 times a second while the history grows
needs only the new rows. `MetricsSeries.update()` extends its buffers with the snapshots appended since the last
call, so the cost per frame is proportional to what is new, not to the run's length.
"""

from __future__ import annotations

import numpy as np

from .history import RunHistory
from .metrics import CLOSE_DEG, neuron_metrics


class MetricsSeries:
    """far_mass (T,), max_active_angle_deg (T,) and captured (T, k) of a RunHistory, kept up to date by `update`."""

    def __init__(self, history: RunHistory, close_deg: float = CLOSE_DEG) -> None:
        self.history = history
        self.close_deg = close_deg
        k = len(history.teacher.a)
        capacity = max(len(history), 64)
        self._far = np.empty(capacity)
        self._angle = np.empty(capacity)
        self._captured = np.empty((capacity, k))
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def update(self) -> int:
        """Compute the metrics of snapshots appended since the last call; return how many were added."""
        view = self.history.view()
        n = len(view["step"])
        if n > len(self._far):
            size = max(n, 2 * len(self._far))
            self._far = np.resize(self._far, size)
            self._angle = np.resize(self._angle, size)
            self._captured = np.resize(self._captured, (size, self._captured.shape[1]))
        even = self.history.config.is_even
        for i in range(self._count, n):
            met = neuron_metrics(view["student_w"][i], view["student_a"][i], self.history.teacher, even, self.close_deg)
            self._far[i] = met.far_mass
            self._angle[i] = met.max_active_angle_deg
            self._captured[i] = met.captured
        added, self._count = n - self._count, n
        return added

    @property
    def far_mass(self) -> np.ndarray:
        return self._far[: self._count]

    @property
    def max_active_angle_deg(self) -> np.ndarray:
        return self._angle[: self._count]

    @property
    def captured(self) -> np.ndarray:
        return self._captured[: self._count]
