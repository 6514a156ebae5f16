"""Analytic gradients against autograd and finite differences; numerical safety."""

import pytest
import torch

from engine import objective as obj_mod
from engine.objective import AutogradPopulationObjective, EmpiricalObjective, PopulationObjective

ACTIVATIONS = ("relu", "relu_centered", "abs")


def problem(m, d, k=3, seed=0, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    W = torch.randn(m, d, generator=gen, dtype=torch.float64)
    a = torch.randn(m, generator=gen, dtype=torch.float64)
    tw = torch.randn(k, d, generator=gen, dtype=torch.float64)
    tw /= tw.norm(dim=1, keepdim=True)
    ta = torch.randn(k, generator=gen, dtype=torch.float64)
    return [x.to(dtype) for x in (W, a, tw, ta)]


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("m,d", [(1, 3), (7, 3), (40, 10), (300, 2)])
def test_analytic_matches_autograd(activation, m, d, backend, monkeypatch):
    if backend == "torch":  # small CPU problems run in numpy; force the torch code path too
        monkeypatch.setattr(obj_mod, "NUMPY_MAX_NEURONS", 0)
    W, a, tw, ta = problem(m, d)
    L, gW, ga = PopulationObjective(tw, ta, activation).value_and_grad(W, a)
    L2, gW2, ga2 = AutogradPopulationObjective(tw, ta, activation).value_and_grad(W, a)
    torch.testing.assert_close(L, L2, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(gW, gW2, rtol=1e-8, atol=1e-10)
    torch.testing.assert_close(ga, ga2, rtol=1e-8, atol=1e-10)


def test_blocked_contraction_matches_single_block(monkeypatch):
    W, a, tw, ta = problem(257, 3)
    whole = PopulationObjective(tw, ta, "relu_centered").value_and_grad(W, a)
    monkeypatch.setattr(obj_mod, "BLOCK_ELEMENTS", 260 * 7)  # 7 rows per block, a ragged last block
    monkeypatch.setattr(obj_mod, "NUMPY_MAX_NEURONS", 0)  # the torch path
    blocked = PopulationObjective(tw, ta, "relu_centered").value_and_grad(W, a)
    for x, y in zip(whole, blocked):
        torch.testing.assert_close(x, y, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_analytic_matches_finite_differences(activation):
    W, a, tw, ta = problem(5, 3, seed=4)
    objective = PopulationObjective(tw, ta, activation)
    _, gW, ga = objective.value_and_grad(W, a)
    h = 1e-6
    for j in range(5):
        for c in range(3):
            Wp, Wm = W.clone(), W.clone()
            Wp[j, c] += h
            Wm[j, c] -= h
            numeric = (objective.loss(Wp, a) - objective.loss(Wm, a)) / (2 * h)
            assert float(gW[j, c]) == pytest.approx(float(numeric), rel=1e-5, abs=1e-8)
        ap, am = a.clone(), a.clone()
        ap[j] += h
        am[j] -= h
        numeric = (objective.loss(W, ap) - objective.loss(W, am)) / (2 * h)
        assert float(ga[j]) == pytest.approx(float(numeric), rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_zero_norm_and_duplicate_neurons_give_finite_values(activation):
    W, a, tw, ta = problem(6, 3)
    W[0] = 0.0  # a dead neuron
    W[2] = W[1]  # a duplicate (symmetric initialization makes these)
    W[3] = -W[1]  # an antipodal one
    W[4] = tw[0] * 2.0  # exactly on a teacher
    L, gW, ga = PopulationObjective(tw, ta, activation).value_and_grad(W, a)
    assert torch.isfinite(L) and torch.isfinite(gW).all() and torch.isfinite(ga).all()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_float32_agrees_with_float64(dtype):
    W, a, tw, ta = problem(50, 3)
    ref = PopulationObjective(tw, ta, "relu_centered").value_and_grad(W, a)
    low = PopulationObjective(tw.to(dtype), ta.to(dtype), "relu_centered").value_and_grad(W.to(dtype), a.to(dtype))
    for x, y in zip(ref, low):
        torch.testing.assert_close(y.double(), x, rtol=2e-4, atol=2e-5)


def test_empirical_gradient_matches_finite_differences():
    W, a, tw, ta = problem(4, 3, seed=2)
    X = torch.randn(500, 3, generator=torch.Generator().manual_seed(9), dtype=torch.float64)
    objective = EmpiricalObjective(tw, ta, "relu_centered", X)
    _, gW, _ = objective.value_and_grad(W, a)
    h = 1e-6
    Wp, Wm = W.clone(), W.clone()
    Wp[1, 2] += h
    Wm[1, 2] -= h
    numeric = (objective.loss(Wp, a) - objective.loss(Wm, a)) / (2 * h)
    assert float(gW[1, 2]) == pytest.approx(float(numeric), rel=1e-5)
