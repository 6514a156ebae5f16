"""A teacher moved by hand, and what the certificate says about it (Qt-free).

`move_teacher(history, i, direction)` puts teacher i at a new direction and asks the engine two things: whether the
config accepts the teacher (its rule for explicit directions refuses parallel ones, and opposite ones for an even
activation) and the pre-certificate's max |η| away from the teachers, computed by the same code a sweep's
`certificate_max` column uses. A `DraftHistory` shows the run's snapshots against the moved teacher, so the sphere
views draw it with their ordinary scene code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.config import ConfigError, RunConfig, from_dict
from engine.initial import Teacher, make_teacher
from engine.sweep.summary import certificate_max

# A teacher dropped this close to another one (or its −copy for an even σ) lands on it exactly: a pointer cannot
# hit a direction, and the config's rule then says in words why that position is refused.
SNAP_DEG = 2.0


@dataclass(frozen=True)
class MovedTeacher:
    """Teacher `index` at its new direction: the teacher, the config that has it (None when refused), the refusal
    in words, and the pre-certificate's max |η| away from the teachers (NaN when refused)."""

    index: int
    teacher: Teacher
    config: RunConfig | None
    refusal: str
    certificate_max: float

    @property
    def certified(self) -> bool:
        return self.config is not None and self.certificate_max <= 1.0

    def describe(self) -> str:
        where = ", ".join(f"{x:+.3f}" for x in self.teacher.w[self.index])
        head = f"teacher {self.index + 1} at ({where})"
        if self.refusal:
            return f"{head}: refused, {self.refusal}"
        verdict = "≤ 1: certified" if self.certified else "> 1: not certified"
        return f"{head}: max |η| away from the teachers = {self.certificate_max:.3f} {verdict}"


def _snapped(u: np.ndarray, others: np.ndarray, even: bool) -> np.ndarray:
    close = math.cos(math.radians(SNAP_DEG))
    for w in others:
        c = float(u @ w)
        if c >= close:
            return w.copy()
        if even and c <= -close:
            return -w
    return u


def move_teacher(history, index: int, direction: np.ndarray) -> MovedTeacher:
    """Teacher `index` of the run's teacher at `direction` (any non-zero vector of R^d)."""
    cfg = history.config
    w = np.array(history.teacher.w, dtype=np.float64)
    u = np.asarray(direction, dtype=np.float64)
    u = u / np.linalg.norm(u)
    w[index] = _snapped(u, np.delete(w, index, axis=0), cfg.is_even)
    teacher = Teacher(w, np.array(history.teacher.a, dtype=np.float64))
    try:
        moved = from_dict({"teacher": {"directions": w.tolist()}}, base=cfg)
    except ConfigError as exc:
        reason = str(exc).partition("expected ")[2] or str(exc)  # the rule's words, not the whole matrix
        return MovedTeacher(index, teacher, None, f"teacher.directions must be {reason}", float("nan"))
    teacher = make_teacher(moved, None)  # explicit directions: exactly the teacher a run of this config trains on
    return MovedTeacher(index, teacher, moved, "", certificate_max(teacher, cfg.model.activation, cfg.is_even))


class DraftHistory:
    """A run's history seen against a moved teacher: the snapshots are the run's, the teacher and config the draft's
    (a refused draft keeps the run's config)."""

    def __init__(self, history, moved: MovedTeacher) -> None:
        self._history = history
        self.teacher = moved.teacher
        self.config = moved.config or history.config

    def __getattr__(self, name: str):
        return getattr(self._history, name)

    def __len__(self) -> int:
        return len(self._history)
