"""The sphere view's scene (Qt-free): what it draws for a snapshot, checked against the engine's own numbers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from engine import presets
from engine.config import apply_overrides
from engine.metrics import neuron_metrics, unit_rows
from engine.projection import display_projection
from engine.trainer import Trainer, train
from featlearn_gui import palette
from featlearn_gui.palette import rgba
from featlearn_gui.scene import (
    INACTIVE_ALPHA,
    NEGATIVE,
    POSITIVE,
    ViewOptions,
    build_scene,
    great_circle_trails,
    heat_rgba,
)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny runs: threads only add overhead
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def paper():
    return train(apply_overrides(presets.load("paper"), ["optim.steps=400"]))


def _rows_match(a: np.ndarray, b: np.ndarray) -> bool:
    """Every row of b appears in a (up to rounding)."""
    return all(np.min(np.linalg.norm(a - row, axis=1)) < 1e-9 for row in b)


def test_even_activation_marks_both_signs_of_each_teacher(paper):
    assert paper.config.is_even  # relu_centered
    scene = build_scene(paper, 0, ViewOptions(fold=False, colour="sign"))
    w = paper.teacher.w
    assert len(scene.teachers.positions) == 2 * len(w)
    assert _rows_match(scene.teachers.positions, np.vstack([w, -w]))
    both = np.concatenate([np.sign(paper.teacher.a)] * 2)
    assert np.allclose(scene.teachers.colors, np.where(both[:, None] > 0, POSITIVE, NEGATIVE))


def test_odd_activation_marks_each_teacher_once():
    history = train(apply_overrides(presets.load("paper-relu"), ["optim.steps=20"]))
    scene = build_scene(history, -1, ViewOptions())
    assert _rows_match(scene.teachers.positions, history.teacher.w)
    assert len(scene.teachers.positions) == len(history.teacher.w)


def test_student_size_grows_with_mass_and_colour_follows_sign(paper):
    snap = paper.snapshot(-1)
    met = neuron_metrics(snap.student_w, snap.student_a, paper.teacher, True)
    scene = build_scene(paper, -1, ViewOptions(fade_inactive=False, fold=False, colour="sign"))
    order = np.argsort(met.mass, kind="stable")  # the scene draws heaviest last
    assert np.all(np.diff(scene.students.sizes) >= 0)
    assert scene.students.sizes[-1] > scene.students.sizes[0]
    assert np.allclose(scene.students.positions, met.directions[order])
    positive = snap.student_a[order] > 0
    assert np.allclose(scene.students.colors[positive], POSITIVE)
    assert np.allclose(scene.students.colors[~positive], NEGATIVE)


def test_inactive_neurons_are_faded_only_when_asked(paper):
    snap = paper.snapshot(0)
    a = snap.student_a.copy()
    a[::5] *= 1e-6  # neurons weight decay would have switched off: below the engine's activity threshold
    history = Trainer(paper.config).new_history()
    history.append(replace(snap, student_a=a))
    met = neuron_metrics(snap.student_w, a, paper.teacher, True)
    assert (~met.active).sum() == len(a[::5])
    order = np.argsort(met.mass, kind="stable")
    faded = build_scene(history, 0, ViewOptions()).students.colors[:, 3]
    assert np.allclose(faded[~met.active[order]], INACTIVE_ALPHA)
    assert np.allclose(faded[met.active[order]], 1.0)
    plain = build_scene(history, 0, ViewOptions(fade_inactive=False)).students.colors[:, 3]
    assert np.allclose(plain, 1.0)


def test_circle_for_two_dimensions():
    history = train(apply_overrides(presets.load("circle"), ["optim.steps=40"]))
    scene = build_scene(history, -1, ViewOptions(trails=True, arrows=True, certificate="pre"))
    assert scene.dim == 2
    assert scene.students.positions.shape[1] == 2
    assert np.allclose(np.linalg.norm(scene.students.positions, axis=1), 1.0)
    assert scene.heat.points.shape[1] == 2
    assert scene.projection_label == ""


def test_high_dimension_is_projected_and_says_so():
    history = train(apply_overrides(presets.load("high-dim"), ["optim.steps=4"]))
    scene = build_scene(history, -1, ViewOptions(certificate="live"))
    assert scene.dim == 3
    assert "projection of R^30" in scene.projection_label
    assert np.all(np.linalg.norm(scene.students.positions, axis=1) <= 1 + 1e-9)  # a projection, not a renormalization
    assert np.allclose(np.linalg.norm(scene.teachers.positions, axis=1), 1.0)  # k = 3: the teacher span is shown


def test_projected_caption_says_how_much_mass_lies_outside_the_displayed_subspace():
    history = train(apply_overrides(presets.load("high-dim"), ["optim.steps=4", "teacher.width=2"]))
    basis = display_projection(history.teacher.w).basis  # k = 2: the teacher span completed to three dimensions

    def outside_by_hand(i):
        snap = history.snapshot(i)
        norms = np.linalg.norm(snap.student_w, axis=1)
        shown = np.linalg.norm(snap.student_w @ basis.T, axis=1)  # length of each neuron's displayed part
        return 1 - np.sum(np.abs(snap.student_a) * shown) / np.sum(np.abs(snap.student_a) * norms)

    shares = []
    for i in (0, 1):
        label = build_scene(history, i, ViewOptions()).projection_label
        assert label.startswith("projection of R^30") and label.endswith("\u00a0% of the mass lies outside it")
        shares.append(float(label.split("; ")[1].split("\u00a0%")[0]) / 100)
        assert shares[-1] == pytest.approx(outside_by_hand(i), rel=0.05)  # two significant digits
    assert shares[0] > 0.5 and shares[1] < 0.02  # the first large step lands in the span
    scene = build_scene(history, -1, ViewOptions())
    hover = scene.student_info.describe(0)
    j = scene.student_info.index[0]
    w = history.snapshot(-1).student_w[j]
    q, _ = np.linalg.qr(history.teacher.w.T)
    assert f"{100 * np.linalg.norm(w @ q) / np.linalg.norm(w):.3g} % in the teacher span" in hover


def test_trails_end_at_the_current_directions(paper):
    options = ViewOptions(trails=True, trail_length=5)
    scene = build_scene(paper, 10, options)
    assert scene.trails.shape[0] == len(scene.students.positions) and scene.trails.shape[1] >= 5
    assert scene.trail_connect.shape == (scene.trails.shape[0], scene.trails.shape[1] - 1)
    assert np.allclose(scene.trails[:, -1], scene.students.positions)
    early = build_scene(paper, 1, options)
    assert early.trails.shape[1] >= 2  # only two snapshots exist so far


def test_trails_follow_great_circles_between_snapshots(paper):
    scene = build_scene(paper, 12, ViewOptions(trails=True, trail_length=13, fold=False))
    paths, connect = scene.trails, scene.trail_connect
    assert np.allclose(np.linalg.norm(paths, axis=-1), 1.0)  # every point on the sphere: no chords inside
    w = paper.view()["student_w"][: 13]
    snaps, _ = unit_rows(np.asarray(w, dtype=np.float64))  # (L, m, d)
    order = np.argsort(neuron_metrics(*_last(paper, 12), paper.teacher, True).mass, kind="stable")
    arcs = np.arccos(np.clip(np.sum(snaps[:-1] * snaps[1:], axis=-1), -1, 1))[:, order].T  # (m, L − 1)
    chord = np.linalg.norm(np.diff(paths, axis=1), axis=-1)  # (m, P − 1)
    # no drawn segment is longer than the longest arc of a recorded step, and the early steps are subdivided
    assert np.all(chord[connect] <= 2 * np.sin(arcs.max() / 2) + 1e-12)
    assert paths.shape[1] > 13
    # each recorded direction is on the path
    for t in range(13):
        gap = np.linalg.norm(paths[:, :, None, :] - snaps[t][order][:, None, None, :], axis=-1).min(axis=(1, 2))
        assert gap.max() < 1e-9


def test_trails_break_where_a_norm_passes_through_zero(paper):
    snap = paper.snapshot(5)
    history = Trainer(paper.config).new_history()
    w = snap.student_w.copy()
    for t, scale in enumerate([1.0, 0.5, -0.5, -1.0]):  # neuron 0 flips through zero between the 2nd and 3rd
        w2 = w.copy()
        w2[0] = scale * w[0]
        history.append(replace(snap, step=t, student_w=w2))
    paths, connect = great_circle_trails(history, -1, 4, _identity(3))
    assert connect[0].sum() == connect.shape[1] - 1  # exactly the flip is a gap (the other steps do not move)
    assert connect[1:].all()


def _identity(d):
    from engine.projection import display_projection

    return display_projection(np.eye(d))


def _last(history, index):
    snap = history.snapshot(index)
    return snap.student_w, snap.student_a


def test_role_colours_follow_the_engines_metrics(paper):
    snap = paper.snapshot(-1)
    met = neuron_metrics(snap.student_w, snap.student_a, paper.teacher, True)
    scene = build_scene(paper, -1, ViewOptions(fade_inactive=False))
    order = np.argsort(met.mass, kind="stable")
    colors, info = scene.students.colors, scene.student_info
    assert np.array_equal(info.index, order)
    captured = met.near[order] & met.active[order]
    far = ~met.near[order] & met.active[order]
    assert captured.any() and far.any()
    for row in np.flatnonzero(captured):
        assert np.allclose(colors[row], rgba(palette.teacher_colour(int(met.nearest[order][row]))))
    assert np.allclose(colors[far], rgba(palette.FAR))
    assert np.allclose(colors[~met.active[order]], rgba(palette.INACTIVE))
    assert set(info.role[captured]) <= {"captured"} and set(info.role[far]) == {"far"}
    # teachers wear their own colours, once each when folded, and say what they captured
    assert np.allclose(scene.teachers.colors, [rgba(palette.teacher_colour(i)) for i in range(3)])
    assert np.allclose(scene.teacher_info.captured, met.captured)
    assert scene.teacher_info.count.sum() == met.near.sum()
    text = info.describe(len(order) - 1)
    assert f"neuron {order[-1]}" in text and "mass" in text and "°" in text
    assert "captured mass" in scene.teacher_info.describe(0)


def test_fold_draws_each_neuron_at_the_copy_nearest_its_teacher(paper):
    snap = paper.snapshot(-1)
    met = neuron_metrics(snap.student_w, snap.student_a, paper.teacher, True)
    order = np.argsort(met.mass, kind="stable")
    folded = build_scene(paper, -1, ViewOptions(fold=True)).students.positions
    plain = build_scene(paper, -1, ViewOptions(fold=False)).students.positions
    teacher = paper.teacher.w[met.nearest[order]]
    assert np.allclose(np.abs(folded), np.abs(plain))  # ±: the same feature
    assert np.all(np.sum(folded * teacher, axis=1) >= 0)  # the copy on its teacher's side: the nearer one
    flipped = np.sum(plain * teacher, axis=1) < 0
    assert flipped.any()  # the run has neurons at −w*: the fold moved them
    assert np.allclose(folded[flipped], -plain[flipped])


def test_fold_does_nothing_for_odd_activations():
    history = train(apply_overrides(presets.load("paper-relu"), ["optim.steps=20"]))
    a = build_scene(history, -1, ViewOptions(fold=True)).students.positions
    b = build_scene(history, -1, ViewOptions(fold=False)).students.positions
    assert np.array_equal(a, b)


def test_arrows_point_far_neurons_to_the_centre_and_near_ones_to_their_teacher(paper):
    snap = paper.snapshot(-1)
    met = neuron_metrics(snap.student_w, snap.student_a, paper.teacher, True)
    arrows = build_scene(paper, -1, ViewOptions(arrows=True)).arrows
    start, end = arrows[:, 0], arrows[:, 1]
    assert len(arrows) == met.active.sum()
    near = met.near[met.active]
    assert (~near).any() and near.any()
    assert np.all(np.linalg.norm(end[~near], axis=1) < np.linalg.norm(start[~near], axis=1))
    teacher = paper.teacher.w[met.nearest[met.active][near]]

    def angle(u, v):
        cos = np.abs(np.sum(u * v, axis=1)) / np.linalg.norm(u, axis=1) / np.linalg.norm(v, axis=1)
        return np.arccos(np.clip(cos, -1, 1))

    assert np.all(angle(end[near], teacher) <= angle(start[near], teacher) + 1e-12)


def test_certificate_that_exceeds_one_is_reported_not_clipped():
    history = train(apply_overrides(presets.load("paper-relu"), ["optim.steps=20"]))
    heat = build_scene(history, -1, ViewOptions(certificate="pre")).heat
    assert heat.exceeds and np.abs(heat.values).max() > 1.0
    assert "not certified" in heat.status and "> 1" in heat.status
    colors = heat.colors()
    over = heat.values > 1.0
    assert over.any()
    # beyond ±1 a distinct colour: never the colour of η = ±1
    assert not np.allclose(colors[over][0], heat_rgba(np.array([1.0]))[0])


def test_certified_teacher_and_live_certificate(paper):
    pre = build_scene(paper, -1, ViewOptions(certificate="pre")).heat
    assert not pre.exceeds and "certified" in pre.status
    live = build_scene(paper, -1, ViewOptions(certificate="live")).heat
    assert live.kind == "live" and live.values.shape == live.points.shape[:-1]


def test_bad_certificate_kind_is_refused(paper):
    with pytest.raises(ValueError, match="certificate must be one of"):
        build_scene(paper, 0, ViewOptions(certificate="on"))
