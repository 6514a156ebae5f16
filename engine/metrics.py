"""What to measure at a snapshot (docs/theory.md §6): nearest teachers, angles, masses, the share of the mass in the
teacher span, and descent targets.

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
    in_span : (m,) ‖P ŵ_j‖, the length of the direction's projection onto the teacher span (the cosine of its angle
        to the span): 1 in the span, 0 orthogonal to it (and for a zero-norm neuron).
    span_share : Σ_j |a_j|‖P w_j‖ / Σ_j |a_j|‖w_j‖, the mass-weighted mean of in_span (`subspace_share`).
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
    in_span: np.ndarray
    span_share: float


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
    in_span = in_subspace(directions, span_basis(teacher.w))
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
        in_span=in_span,
        span_share=mass_weighted(in_span, mass),
    )


# --- the teacher span (the three-stage procedure's first step finds it) ------------------------------------------


def span_basis(vectors: np.ndarray) -> np.ndarray:
    """Orthonormal rows (r, d) spanning the rows of `vectors` (k, d), r = their rank (r = d when they span R^d)."""
    v = np.asarray(vectors, dtype=np.float64)
    _, s, vt = np.linalg.svd(v, full_matrices=False)
    rank = int(np.sum(s > s[0] * max(v.shape) * np.finfo(np.float64).eps)) if s.size and s[0] > 0 else 0
    return vt[:rank]


def spans_input_space(teacher_w: np.ndarray) -> bool:
    """Whether the teacher directions span all of R^d (k ≥ d in general position, e.g. d = k = 3): then every
    neuron lies in the span and the span share is 1 by construction."""
    w = np.asarray(teacher_w)
    return span_basis(w).shape[0] == w.shape[1]


def in_subspace(directions: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """‖P u‖ for unit directions u (..., d) and the orthogonal projection P onto the span of the orthonormal rows
    `basis` (r, d): the cosine of u's angle to the subspace, in [0, 1] (0 for a zero row)."""
    return np.clip(np.linalg.norm(np.asarray(directions) @ np.asarray(basis).T, axis=-1), 0.0, 1.0)


def mass_weighted(fraction: np.ndarray, mass: np.ndarray) -> float:
    """Σ mass_j fraction_j / Σ mass_j (NaN when there is no mass at all)."""
    total = float(np.sum(mass))
    return float(np.sum(mass * fraction) / total) if total > 0 else float("nan")


def subspace_share(student_w: np.ndarray, student_a: np.ndarray, basis: np.ndarray) -> float:
    """The share of the students' mass inside the subspace spanned by the orthonormal rows `basis`:
    Σ_j |a_j|‖P w_j‖ / Σ_j |a_j|‖w_j‖, each neuron's mass counted by the length of its projection (NaN when the
    student has no mass). With the teacher span (`span_basis(teacher.w)`) this is the span share; with the
    display basis of a projected view, one minus it is the mass the picture does not show."""
    directions, norms = unit_rows(np.asarray(student_w, dtype=np.float64))
    mass = np.abs(np.asarray(student_a, dtype=np.float64)) * norms
    return mass_weighted(in_subspace(directions, basis), mass)


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
    """Scalar metrics of every recorded snapshot: far_mass (T,), max_active_angle_deg (T,), span_share (T,),
    captured (T, k)."""
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
        "span_share": np.array([r.span_share for r in rows]),
        "captured": np.array([r.captured for r in rows]).reshape(len(rows), k),
    }


# The columns of `metrics_table` before captured_1 … captured_k: recorded scalars, then measured ones.
RECORDED_COLUMNS = ("step", "stage", "loss", "population_loss", "objective", "weight_decay")
TABLE_COLUMNS = (*RECORDED_COLUMNS, "far_mass", "max_active_angle_deg", "span_share")


def metrics_table(history, close_deg: float = CLOSE_DEG) -> dict[str, np.ndarray]:
    """The run's metrics per recorded snapshot as the columns of one table (pandas.DataFrame(metrics_table(h))):
    TABLE_COLUMNS, then captured_1 … captured_k (the signed mass near teacher i). The CSV export writes these."""
    view = history.view()
    metrics = history_metrics(history, close_deg)
    n = len(metrics["step"])  # a history still growing: the metrics were taken from its first n rows
    columns = {name: view[name][:n] for name in RECORDED_COLUMNS}
    for name in TABLE_COLUMNS[len(RECORDED_COLUMNS):]:
        columns[name] = metrics[name]
    for i in range(metrics["captured"].shape[1]):
        columns[f"captured_{i + 1}"] = metrics["captured"][:, i]
    return columns
