"""Scalar metrics of a growing history, computed once per snapshot (docs/theory.md §6).

`history_metrics` recomputes every snapshot; a live view that redraws several times a second while the history grows
needs only the new rows. `MetricsSeries.update()` extends its buffers with the snapshots appended since the last
call, so the cost per frame is proportional to what is new, not to the run's length.
"""

from __future__ import annotations

import numpy as np

from .history import RunHistory
from .metrics import ACTIVE_FRACTION, CLOSE_DEG, span_basis

CHUNK = 256  # snapshots per vectorized batch: bounds the temporary (chunk, m, k) arrays


class MetricsSeries:
    """far_mass (T,), max_active_angle_deg (T,), span_share (T,) and captured (T, k) of a RunHistory, kept up to
    date by `update`."""

    def __init__(self, history: RunHistory, close_deg: float = CLOSE_DEG) -> None:
        self.history = history
        self.close_deg = close_deg
        self._span_basis = span_basis(history.teacher.w)  # (r, d) orthonormal rows of the teacher span
        k = len(history.teacher.a)
        capacity = max(len(history), 64)
        self._far = np.empty(capacity)
        self._angle = np.empty(capacity)
        self._span = np.empty(capacity)
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
            self._span = np.resize(self._span, size)
            self._captured = np.resize(self._captured, (size, self._captured.shape[1]))
        for start in range(self._count, n, CHUNK):
            stop = min(start + CHUNK, n)
            self._compute(view["student_w"][start:stop], view["student_a"][start:stop], start)
        added, self._count = n - self._count, n
        return added

    def _compute(self, student_w: np.ndarray, student_a: np.ndarray, start: int) -> None:
        """`engine.metrics.neuron_metrics` of a batch of snapshots at once (the same formulas, vectorized over the
        batch: a Python loop per snapshot held the GIL for ~0.1 ms a snapshot, tens of ms for a backlog)."""
        teacher = self.history.teacher
        w = np.asarray(student_w, dtype=np.float64)  # (b, m, d)
        a = np.asarray(student_a, dtype=np.float64)  # (b, m)
        b, m = a.shape
        k = len(teacher.a)
        norms = np.linalg.norm(w, axis=-1)
        safe = np.where(norms > 0, norms, 1.0)
        cos = ((w / safe[..., None]).reshape(b * m, -1) @ teacher.w.T).reshape(b, m, k)  # one matrix product
        if self.history.config.is_even:
            cos = np.abs(cos)
        angles = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
        nearest = np.argmin(angles, axis=2)
        angle = np.take_along_axis(angles, nearest[..., None], axis=2)[..., 0]
        angle = np.where(norms > 0, angle, 90.0)  # a dead neuron points nowhere: never "near"
        near = angle <= self.close_deg
        mass = np.abs(a) * norms
        largest = mass.max(axis=1, initial=0.0)
        active = (mass >= ACTIVE_FRACTION * largest[:, None]) & (largest > 0)[:, None]
        rows = slice(start, start + b)
        offsets = nearest + k * np.arange(b)[:, None]
        self._captured[rows] = np.bincount(offsets[near], weights=(a * norms)[near], minlength=b * k).reshape(b, k)
        self._far[rows] = np.where(near, 0.0, mass).sum(axis=1)
        self._angle[rows] = np.where(active, angle, 0.0).max(axis=1, initial=0.0)
        # Span share Σ|a_j|‖P w_j‖ / Σ|a_j|‖w_j‖ (engine.metrics.subspace_share): P w_j's length from one product.
        in_span = np.linalg.norm((w.reshape(b * m, -1) @ self._span_basis.T).reshape(b, m, -1), axis=-1)
        total = mass.sum(axis=1)
        spanned = (np.abs(a) * np.minimum(in_span, norms)).sum(axis=1)
        self._span[rows] = np.divide(spanned, total, out=np.full(b, np.nan), where=total > 0)

    @property
    def far_mass(self) -> np.ndarray:
        return self._far[: self._count]

    @property
    def max_active_angle_deg(self) -> np.ndarray:
        return self._angle[: self._count]

    @property
    def span_share(self) -> np.ndarray:
        return self._span[: self._count]

    @property
    def captured(self) -> np.ndarray:
        return self._captured[: self._count]
