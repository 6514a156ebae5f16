import numpy as np
import pytest

from engine.initial import Teacher
from engine.metrics import descent_targets, neuron_metrics

TEACHER = Teacher(np.array([[1.0, 0, 0], [0, 1.0, 0]]), np.array([1.0, -0.5]))


def test_nearest_teacher_angles_and_masses():
    c5, s5 = np.cos(np.radians(5)), np.sin(np.radians(5))
    W = np.array([[2 * c5, 2 * s5, 0], [0, 0.5, 0], [0, 0, 1.0], [-1.0, 0, 0]])
    a = np.array([0.5, -1.0, 0.1, 0.2])
    odd = neuron_metrics(W, a, TEACHER, even=False)
    np.testing.assert_allclose(odd.angle_deg, [5, 0, 90, 90], atol=1e-9)  # −e1 is 180° from e1, 90° from e2
    assert list(odd.nearest[:2]) == [0, 1]
    np.testing.assert_allclose(odd.mass, [1.0, 0.5, 0.1, 0.2])
    np.testing.assert_allclose(odd.captured, [1.0, -0.5])
    assert odd.far_mass == pytest.approx(0.3)
    assert odd.max_active_angle_deg == pytest.approx(90)
    even = neuron_metrics(W, a, TEACHER, even=True)  # −e1 is the same feature as e1
    assert even.angle_deg[3] == pytest.approx(0) and even.captured[0] == pytest.approx(1.2)
    assert even.far_mass == pytest.approx(0.1)


def test_inactive_and_dead_neurons():
    W = np.array([[1.0, 0, 0], [0, 0, 0], [0, 0, 1e-3]])
    a = np.array([1.0, 1.0, 1e-3])
    met = neuron_metrics(W, a, TEACHER, even=False)
    assert list(met.active) == [True, False, False]
    assert met.max_active_angle_deg == 0.0 and np.isfinite(met.angle_deg).all()
    assert list(met.balance) == pytest.approx([0.0, 1.0, 0.0])


def test_descent_targets_split_teacher_mass_and_send_far_neurons_to_zero():
    W = np.array([[1.0, 0.01, 0], [1.0, -0.01, 0], [0, 0, 1.0]])
    a = np.array([1.0, 3.0, 1.0])
    t = descent_targets(W, a, TEACHER, even=False)
    mass = np.abs(a) * np.linalg.norm(W, axis=1)
    q = mass[:2] / mass[:2].sum()
    np.testing.assert_allclose(t[:2], np.sqrt(q)[:, None] * TEACHER.w[0])
    np.testing.assert_array_equal(t[2], 0)
