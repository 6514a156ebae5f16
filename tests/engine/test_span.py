"""The span share (docs/theory.md §6) against an independent computation: an orthonormal basis of the teacher span
from a QR factorization, each student's projection Q Qᵀ w_j formed by hand, the mass |a_j|‖w_j‖ weighting them."""

import numpy as np
import pytest

from engine import config
from engine.history import RunHistory, Snapshot
from engine.initial import Teacher
from engine.metrics import history_metrics, neuron_metrics, spans_input_space, subspace_share
from engine.metrics_series import MetricsSeries

RNG = np.random.default_rng(21)


def random_teacher(d: int, k: int) -> Teacher:
    w = RNG.standard_normal((k, d))
    return Teacher(w / np.linalg.norm(w, axis=1, keepdims=True), RNG.choice([-1.0, 1.0], k))


def by_hand(w: np.ndarray, a: np.ndarray, teacher: Teacher) -> tuple[np.ndarray, float]:
    """(per-neuron ‖Pw_j‖/‖w_j‖, Σ|a_j|‖Pw_j‖ / Σ|a_j|‖w_j‖) with P = Q Qᵀ from the QR of the teacher directions."""
    q, _ = np.linalg.qr(teacher.w.T)  # (d, k): k independent teachers, so Q spans exactly their span
    projected = w @ q @ q.T
    lengths = np.sqrt(np.sum(projected**2, axis=1))
    norms = np.sqrt(np.sum(w**2, axis=1))
    return lengths / norms, np.sum(np.abs(a) * lengths) / np.sum(np.abs(a) * norms)


def history_of(teacher: Teacher, states: list[tuple[np.ndarray, np.ndarray]]) -> RunHistory:
    k, d = teacher.w.shape
    m = len(states[0][1])
    cfg = config.from_dict({"teacher": {"dim": d, "width": k}, "student": {"width": m}})
    history = RunHistory(cfg, teacher)
    for step, (w, a) in enumerate(states):
        history.append(Snapshot(step, 0, w, a, 1.0, 1.0, 0.0))
    return history


@pytest.mark.parametrize("d, k", [(5, 1), (7, 3), (30, 3), (12, 5)])
def test_random_states_match_projections_by_hand(d, k):
    teacher = random_teacher(d, k)
    states = [(RNG.standard_normal((40, d)) * RNG.exponential(1.0, (40, 1)), RNG.standard_normal(40))
              for _ in range(6)]
    history = history_of(teacher, states)
    series = MetricsSeries(history)
    series.update()
    table = history_metrics(history)
    for t, (w, a) in enumerate(states):
        fraction, share = by_hand(w, a, teacher)
        met = neuron_metrics(w, a, teacher, even=False)
        np.testing.assert_allclose(met.in_span, fraction, rtol=1e-12)
        assert met.span_share == pytest.approx(share, rel=1e-12)
        assert series.span_share[t] == pytest.approx(share, rel=1e-12)
        assert table["span_share"][t] == pytest.approx(share, rel=1e-12)
    assert not spans_input_space(teacher.w)


def test_students_in_the_span_count_fully_and_orthogonal_ones_not_at_all():
    d, k, m = 10, 3, 12
    teacher = random_teacher(d, k)
    q, _ = np.linalg.qr(teacher.w.T)
    inside = RNG.standard_normal((m, k)) @ teacher.w  # combinations of the teachers: exactly in the span
    outside = RNG.standard_normal((m, d))
    outside -= outside @ q @ q.T  # the part orthogonal to the span
    a = RNG.standard_normal(m)
    np.testing.assert_allclose(neuron_metrics(inside, a, teacher, even=True).in_span, 1.0, rtol=1e-12)
    assert neuron_metrics(inside, a, teacher, even=True).span_share == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(neuron_metrics(outside, a, teacher, even=True).in_span, 0.0, atol=1e-12)
    assert neuron_metrics(outside, a, teacher, even=True).span_share == pytest.approx(0.0, abs=1e-12)
    # Half the neurons in, half out: the share is the mass of those inside over all the mass.
    w, b = np.vstack([inside, outside]), np.concatenate([a, a[::-1]])
    mass = np.abs(b) * np.linalg.norm(w, axis=1)
    expected = mass[:m].sum() / mass.sum()
    assert neuron_metrics(w, b, teacher, even=False).span_share == pytest.approx(expected, rel=1e-12)
    twice = np.concatenate([a, a])
    series = MetricsSeries(history_of(teacher, [(np.vstack([inside, inside]), twice),
                                                (np.vstack([outside, outside]), twice), (w, b)]))
    series.update()
    np.testing.assert_allclose(series.span_share, [1.0, 0.0, expected], rtol=1e-12, atol=1e-12)


def test_a_neuron_at_a_known_angle_to_the_span():
    teacher = Teacher(np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0]]), np.array([1.0, -1.0]))
    theta = np.radians(30)
    w = np.array([[np.cos(theta), 0, np.sin(theta), 0], [0, 0, 0, 2.0], [0, 0, 0, 0]])  # 30°, 90° away, dead
    a = np.array([3.0, 1.0, 5.0])
    met = neuron_metrics(w, a, teacher, even=False)
    np.testing.assert_allclose(met.in_span, [np.cos(theta), 0.0, 0.0], atol=1e-15)
    assert met.span_share == pytest.approx(3 * np.cos(theta) / (3 + 2))  # the dead neuron has no mass


def test_teachers_that_span_every_direction_give_one_by_construction():
    for d, k in ((3, 3), (2, 3), (3, 4)):
        teacher = random_teacher(d, k)
        w, a = RNG.standard_normal((20, d)), RNG.standard_normal(20)
        assert spans_input_space(teacher.w)
        assert neuron_metrics(w, a, teacher, even=False).span_share == pytest.approx(1.0, rel=1e-12)


def test_share_of_an_arbitrary_subspace_and_of_no_mass():
    basis = np.eye(6)[:3]  # the first three coordinates
    w = np.array([[1.0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1.0]])
    assert subspace_share(w, np.array([1.0, 3.0]), basis) == pytest.approx(0.25)
    assert np.isnan(subspace_share(np.zeros((2, 6)), np.ones(2), basis))
