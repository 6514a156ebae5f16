"""Each preset demonstrates something (issue 2); these runs check that it does. Full runs: marked slow."""

import numpy as np
import pytest

from engine.metrics import neuron_metrics

from .trained import trained

pytestmark = pytest.mark.slow


def final_metrics(name):
    history = trained(name)  # shared with test_doc_numbers.py
    snap = history.snapshot(-1)
    return history, snap, neuron_metrics(snap.student_w, snap.student_a, history.teacher, history.config.is_even)


@pytest.mark.parametrize("name", ["paper", "paper-relu"])
def test_weight_decay_recovers_every_teacher(name):
    history, snap, met = final_metrics(name)
    assert met.max_active_angle_deg <= 2.0
    assert met.far_mass <= 1e-3 * met.mass.sum()
    np.testing.assert_allclose(met.captured, history.teacher.a, rtol=0.02)
    assert snap.loss < 1e-5


def test_without_weight_decay_mass_lingers_far_away():
    _, _, centred = final_metrics("no-weight-decay")
    _, _, relu = final_metrics("relu-no-weight-decay")
    _, _, paper = final_metrics("paper")
    assert centred.max_active_angle_deg > 10 * max(paper.max_active_angle_deg, 1.0)
    assert relu.far_mass == pytest.approx(0.2, abs=0.05)  # docs/theory.md §8: ≈ 0.20 stays


def test_lazy_regime_fits_without_moving_directions():
    history = trained("lazy")
    loss = history.view()["loss"]
    assert loss[0] / loss[-1] >= 100
    start, end = (
        neuron_metrics(history.snapshot(i).student_w, history.snapshot(i).student_a, history.teacher, True)
        for i in (0, -1)
    )
    moved = np.degrees(np.arccos(np.clip(np.sum(start.directions * end.directions, axis=1), -1, 1)))
    assert moved.mean() < 2.0


@pytest.mark.parametrize("name, dim", [("three-stage", 10), ("high-dim", 30)])
def test_three_stage_procedure_reaches_tiny_loss(name, dim):
    history, snap, _ = final_metrics(name)
    assert history.config.teacher.dim == dim and history.config.optim.mode == "three_stage"
    assert snap.loss <= 1e-6


def test_circle_recovers_in_two_dimensions():
    history, _, met = final_metrics("circle")
    assert history.config.teacher.dim == 2
    assert met.max_active_angle_deg <= 2.0
    np.testing.assert_allclose(met.captured, history.teacher.a, rtol=0.02)


def test_few_samples_are_fitted_without_finding_the_teachers():
    history, snap, met = final_metrics("few-samples")
    assert history.config.loss.kind == "empirical" and history.config.loss.samples <= 20
    assert snap.loss < 1e-3  # the ten samples are fitted...
    assert snap.population_loss > 50 * snap.loss and snap.population_loss > 1e-2  # ...the function is not learned
    assert met.max_active_angle_deg > 20.0
    assert np.max(np.abs(met.captured - history.teacher.a)) > 0.5  # some teacher is missed


def test_online_sgd_recovers_every_teacher_and_generalizes():
    history, snap, met = final_metrics("online")
    assert history.config.loss.kind == "online"
    assert met.max_active_angle_deg <= 2.0
    assert met.far_mass <= 1e-3 * met.mass.sum()
    np.testing.assert_allclose(met.captured, history.teacher.a, rtol=0.02)
    assert snap.population_loss < 1e-5
