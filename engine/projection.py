"""Where to draw directions of R^d: the sphere itself for d = 3, the circle for d = 2, a 3-D subspace for d > 3.

For d > 3 the subspace is the teacher span when k ≤ 3 (completed by the principal directions of the students'
out-of-span parts at the time the projection is made, or coordinate axes), else the top three principal
directions of the teacher directions. Only the drawing is projected: every angle metric stays exact in R^d.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Projection:
    """An orthonormal basis (p, d) with p = min(d, 3), and a sentence that tells the viewer what it shows."""

    basis: np.ndarray
    description: str

    @property
    def exact(self) -> bool:
        """True when nothing is lost (d ≤ 3)."""
        return self.basis.shape[0] == self.basis.shape[1]

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """Coordinates (..., p) of vectors (..., d) in the basis; unit vectors land inside the unit ball."""
        return np.asarray(vectors) @ self.basis.T


def _complete(basis: np.ndarray, d: int, extra: np.ndarray | None) -> np.ndarray:
    """Extend orthonormal rows to three with directions from `extra` (rows), then coordinate axes."""
    candidates = [] if extra is None else list(extra)
    candidates += list(np.eye(d))
    rows = list(basis)
    for v in candidates:
        if len(rows) == 3:
            break
        r = v - sum((v @ b) * b for b in rows)
        if np.linalg.norm(r) > 1e-6:
            rows.append(r / np.linalg.norm(r))
    return np.array(rows)


def display_projection(teacher_w: np.ndarray, extra: np.ndarray | None = None) -> Projection:
    """The basis the views draw in, for teacher directions (k, d); `extra` optionally offers completing rows."""
    w = np.asarray(teacher_w, dtype=np.float64)
    k, d = w.shape
    if d <= 3:
        return Projection(np.eye(d), f"exact: d = {d}")
    if k <= 3:
        q, _ = np.linalg.qr(w.T)  # (d, k) orthonormal basis of the teacher span
        basis = _complete(q.T[:k], d, extra)
        what = "teacher span" if k == 3 else f"teacher span ({k}-D) completed to 3-D"
        return Projection(basis, f"projection of R^{d} onto the {what}")
    _, _, vt = np.linalg.svd(w, full_matrices=False)
    return Projection(vt[:3], f"projection of R^{d} onto the top 3 principal directions of the {k} teachers")
