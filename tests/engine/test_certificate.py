import numpy as np
import pytest

from engine import presets
from engine.certificate import live_certificate, pre_certificate, sphere_grid, teacher_path
from engine.initial import Teacher, angle_matrix_deg
from engine.trainer import train


def random_teacher(rng, k, min_sep_deg, even=True, d=3):
    while True:
        w = rng.standard_normal((k, d))
        w /= np.linalg.norm(w, axis=1, keepdims=True)
        ang = angle_matrix_deg(w, w, even) + 180 * np.eye(k)
        if ang.min() >= min_sep_deg:
            return Teacher(w, rng.choice([-1.0, 1.0], size=k) * rng.uniform(0.5, 2, size=k))


def off_teacher_grid(teacher, n=4000, cap_deg=1.0):
    grid = sphere_grid(n)
    ang = angle_matrix_deg(grid, teacher.w, True).min(axis=1)
    return grid[ang > cap_deg]


@pytest.mark.parametrize("activation", ["relu", "relu_centered", "abs"])
def test_interpolates_signs_with_zero_tangential_gradient(activation):
    teacher = random_teacher(np.random.default_rng(0), 3, 60)
    eta = pre_certificate(teacher, activation)
    np.testing.assert_allclose(eta(teacher.w), np.sign(teacher.a), atol=1e-9)
    h = 1e-5
    for w in teacher.w:
        basis = np.linalg.qr(np.column_stack([w, np.eye(3)]))[0][:, 1:]
        for t in basis.T:
            plus = (w + h * t) / np.linalg.norm(w + h * t)
            minus = (w - h * t) / np.linalg.norm(w - h * t)
            assert abs(eta(plus[None])[0] - eta(minus[None])[0]) / (2 * h) < 1e-4


def test_relu_centered_certifies_separated_teachers():
    rng = np.random.default_rng(1)
    for _ in range(20):
        teacher = random_teacher(rng, int(rng.integers(1, 4)), 60)
        eta = pre_certificate(teacher, "relu_centered")
        assert np.abs(eta(off_teacher_grid(teacher))).max() <= 1 + 1e-6


def test_raw_relu_certificate_can_exceed_one():
    # docs/theory.md §7: raw ReLU exceeded 1 in about a quarter of random cases; the app must show it, not clip it.
    rng = np.random.default_rng(2)
    peaks = [
        np.abs(pre_certificate(t, "relu")(off_teacher_grid(t))).max()
        for t in (random_teacher(rng, 3, 60, even=False) for _ in range(20))
    ]
    assert max(peaks) > 1.01


def test_decay_is_quadratic_near_teachers():
    teacher = random_teacher(np.random.default_rng(3), 3, 60)
    eta = pre_certificate(teacher, "relu_centered")
    w = teacher.w[0]
    t = np.linalg.qr(np.column_stack([w, np.eye(3)]))[0][:, 1]
    gap = [1 - abs(eta((np.cos(th) * w + np.sin(th) * t)[None])[0]) for th in (0.02, 0.04)]
    assert gap[0] > 0 and gap[1] / gap[0] == pytest.approx(4, rel=0.1)


def test_live_certificate_equals_sign_at_active_neurons_of_a_converged_run():
    h = train(presets.load("paper"), until=5980)  # inside one λ interval: near its stationary point
    snap = h.snapshot(-1)
    norms = np.linalg.norm(snap.student_w, axis=1)
    mass = np.abs(snap.student_a) * norms
    big = mass > 0.1 * mass.max()
    eta, scaled = live_certificate(
        snap.student_w[big] / norms[big, None],
        snap.student_w,
        snap.student_a,
        h.teacher,
        "relu_centered",
        snap.weight_decay,
    )
    assert scaled
    np.testing.assert_allclose(eta, np.sign(snap.student_a[big]), atol=0.05)


def test_live_certificate_without_weight_decay_is_unscaled():
    h = train(presets.load("no-weight-decay"), until=0)
    s = h.snapshot(0)
    _, scaled = live_certificate(sphere_grid(10), s.student_w, s.student_a, h.teacher, "relu_centered", 0.0)
    assert not scaled


def test_teacher_path_passes_through_every_teacher():
    teacher = random_teacher(np.random.default_rng(5), 3, 60)
    path = teacher_path(teacher.w)
    np.testing.assert_allclose(np.linalg.norm(path.points, axis=1), 1, atol=1e-12)
    pos, dist = path.locate(teacher.w)
    np.testing.assert_allclose(pos, path.teacher_arclength, atol=1e-9)
    assert dist.max() < 1e-4  # degrees
    two = teacher_path(teacher.w[:2])
    assert two.arclength[-1] == pytest.approx(2 * np.pi, rel=0.01)
