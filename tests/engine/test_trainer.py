import numpy as np
import pytest
import torch

from engine import config, presets
from engine.history import RunHistory
from engine.numpy_reference import gd
from engine.trainer import Diverged, Trainer, train, weight_decay_at


def short(name="paper", *overrides):
    return config.apply_overrides(presets.load(name), ["optim.steps=200", *overrides])


def test_same_config_and_seed_reproduce_the_history():
    a, b = train(short()), train(short())
    for key, value in a.view().items():
        np.testing.assert_array_equal(b.view()[key], value)


def test_other_seed_gives_another_start():
    a, b = train(short(), until=0), train(short("paper", "seed=1"), until=0)
    assert not np.allclose(a.view()["student_w"][0], b.view()["student_w"][0])


def test_trainer_follows_the_plain_numpy_implementation():
    cfg = short("paper", "optim.decay_every=50")
    trainer = Trainer(cfg)
    W0, a0 = trainer.W.numpy().copy(), trainer.a.numpy().copy()
    history = trainer.new_history()
    for snap in trainer.run(until=120):
        history.append(snap)
    W, a, losses = gd(
        W0, a0, trainer.teacher.w, trainer.teacher.a, "relu_centered", 0.5, lambda t: weight_decay_at(cfg, t), 120
    )
    np.testing.assert_allclose(history.snapshot(-1).student_w, W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(history.snapshot(-1).student_a, a, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(history.view()["loss"][:-1], losses[history.steps[:-1]], rtol=1e-9)


def test_weight_decay_schedule_halves_and_floors():
    cfg = presets.load("paper")
    assert weight_decay_at(cfg, 0) == 1e-2 and weight_decay_at(cfg, 1999) == 1e-2
    assert weight_decay_at(cfg, 2000) == 5e-3
    assert weight_decay_at(cfg, 15_000) == 1e-4  # 1e-2 / 2^7 < 1e-4: floored


def test_objective_is_loss_plus_penalty():
    snap = train(short(), until=40).snapshot(-1)
    penalty = 0.5 * (np.sum(snap.student_a**2) + np.sum(snap.student_w**2))
    assert snap.objective == pytest.approx(snap.loss + snap.weight_decay * penalty, rel=1e-12)


def test_run_resumes_where_it_stopped():
    trainer = Trainer(short())
    first = [s.step for s in trainer.run(until=50)]
    second = [s.step for s in trainer.run(until=100)]
    assert first == [0, 20, 40, 50] and second == [60, 80, 100]
    whole = train(short(), until=100)
    np.testing.assert_array_equal(whole.snapshot(-1).student_w, trainer.W.numpy())


def test_float32_run_tracks_float64():
    h64 = train(short(), until=200)
    h32 = train(short("paper", "dtype=float32"), until=200)
    assert h32.view()["student_w"].dtype == np.float32
    np.testing.assert_allclose(h32.view()["loss"], h64.view()["loss"], rtol=1e-3)


def test_divergence_stops_with_step_and_keeps_finite_history():
    cfg = short("paper", "optim.lr=500")
    trainer = Trainer(cfg)
    history = trainer.new_history()
    with pytest.raises(Diverged) as info:
        for snap in trainer.run():
            history.append(snap)
    assert info.value.step > 0 and "optim.lr" in str(info.value)
    assert len(history) >= 1 and np.isfinite(history.view()["student_w"]).all()
    assert np.isfinite(history.view()["loss"]).all()


def test_cuda_device_without_gpu_is_a_config_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(config.ConfigError, match="device = 'cuda'"):
        Trainer(short("paper", "device=cuda"))


def test_symmetric_init_starts_at_zero_function():
    trainer = Trainer(presets.load("lazy"))
    W, a = trainer.W.numpy(), trainer.a.numpy()
    np.testing.assert_array_equal(W[0::2], W[1::2])
    np.testing.assert_array_equal(a[0::2], -a[1::2])


def test_three_stage_records_stage_boundaries_and_first_step_finds_the_span():
    cfg = config.apply_overrides(presets.load("three-stage"), ["optim.steps=40"])
    trainer = Trainer(cfg)
    history = trainer.new_history()
    for snap in trainer.run():
        history.append(snap)
    assert list(history.steps[:4]) == [0, 1, 2, 20] and list(history.view()["stage"][:4]) == [1, 1, 2, 3]
    W1 = history.snapshot(1).student_w.astype(np.float64)
    span = np.linalg.qr(trainer.teacher.w.T)[0]  # (d, k)
    energy = np.sum((W1 @ span) ** 2) / np.sum(W1**2)
    assert energy > 0.9  # docs/theory.md §5: 97 % at d = 10
    # Stage 2 is a ridge fit: the loss drops by an order of magnitude in one step.
    assert history.view()["loss"][2] < 0.1 * history.view()["loss"][1]
    # ...and rebalances every neuron: |a_j| = ‖w_j‖.
    s2 = history.snapshot(2)
    np.testing.assert_allclose(np.abs(s2.student_a), np.linalg.norm(s2.student_w, axis=1), rtol=1e-8)


def test_empirical_loss_trains():
    cfg = short("paper", "loss.kind=empirical", "loss.samples=2000")
    h = train(cfg, until=100)
    assert h.view()["loss"][-1] < 0.5 * h.view()["loss"][0]


def test_a_saved_run_resumes_exactly_where_it_stopped(tmp_path):
    cfg = short()
    first = train(cfg, until=100)
    first.save(tmp_path / "run.npz")
    loaded = RunHistory.load(tmp_path / "run.npz")
    trainer = Trainer.resume(loaded)
    for snap in trainer.run(until=200):
        loaded.append(snap)
    whole = train(cfg, until=200)
    assert list(loaded.steps) == list(whole.steps)
    np.testing.assert_array_equal(loaded.view()["student_w"], whole.view()["student_w"])


def test_resume_refuses_a_foreign_teacher():
    history = train(short(), until=20)
    history.teacher = type(history.teacher)(history.teacher.w[::-1].copy(), history.teacher.a)
    with pytest.raises(ValueError, match="cannot be continued"):
        Trainer.resume(history)


def finite(*overrides):
    return short("paper", "optim.steps=100", *overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        ("loss.kind=online", "loss.batch=64"),
        ("loss.kind=empirical", "loss.samples=500", "loss.batch=32"),
        ("loss.kind=online", "loss.batch=64", "dtype=float32"),
    ],
)
def test_a_stochastic_run_resumes_bit_identically_from_its_file(tmp_path, overrides):
    cfg = finite(*overrides)
    first = train(cfg, until=60)
    first.save(tmp_path / "run.npz")
    loaded = RunHistory.load(tmp_path / "run.npz")
    for snap in Trainer.resume(loaded).run(until=100):
        loaded.append(snap)
    whole = train(cfg, until=100)
    assert list(loaded.steps) == list(whole.steps)
    for key, value in whole.view().items():
        np.testing.assert_array_equal(loaded.view()[key], value, err_msg=key)


def test_online_runs_depend_on_the_seed():
    a = train(finite("loss.kind=online", "loss.batch=64"), until=20).view()
    b = train(finite("loss.kind=online", "loss.batch=64", "seed=1"), until=20).view()
    assert not np.array_equal(a["loss"], b["loss"])


def autograd_gd(cfg, X, steps):
    """Full-batch GD on the empirical loss, gradients by autograd: the reference the trainer must follow."""
    from engine.objective import AutogradEmpiricalObjective

    trainer = Trainer(cfg)
    W, a = trainer.W.clone(), trainer.a.clone()
    tw, ta = torch.from_numpy(trainer.teacher.w), torch.from_numpy(trainer.teacher.a)
    objective = AutogradEmpiricalObjective(tw, ta, cfg.model.activation, X)
    for t in range(steps):
        _, gW, ga = objective.value_and_grad(W, a)
        lam = weight_decay_at(cfg, t)
        W, a = W * (1 - cfg.optim.lr * lam) - cfg.optim.lr * gW, a * (1 - cfg.optim.lr * lam) - cfg.optim.lr * ga
    return W.numpy(), a.numpy(), objective


def test_empirical_run_follows_autograd_gradient_descent():
    cfg = finite("loss.kind=empirical", "loss.samples=3000", "optim.decay_every=20")
    trainer = Trainer(cfg)
    X = trainer.objective.X.clone()
    snaps = list(trainer.run(until=60))
    W, a, _ = autograd_gd(cfg, X, 60)
    np.testing.assert_allclose(snaps[-1].student_w, W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(snaps[-1].student_a, a, rtol=1e-9, atol=1e-12)


def test_population_loss_is_recorded_beside_the_training_loss():
    from engine.objective import AutogradEmpiricalObjective, autograd_population_loss

    population = train(short(), until=40).view()
    np.testing.assert_array_equal(population["population_loss"], population["loss"])
    cfg = finite("loss.kind=empirical", "loss.samples=400", "loss.batch=50")
    trainer = Trainer(cfg)
    X = trainer.objective.X.clone()
    tw, ta = torch.from_numpy(trainer.teacher.w), torch.from_numpy(trainer.teacher.a)
    reference = AutogradEmpiricalObjective(tw, ta, cfg.model.activation, X)
    for snap in trainer.run(until=40):
        W, a = torch.tensor(snap.student_w), torch.tensor(snap.student_a)
        exact = autograd_population_loss(W, a, tw, ta, cfg.model.activation)
        assert snap.population_loss == pytest.approx(float(exact), rel=1e-9)
        # a minibatch step still records the loss on all n samples
        assert snap.loss == pytest.approx(float(reference.loss(W, a)), rel=1e-10)


def test_three_stage_runs_on_samples_and_online():
    for overrides in (("loss.kind=empirical", "loss.samples=4000"), ("loss.kind=online", "loss.batch=4000")):
        cfg = config.apply_overrides(presets.load("three-stage"), ["optim.steps=20", *overrides])
        loss = train(cfg).view()["population_loss"]
        assert loss[2] < 0.2 * loss[1]  # the ridge fit on samples still fits the second layer
