"""The numbers a sweep keeps of one run: final metrics, whether (and from when) it recovered the teacher, and how
well the teacher is certified. Pure numpy on a RunHistory; the task computes them on the worker.
"""

from __future__ import annotations

import numpy as np

from ..certificate import pre_certificate, sphere_grid
from ..history import RunHistory
from ..initial import Teacher, angle_matrix_deg
from ..metrics import CLOSE_DEG, unit_rows
from ..metrics_series import MetricsSeries
from .grid import Thresholds

CERTIFICATE_POINTS = 4000  # unit vectors on which the pre-certificate is sampled
CERTIFICATE_EXCLUDE_DEG = CLOSE_DEG  # ... more than this far from every teacher (mod ± for even σ)


def recovery_series(history: RunHistory, thresholds: Thresholds) -> dict[str, np.ndarray]:
    """Per recorded snapshot: max_active_angle_deg, far_mass, far_fraction, captured_error, recovered and
    span_share."""
    series = MetricsSeries(history)
    series.update()
    view = history.view()
    _, norms = unit_rows(np.asarray(view["student_w"], dtype=np.float64))
    total = (np.abs(np.asarray(view["student_a"], dtype=np.float64)) * norms).sum(axis=1)
    far = series.far_mass
    far_fraction = np.divide(far, total, out=np.ones_like(far), where=total > 0)
    target = history.teacher.a
    captured_error = np.max(np.abs(series.captured - target) / np.abs(target), axis=1)
    recovered = (
        (series.max_active_angle_deg <= thresholds.max_angle_deg)
        & (far_fraction <= thresholds.far_fraction)
        & (captured_error <= thresholds.captured_error)
    )
    return {
        "step": view["step"],
        "max_active_angle_deg": series.max_active_angle_deg.copy(),
        "far_mass": far.copy(),
        "far_fraction": far_fraction,
        "captured_error": captured_error,
        "recovered": recovered,
        "span_share": series.span_share.copy(),
    }


def recovered_step(steps: np.ndarray, recovered: np.ndarray) -> int | None:
    """The first recorded step from which the run stays recovered to its end; None if it ends unrecovered."""
    if len(recovered) == 0 or not recovered[-1]:
        return None
    not_recovered = np.flatnonzero(~recovered)
    first = not_recovered[-1] + 1 if len(not_recovered) else 0
    return int(steps[first])


def _unit_samples(d: int, n: int) -> np.ndarray:
    if d == 3:
        return sphere_grid(n)
    if d == 2:
        t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
        return np.column_stack([np.cos(t), np.sin(t)])
    u = np.random.default_rng(0).standard_normal((n, d))
    return u / np.linalg.norm(u, axis=1, keepdims=True)


def certificate_max(teacher: Teacher, activation: str, even: bool, n: int = CERTIFICATE_POINTS) -> float:
    """max |η(u)| of the teacher's pre-certificate over unit vectors more than 10° from every teacher.

    Above 1 the sparse teacher is not certified (docs/theory.md §7).
    """
    u = _unit_samples(teacher.w.shape[1], n)
    far = angle_matrix_deg(u, teacher.w, even).min(axis=1) > CERTIFICATE_EXCLUDE_DEG
    if not far.any():
        return float("nan")
    return float(np.max(np.abs(pre_certificate(teacher, activation)(u[far]))))


def direction_change_deg(history: RunHistory) -> float:
    """Mean angle (degrees) between each neuron's first and last recorded direction: ~0 in the lazy regime."""
    view = history.view()
    first, n0 = unit_rows(np.asarray(view["student_w"][0], dtype=np.float64))
    last, n1 = unit_rows(np.asarray(view["student_w"][-1], dtype=np.float64))
    alive = (n0 > 0) & (n1 > 0)
    if not alive.any():
        return float("nan")
    cos = np.clip(np.sum(first[alive] * last[alive], axis=1), -1.0, 1.0)
    return float(np.degrees(np.arccos(cos)).mean())


def teacher_separation_deg(teacher: Teacher, even: bool) -> float:
    """The smallest angle between two teachers (modulo ± for even σ); NaN for a single teacher."""
    k = len(teacher.a)
    if k < 2:
        return float("nan")
    angles = angle_matrix_deg(teacher.w, teacher.w, even)
    return float(angles[~np.eye(k, dtype=bool)].min())


def summarize(history: RunHistory, thresholds: Thresholds) -> dict[str, float | int | None]:
    """The metric columns of results.csv for one (finished or diverged) run."""
    series = recovery_series(history, thresholds)
    cfg = history.config
    return {
        "final_loss": float(history.view()["loss"][-1]),
        "max_active_angle_deg": float(series["max_active_angle_deg"][-1]),
        "far_mass": float(series["far_mass"][-1]),
        "far_fraction": float(series["far_fraction"][-1]),
        "captured_error": float(series["captured_error"][-1]),
        "recovered": int(series["recovered"][-1]),
        "recovered_step": recovered_step(series["step"], series["recovered"]),
        "certificate_max": certificate_max(history.teacher, cfg.model.activation, cfg.is_even),
        "direction_change_deg": direction_change_deg(history),
        "teacher_separation_deg": teacher_separation_deg(history.teacher, cfg.is_even),
        "span_share": float(series["span_share"][-1]),
    }
