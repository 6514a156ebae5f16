"""Closed forms of docs/theory.md §3 against Monte Carlo estimates (within 4 standard errors)."""

import numpy as np
import pytest
import torch

from engine.kernels import kappa, kappa_prime, pair_kernel
from engine.objective import AutogradEmpiricalObjective, PopulationObjective

ACTIVATIONS = ("relu", "relu_centered", "abs")


def sigma_np(z: np.ndarray, norm: float, activation: str) -> np.ndarray:
    """The activations written directly from docs/theory.md §2 (not through engine code)."""
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "abs":
        return np.abs(z)
    return np.maximum(z, 0.0) - z / 2 - norm / np.sqrt(2 * np.pi)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("angle_deg", [0.0, 30.0, 90.0, 150.0, 180.0])
def test_kernel_matches_monte_carlo(activation, angle_deg):
    rng = np.random.default_rng(1)
    d, n = 4, 400_000
    theta = np.radians(angle_deg)
    w = np.array([1.3, 0.0, 0.0, 0.0])
    v = 0.7 * np.array([np.cos(theta), np.sin(theta), 0.0, 0.0])
    x = rng.standard_normal((n, d))
    prod = sigma_np(x @ w, 1.3, activation) * sigma_np(x @ v, 0.7, activation)
    estimate, se = prod.mean(), prod.std() / np.sqrt(n)
    exact = pair_kernel(w[None], v[None], activation)[0, 0]
    assert abs(exact - estimate) < 4 * se + 1e-12


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_kappa_prime_is_derivative(activation):
    u = np.linspace(-0.95, 0.95, 41)
    h = 1e-6
    numeric = (kappa(u + h, activation) - kappa(u - h, activation)) / (2 * h)
    np.testing.assert_allclose(kappa_prime(u, activation), numeric, atol=1e-7)


def test_known_values():
    assert kappa(np.array(1.0), "relu") == pytest.approx(0.5)
    assert kappa(np.array(0.0), "relu") == pytest.approx(1 / (2 * np.pi))
    u = np.linspace(-1, 1, 11)
    np.testing.assert_allclose(kappa(u, "abs"), 4 * kappa(u, "relu_centered") + 2 / np.pi, atol=1e-14)


def test_rounded_cosine_above_one_gives_no_nan():
    u = torch.tensor([1.0000000000000002, -1.0000000000000002], dtype=torch.float64)
    for activation in ACTIVATIONS:
        assert torch.isfinite(kappa(u, activation)).all()
        assert torch.isfinite(kappa_prime(u, activation)).all()


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_population_loss_matches_monte_carlo(activation):
    gen = torch.Generator().manual_seed(3)
    d, m, k, n = 3, 6, 2, 200_000
    W = torch.randn(m, d, generator=gen, dtype=torch.float64)
    a = torch.randn(m, generator=gen, dtype=torch.float64)
    tw = torch.randn(k, d, generator=gen, dtype=torch.float64)
    tw /= tw.norm(dim=1, keepdim=True)
    ta = torch.tensor([1.0, -1.0], dtype=torch.float64)
    X = torch.randn(n, d, generator=gen, dtype=torch.float64)
    emp = AutogradEmpiricalObjective(tw, ta, activation, X)
    sq = 0.5 * (emp.predict(W, a) - emp.y) ** 2
    estimate, se = float(sq.mean()), float(sq.std() / np.sqrt(n))
    exact = float(PopulationObjective(tw, ta, activation).loss(W, a))
    assert abs(exact - estimate) < 4 * se
