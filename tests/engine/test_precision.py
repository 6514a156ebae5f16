"""Numbers at the float64 limit: kernels and losses of nearly coincident directions against 40-digit references
(mpmath), and neurons whose norms underflow when squared."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import torch

from engine import presets
from engine.config import apply_overrides
from engine.kernels import COEFFICIENTS, sine_and_angle, unit_rows
from engine.objective import PopulationObjective
from engine.trainer import train

mpmath.mp.dps = 40


def rotate(v: np.ndarray, axis: np.ndarray, theta: float) -> np.ndarray:
    """v turned by theta towards the unit vector axis ⟂ v (float64)."""
    return np.cos(theta) * v + np.sin(theta) * axis


@pytest.mark.parametrize("theta", [1e-12, 1e-9, 1e-6, 1e-3, np.pi - 1e-9, np.pi - 1e-5])
def test_sine_and_angle_of_nearly_coincident_or_opposite_directions(theta):
    x = np.array([[1.0, 0.0, 0.0]])
    y = rotate(x[0], np.array([0.0, 1.0, 0.0]), theta)[None, :]
    sine, angle = sine_and_angle(x, y, np.clip(x @ y.T, -1, 1))
    X, Y = [mpmath.mpf(float(t)) for t in x[0]], [mpmath.mpf(float(t)) for t in y[0]]
    exact = 2 * mpmath.atan2(mpmath.norm([a - b for a, b in zip(X, Y)]), mpmath.norm([a + b for a, b in zip(X, Y)]))
    assert abs(angle[0, 0] - exact) <= 1e-13 * exact
    assert abs(sine[0, 0] - mpmath.sin(exact)) <= 1e-13 * mpmath.sin(exact)


def reference_loss(W, a, tw, ta, activation: str) -> mpmath.mpf:
    """½ ΣΣ c_i c_j κ(u_ij) over students and teachers, every number at 40 digits (the float64 inputs exact)."""
    alpha, beta, gamma = (mpmath.mpf(x) for x in COEFFICIENTS[activation])
    rows = [[mpmath.mpf(float(x)) for x in v] for v in (*W, *tw)]
    norms = [mpmath.sqrt(sum(x * x for x in v)) for v in rows]
    c = [mpmath.mpf(float(x)) * norms[i] for i, x in enumerate(a)] + [-mpmath.mpf(float(x)) for x in ta]
    units = [[x / n for x in v] for v, n in zip(rows, norms)]
    total = mpmath.mpf(0)
    for i, ui in enumerate(units):
        for j, uj in enumerate(units):
            u = min(max(mpmath.fsum(x * y for x, y in zip(ui, uj)), -1), 1)
            kr = (mpmath.sqrt(1 - u * u) + (mpmath.pi - mpmath.acos(u)) * u) / (2 * mpmath.pi)
            total += c[i] * c[j] * (alpha * kr + beta * u + gamma)
    return total / 2


@pytest.mark.slow
def test_the_recorded_loss_of_a_converged_preset_is_exact_to_1e_9():
    """The paper preset trained to its end: students sit on their teachers, within ~1e-4 rad."""
    history = train(presets.load("paper"))
    snap = history.snapshot(-1)
    exact = reference_loss(snap.student_w, snap.student_a, history.teacher.w, history.teacher.a, "relu_centered")
    assert abs(snap.loss - exact) <= 1e-9 * exact


def test_the_loss_of_a_short_run_matches_a_40_digit_evaluation():
    history = train(apply_overrides(presets.load("paper"), ["optim.steps=400", "record.every=400"]))
    snap = history.snapshot(-1)
    exact = reference_loss(snap.student_w, snap.student_a, history.teacher.w, history.teacher.a, "relu_centered")
    assert abs(snap.loss - exact) <= 1e-12 * exact


@pytest.mark.parametrize("activation", ["relu_centered", "relu", "abs"])
def test_a_neuron_whose_norm_underflows_when_squared_keeps_a_unit_direction(activation):
    rng = np.random.default_rng(3)
    tw = torch.from_numpy(np.linalg.qr(rng.normal(size=(3, 3)))[0])
    ta = torch.tensor([1.0, -1.0, 1.0], dtype=torch.float64)
    W = torch.from_numpy(rng.normal(size=(6, 3)))
    direction = W[0] / torch.linalg.vector_norm(W[0])
    objective = PopulationObjective(tw, ta, activation)
    grads = []
    for norm in (1e-170, 1e-150):  # 1e-170 squared underflows to 0; 1e-150 squared does not
        W[0] = norm * direction
        _, gW, ga = objective.value_and_grad(W, torch.ones(6, dtype=torch.float64))
        grads.append(gW[0])
    r, unit = unit_rows(W[:1] * 1e-20)
    assert torch.allclose(torch.linalg.vector_norm(unit), torch.tensor(1.0, dtype=torch.float64), atol=1e-15)
    assert torch.allclose(grads[0], grads[1], rtol=1e-9, atol=1e-12)  # ∂L/∂w depends on the direction only
