"""What to measure at a snapshot (docs/theory.md §6): nearest teachers, angles, masses, and descent targets.

All numpy, in the full dimension d (the display projection never touches these numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .initial import Teacher, angle_matrix_deg

CLOSE_DEG = 10.0  # δ_close: a neuron within this angle of a teacher (mod ± if σ is even) is "near" it
ACTIVE_FRACTION = 1e-3  # a neuron is active when its mass is at least this fraction of the largest mass


@dataclass(frozen=True)
class NeuronMetrics:
    """Per-neuron and per-teacher measurements of one snapshot (m students, k teachers).

    Attributes
    ----------
    directions : (m, d) unit directions ŵ_j (zero rows for zero-norm neurons).
    norms : (m,) ‖w_j‖.
    mass : (m,) |a_j|‖w_j‖.
    nearest : (m,) index i(j) of the nearest teacher.
    angle_deg : (m,) angle to that teacher, modulo ± for even activations.
    balance : (m,) a_j² − ‖w_j‖², driven to 0 by weight decay.
    active : (m,) mass ≥ ACTIVE_FRACTION × the largest mass.
    near : (m,) angle_deg ≤ close_deg.
    captured : (k,) signed mass Σ_{j near i} a_j‖w_j‖, to compare with a_i*.
    far_mass : Σ_{j not near} |a_j|‖w_j‖.
    max_active_angle_deg : largest angle_deg among active neurons.
    """

    directions: np.ndarray
    norms: np.ndarray
    mass: np.ndarray
    nearest: np.ndarray
    angle_deg: np.ndarray
    balance: np.ndarray
    active: np.ndarray
    near: np.ndarray
    captured: np.ndarray
    far_mass: float
    max_active_angle_deg: float


def unit_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(directions, norms) of the rows of w; a zero row keeps direction 0 instead of NaN."""
    top = np.max(np.abs(w), axis=-1, keepdims=True)
    scaled = w / np.where(top > 0, top, 1.0)  # entries in [-1, 1]: squaring neither overflows nor underflows
    unit_norms = np.linalg.norm(scaled, axis=-1)
    safe = np.where(unit_norms > 0, unit_norms, 1.0)
    with np.errstate(over="ignore"):  # a norm beyond the float range is inf, as it should be
        return scaled / safe[..., None], unit_norms * top[..., 0]


def neuron_metrics(
    student_w: np.ndarray, student_a: np.ndarray, teacher: Teacher, even: bool, close_deg: float = CLOSE_DEG
) -> NeuronMetrics:
    directions, norms = unit_rows(np.asarray(student_w, dtype=np.float64))
    a = np.asarray(student_a, dtype=np.float64)
    mass = np.abs(a) * norms
    angles = angle_matrix_deg(directions, teacher.w, even)  # (m, k)
    nearest = np.argmin(angles, axis=1)
    angle = angles[np.arange(len(a)), nearest]
    angle = np.where(norms > 0, angle, 90.0)  # a dead neuron points nowhere: never "near"
    near = angle <= close_deg
    active = mass >= ACTIVE_FRACTION * mass.max() if mass.max() > 0 else np.zeros(len(a), dtype=bool)
    captured = np.bincount(nearest[near], weights=(a * norms)[near], minlength=len(teacher.a))
    return NeuronMetrics(
        directions=directions,
        norms=norms,
        mass=mass,
        nearest=nearest,
        angle_deg=angle,
        balance=a * a - norms * norms,
        active=active,
        near=near,
        captured=captured,
        far_mass=float(mass[~near].sum()),
        max_active_angle_deg=float(angle[active].max()) if active.any() else 0.0,
    )


def descent_targets(
    student_w: np.ndarray, student_a: np.ndarray, teacher: Teacher, even: bool, close_deg: float = CLOSE_DEG
) -> np.ndarray:
    """Targets of the paper's descent direction in balanced coordinates w̃_j = √(mass_j) ŵ_j, shape (m, d).

    A neuron near teacher i heads for √(q_ij |a_i*|) · w_i* with q_ij = mass_j / Σ_{l near i} mass_l (on the side
    ±w_i* it is on, for even σ); a far neuron heads for 0.
    """
    met = neuron_metrics(student_w, student_a, teacher, even, close_deg)
    group_mass = np.bincount(met.nearest[met.near], weights=met.mass[met.near], minlength=len(teacher.a))
    targets = np.zeros_like(met.directions)
    j = np.flatnonzero(met.near)
    i = met.nearest[j]
    q = met.mass[j] / np.where(group_mass[i] > 0, group_mass[i], 1.0)
    side = np.sign(np.sum(met.directions[j] * teacher.w[i], axis=1)) if even else np.ones(len(j))
    side = np.where(side == 0, 1.0, side)
    targets[j] = (np.sqrt(q * np.abs(teacher.a[i])) * side)[:, None] * teacher.w[i]
    return targets


def balanced_positions(student_w: np.ndarray, student_a: np.ndarray) -> np.ndarray:
    """w̃_j = √(|a_j|‖w_j‖) ŵ_j: the neuron in the coordinates where weight decay's balance holds."""
    directions, norms = unit_rows(np.asarray(student_w, dtype=np.float64))
    return np.sqrt(np.abs(student_a) * norms)[:, None] * directions


def history_metrics(history, close_deg: float = CLOSE_DEG) -> dict[str, np.ndarray]:
    """Scalar metrics of every recorded snapshot: far_mass (T,), max_active_angle_deg (T,), captured (T, k)."""
    view = history.view()
    even = history.config.is_even
    rows = [
        neuron_metrics(w, a, history.teacher, even, close_deg) for w, a in zip(view["student_w"], view["student_a"])
    ]
    k = len(history.teacher.a)
    return {
        "step": view["step"],
        "far_mass": np.array([r.far_mass for r in rows]),
        "max_active_angle_deg": np.array([r.max_active_angle_deg for r in rows]),
        "captured": np.array([r.captured for r in rows]).reshape(len(rows), k),
    }
