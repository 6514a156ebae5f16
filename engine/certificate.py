"""Dual certificates (docs/theory.md §7): the static pre-certificate of the teacher and the live η_λ of a snapshot.

The pre-certificate η(u) = Σ_i α_i κ(uᵀw_i*) + Σ_i κ'(uᵀw_i*)(uᵀβ_i), β_i ⟂ w_i*, interpolates sign(a_i*) at each
teacher with zero tangential gradient there. When max |η| ≤ 1 with equality only at the teachers, the sparse
teacher is certified; when it exceeds 1 (raw ReLU, or close teachers) it is not, and the app shows that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .initial import Teacher
from .kernels import kappa, kappa_prime, kappa_second
from .metrics import unit_rows


def _tangent_basis(v: np.ndarray) -> np.ndarray:
    """(d, d−1) orthonormal basis of the plane orthogonal to the unit vector v."""
    q, _ = np.linalg.qr(np.column_stack([v, np.eye(len(v))]))
    return q[:, 1:]


@dataclass(frozen=True)
class PreCertificate:
    """η(u) for a teacher; call it on unit vectors u (N, d)."""

    teacher_w: np.ndarray  # (k, d)
    alpha: np.ndarray  # (k,)
    beta: np.ndarray  # (k, d), each row ⟂ its teacher
    activation: str

    def __call__(self, u: np.ndarray) -> np.ndarray:
        cos = u @ self.teacher_w.T  # (N, k)
        return kappa(cos, self.activation) @ self.alpha + np.sum(
            kappa_prime(cos, self.activation) * (u @ self.beta.T), axis=1
        )


def pre_certificate(teacher: Teacher, activation: str) -> PreCertificate:
    """Solve the k·d linear conditions: η(w_l*) = sign(a_l*) and P_l ∇η(w_l*) = 0 for every teacher l."""
    w = teacher.w
    k, d = w.shape
    bases = [_tangent_basis(v) for v in w]  # β_i = B_i γ_i
    cos = np.clip(w @ w.T, -1.0, 1.0)  # (k, k)
    kap, kp, kpp = kappa(cos, activation), kappa_prime(cos, activation), kappa_second(cos, activation)
    n = k * d  # unknowns: α (k), then γ_i (d − 1 each)
    A = np.zeros((n, n))
    rhs = np.zeros(n)
    col = lambda i: slice(k + i * (d - 1), k + (i + 1) * (d - 1))  # noqa: E731
    for row in range(k):
        A[row, :k] = kap[row]
        for i in range(k):
            A[row, col(i)] = kp[row, i] * (w[row] @ bases[i])
        rhs[row] = np.sign(teacher.a[row])
        # Tangential gradient at w_l*: Σ_i α_i κ'(c_li) w_i* + Σ_i κ''(c_li)(w_l*·β_i) w_i* + κ'(c_li) β_i.
        tangent = slice(k + row * (d - 1), k + (row + 1) * (d - 1))
        P = bases[row].T  # (d−1, d) projects onto the tangent plane at w_l*
        for i in range(k):
            A[tangent, i] = P @ (kp[row, i] * w[i])
            second = 0.0 if i == row else kpp[row, i]  # β_l ⟂ w_l*, so the (infinite) κ''(1) term vanishes
            A[tangent, col(i)] = P @ (second * np.outer(w[i], w[row] @ bases[i]) + kp[row, i] * bases[i])
    sol = np.linalg.lstsq(A, rhs, rcond=None)[0]
    beta = np.stack([bases[i] @ sol[col(i)] for i in range(k)]) if d > 1 else np.zeros((k, d))
    return PreCertificate(w, sol[:k], beta, activation)


def live_certificate(
    u: np.ndarray, student_w: np.ndarray, student_a: np.ndarray, teacher: Teacher, activation: str, weight_decay: float
) -> tuple[np.ndarray, bool]:
    """η_λ(u) = (1/λ)[Σ_i a_i* κ(uᵀw_i*) − Σ_j a_j‖w_j‖ κ(uᵀŵ_j)] on unit vectors u (N, d).

    Returns (values, scaled): for λ = 0 the certificate is undefined and the unscaled correlation is returned
    with scaled = False.
    """
    directions, norms = unit_rows(np.asarray(student_w, dtype=np.float64))
    residual = kappa(u @ teacher.w.T, activation) @ teacher.a
    residual -= kappa(u @ directions.T, activation) @ (np.asarray(student_a, dtype=np.float64) * norms)
    if weight_decay > 0:
        return residual / weight_decay, True
    return residual, False


def sphere_grid(n: int) -> np.ndarray:
    """n nearly uniform points on the unit sphere S² (a Fibonacci lattice), shape (n, 3)."""
    i = np.arange(n) + 0.5
    z = 1.0 - 2.0 * i / n
    phi = np.pi * (1.0 + 5**0.5) * i
    rho = np.sqrt(1.0 - z * z)
    return np.column_stack([rho * np.cos(phi), rho * np.sin(phi), z])


@dataclass(frozen=True)
class TeacherPath:
    """A closed path of great-circle arcs through the teachers, sampled by arc length (radians).

    With one teacher it is a great circle through it; with two, the great circle through both; with more, the
    geodesic polygon w_1* → w_2* → … → w_k* → w_1*.
    """

    points: np.ndarray  # (N, d) unit vectors
    arclength: np.ndarray  # (N,) radians from w_1*
    teacher_arclength: np.ndarray  # (k,) where each teacher sits on the path

    def locate(self, directions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Arc-length position of the path point nearest each unit direction (N, d), and the angle (deg) to it."""
        cos = np.clip(directions @ self.points.T, -1.0, 1.0)
        idx = np.argmax(cos, axis=1)
        return self.arclength[idx], np.degrees(np.arccos(cos[np.arange(len(idx)), idx]))


def _great_circle(p: np.ndarray, q: np.ndarray, samples: int) -> tuple[np.ndarray, np.ndarray]:
    """The full great circle from p through q (any one if q = ±p): points and arc length, starting at p."""
    ortho = q - (p @ q) * p
    if np.linalg.norm(ortho) < 1e-9:
        ortho = _tangent_basis(p)[:, 0]
    ortho = ortho / np.linalg.norm(ortho)
    t = np.linspace(0.0, 2 * np.pi, samples, endpoint=False)
    return np.cos(t)[:, None] * p + np.sin(t)[:, None] * ortho, t


def _arc(p: np.ndarray, q: np.ndarray, samples: int) -> np.ndarray:
    """Points from p to q along the shorter great-circle arc, q excluded."""
    theta = np.arccos(np.clip(p @ q, -1.0, 1.0))
    circle, t = _great_circle(p, q, max(2, int(samples * 2 * np.pi / max(theta, 1e-9))))
    return circle[t < theta] if theta > 0 else p[None]


def teacher_path(teacher_w: np.ndarray, samples: int = 720) -> TeacherPath:
    w = np.asarray(teacher_w, dtype=np.float64)
    k = len(w)
    if k <= 2:
        points, arclength = _great_circle(w[0], w[-1], samples)
        theta = np.arccos(np.clip(w[0] @ w[-1], -1.0, 1.0))
        return TeacherPath(points, arclength, np.array([0.0, theta][:k]))
    pieces = [_arc(w[i], w[(i + 1) % k], max(2, samples // k)) for i in range(k)]
    points = np.vstack(pieces + [w[:1]])
    steps = np.arccos(np.clip(np.sum(points[1:] * points[:-1], axis=1), -1.0, 1.0))
    arclength = np.concatenate([[0.0], np.cumsum(steps)])
    starts = np.cumsum([0] + [len(p) for p in pieces[:-1]])
    return TeacherPath(points, arclength, arclength[starts])
