"""The loss on samples: analytic gradients against autograd, blocking, both backends, the batch streams."""

import numpy as np
import pytest
import torch

from engine import empirical
from engine.batches import Minibatches, OnlineBatches, step_seed
from engine.empirical import EmpiricalObjective, second_moments, teacher_outputs
from engine.kernels import activation_fn
from engine.objective import AutogradEmpiricalObjective, PopulationObjective

from .test_objective import problem as population_problem

ACTIVATIONS = ("relu", "relu_centered", "abs")


def problem(m, d, n, k=3, seed=0, dtype=torch.float64):
    """test_objective's random student and teacher, and n Gaussian samples."""
    X = torch.randn(n, d, generator=torch.Generator().manual_seed(seed + 1), dtype=torch.float64)
    return [*population_problem(m, d, k, seed, dtype), X.to(dtype)]


def assert_same(got, want, rtol=1e-10):
    for x, y in zip(got, want):
        scale = float(y.abs().max())
        assert float((x - y).abs().max()) <= rtol * scale, (x, y)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("m, d, n", [(1, 3, 50), (7, 3, 400), (40, 10, 3000), (300, 2, 200)])
def test_analytic_matches_autograd(activation, m, d, n, backend, monkeypatch):
    monkeypatch.setattr(empirical, "FORCE_BACKEND", backend)
    W, a, tw, ta, X = problem(m, d, n)
    got = EmpiricalObjective(tw, ta, activation, X).value_and_grad(W, a)
    want = AutogradEmpiricalObjective(tw, ta, activation, X).value_and_grad(W, a)
    assert_same(got, want)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_blocks_with_a_ragged_last_one_match_one_block(backend, monkeypatch):
    W, a, tw, ta, X = problem(20, 3, 1001)
    monkeypatch.setattr(empirical, "FORCE_BACKEND", backend)
    whole = AutogradEmpiricalObjective(tw, ta, "relu_centered", X).value_and_grad(W, a)
    monkeypatch.setattr(empirical, "BLOCK_ELEMENTS", 20 * 64)  # 64 rows per block; 1001 = 15 x 64 + 41
    assert empirical._rows(1001, 20, "cpu") == 64
    assert_same(EmpiricalObjective(tw, ta, "relu_centered", X).value_and_grad(W, a), whole)


def test_small_cpu_problems_run_in_numpy_and_large_ones_in_torch():
    assert empirical._use_numpy("cpu", 100, 50, 3) and not empirical._use_numpy("cuda", 100, 50, 3)
    assert not empirical._use_numpy("cpu", 20_000, 50, 3) and not empirical._use_numpy("cpu", 100, 50, 100)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dead_and_duplicate_neurons_match_autograd(activation):
    W, a, tw, ta, X = problem(5, 3, 300)
    W[0] = 0.0  # a dead neuron: its pre-activations are all exactly 0
    W[2] = W[1]
    L, gW, ga = EmpiricalObjective(tw, ta, activation, X).value_and_grad(W, a)
    assert torch.isfinite(L) and torch.isfinite(gW).all() and torch.isfinite(ga).all()
    _, gW2, ga2 = AutogradEmpiricalObjective(tw, ta, activation, X).value_and_grad(W, a)
    torch.testing.assert_close(gW[1:], gW2[1:], rtol=1e-10, atol=1e-14)
    torch.testing.assert_close(ga, ga2, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_float32_agrees_with_float64(backend, monkeypatch):
    monkeypatch.setattr(empirical, "FORCE_BACKEND", backend)
    W, a, tw, ta, X = problem(50, 3, 2000)
    ref = EmpiricalObjective(tw, ta, "relu_centered", X).value_and_grad(W, a)
    low = EmpiricalObjective(*(x.float() for x in (tw, ta)), "relu_centered", X.float()).value_and_grad(
        W.float(), a.float()
    )
    for x, y in zip(ref, low):
        assert y.dtype == torch.float32
        torch.testing.assert_close(y.double(), x, rtol=1e-4, atol=1e-5)


def test_gradient_matches_finite_differences():
    W, a, tw, ta, X = problem(4, 3, 500, seed=2)
    objective = EmpiricalObjective(tw, ta, "abs", X)
    _, gW, ga = objective.value_and_grad(W, a)
    h = 1e-6
    for j, c in [(0, 0), (1, 2), (3, 1)]:
        Wp, Wm = W.clone(), W.clone()
        Wp[j, c] += h
        Wm[j, c] -= h
        numeric = (objective.loss(Wp, a) - objective.loss(Wm, a)) / (2 * h)
        assert float(gW[j, c]) == pytest.approx(float(numeric), rel=1e-5)
    ap, am = a.clone(), a.clone()
    ap[2] += h
    am[2] -= h
    assert float(ga[2]) == pytest.approx(float((objective.loss(W, ap) - objective.loss(W, am)) / (2 * h)), rel=1e-6)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_teacher_outputs_and_second_moments_match_the_features(activation, monkeypatch):
    monkeypatch.setattr(empirical, "BLOCK_ELEMENTS", 97)  # many blocks
    W, _, tw, ta, X = problem(6, 3, 500)
    y = activation_fn(X @ tw.T, torch.ones(3, dtype=X.dtype), activation) @ ta
    torch.testing.assert_close(teacher_outputs(X, tw, ta, activation), y, rtol=1e-12, atol=1e-12)
    F = activation_fn(X @ W.T, torch.linalg.vector_norm(W, dim=1), activation)
    G, b = second_moments(X, y, W, activation)
    torch.testing.assert_close(G, F.T @ F / 500, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(b, F.T @ y / 500, rtol=1e-12, atol=1e-12)


def test_online_batches_are_gaussian_and_their_mean_loss_is_the_population_loss():
    W, a, tw, ta, _ = problem(8, 3, 1)
    batches = OnlineBatches(seed=3, batch=500, dim=3, teacher_w=tw, teacher_a=ta, act="relu_centered")
    X = torch.cat([batches.at(t)[0] for t in range(40)])  # 20,000 samples
    np.testing.assert_allclose(X.mean(0).numpy(), 0, atol=0.03)
    np.testing.assert_allclose(torch.cov(X.T).numpy(), np.eye(3), atol=0.04)
    reference = [AutogradEmpiricalObjective(tw, ta, "relu_centered", batches.at(t)[0]) for t in range(40)]
    losses = [float(objective.loss(W, a)) for objective in reference]
    exact = float(PopulationObjective(tw, ta, "relu_centered").loss(W, a))
    sem = np.std(losses) / np.sqrt(len(losses))
    assert abs(np.mean(losses) - exact) < 4 * sem


def test_batches_depend_on_seed_and_step_only():
    _, _, tw, ta, X = problem(2, 3, 100)
    a, b = (OnlineBatches(1, 16, 3, tw, ta, "abs") for _ in range(2))
    b.at(7)  # drawing another step first changes nothing
    torch.testing.assert_close(a.at(5), b.at(5), rtol=0, atol=0)
    assert not torch.equal(a.at(5)[0], a.at(6)[0])
    assert not torch.equal(a.at(5)[0], OnlineBatches(2, 16, 3, tw, ta, "abs").at(5)[0])
    y = teacher_outputs(X, tw, ta, "abs")
    mini = Minibatches(1, 30, X, y)
    Xb, yb = mini.at(4)
    assert Xb.shape == (30, 3) and torch.equal(Xb, mini.at(4)[0])
    # every drawn row is one of the samples, with its own target
    rows = [int(torch.nonzero((x == X).all(1))[0]) for x in Xb]
    torch.testing.assert_close(yb, y[rows], rtol=0, atol=0)
    assert len({step_seed(0, 1, t) for t in range(1000)}) == 1000 and step_seed(2**40, 2, 2**40) < 2**63


@pytest.mark.slow
def test_a_million_samples_stay_within_the_memory_the_config_promises():
    from engine.bench import empirical_memory

    mem = empirical_memory(10**6, steps=2)  # two fresh processes: n = 10^6 against n = 1,000
    # n x m = 5 * 10^7 entries would be 381 MiB per (n x m) matrix if a step formed one whole
    assert 0 < mem["added_mib"] <= mem["bound_mib"] == pytest.approx(61.0, abs=0.1)
