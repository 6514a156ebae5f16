"""Branching a run at a recorded step: the child starts from the parent's snapshot with its own settings."""

import dataclasses

import numpy as np
import pytest

from engine import config, presets
from engine.branch import BranchError, branch_history
from engine.config import ConfigError
from engine.history import RUN_KEYS, RunFileError, RunHistory
from engine.lineage import LINEAGE_KEYS, Kick
from engine.numpy_reference import gd
from engine.trainer import Trainer, train


def short(*overrides, name="paper"):
    return config.apply_overrides(presets.load(name), ["optim.steps=200", "record.every=20", *overrides])


def finish(child: RunHistory) -> RunHistory:
    trainer = Trainer.resume(child)
    for snap in trainer.run():
        child.append(snap)
    return child


@pytest.fixture(scope="module")
def parent():
    return train(short("optim.decay_every=50"))


@pytest.mark.parametrize(
    "overrides, step",
    [
        pytest.param(["optim.decay_every=50"], 80, id="population"),
        pytest.param(["optim.decay_every=50", "dtype='float32'"], 80, id="population-float32"),
        pytest.param(["optim.decay_every=50", "loss.kind='online'", "loss.batch=64"], 80, id="online-fresh-samples"),
        pytest.param(["loss.kind='empirical'", "loss.samples=300", "loss.batch=32"], 80, id="empirical-minibatches"),
        pytest.param(["optim.mode='three_stage'", "optim.lr=0.2"], 1, id="three-stage-before-the-ridge-fit"),
    ],
)
def test_unchanged_branch_retraces_its_parent_bit_for_bit(overrides, step):
    # Online and minibatch steps draw their samples from (seed, step) alone, so a branch at step 80 draws the
    # samples the parent drew at steps 80, 81, ... without carrying a generator's state; the stages of the
    # three-stage procedure are those of the absolute step.
    cfg = short(*overrides)
    whole = train(cfg)
    child = finish(branch_history(whole, step, cfg))
    assert list(child.steps) == list(whole.steps)
    for key, value in whole.view().items():
        np.testing.assert_array_equal(child.view()[key], value, err_msg=key)


def test_branch_follows_the_numpy_reference_from_the_parents_snapshot(parent):
    s = 100
    child_cfg = config.apply_overrides(parent.config, ["optim.lr=0.3", "optim.weight_decay=0.02",
                                                       "optim.decay_every=30", "optim.weight_decay_min=0.001"])
    child = finish(branch_history(parent, s, child_cfg))
    snap = parent.snapshot(int(np.flatnonzero(parent.steps == s)[0]))

    def lam(t):  # the child's schedule at the absolute step s + t, written out independently
        return max(0.02 * 0.5 ** ((s + t) // 30), 0.001)

    W, a, losses = gd(snap.student_w, snap.student_a, parent.teacher.w, parent.teacher.a, "relu_centered", 0.3,
                      lam, 200 - s)
    np.testing.assert_allclose(child.snapshot(-1).student_w, W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(child.snapshot(-1).student_a, a, rtol=1e-9, atol=1e-12)
    own = child.steps >= s
    np.testing.assert_allclose(child.view()["loss"][own][:-1], losses[child.steps[own][:-1] - s], rtol=1e-9)
    np.testing.assert_allclose(child.view()["weight_decay"][own], [lam(t - s) for t in child.steps[own]])
    # Before the branch step the child's file holds the parent's snapshots unchanged.
    before = parent.steps < s
    np.testing.assert_array_equal(child.view()["student_w"][: before.sum()], parent.view()["student_w"][before])


def test_lineage_round_trips_through_the_run_file(parent, tmp_path):
    kick = Kick("reset", 0.05, (3, 7), seed=11)
    no_decay = config.apply_overrides(parent.config, ["optim.weight_decay=0", "optim.weight_decay_min=0"])
    child = branch_history(parent, 60, no_decay, kick, parent_name="paper.npz")
    path = tmp_path / "child.npz"
    child.save(path)
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(RUN_KEYS + LINEAGE_KEYS)
    loaded = RunHistory.load(path)
    assert loaded.lineage == child.lineage and loaded.lineage.kick == kick
    assert loaded.lineage.parent_config == parent.config
    text = loaded.lineage.describe(loaded.config)
    assert text.startswith("branched from paper.npz at step 60: optim.weight_decay = 0 (was 0.01)")
    assert "reset neurons 3, 7 to size 0.05 (seed 11)" in text
    # An ordinary run's file has no lineage keys (test_history checks its exact keys).
    assert RunHistory.load(_saved(parent, tmp_path)).lineage is None


def _saved(history, tmp_path):
    path = tmp_path / "parent.npz"
    history.save(path)
    return path


def test_lineage_hash_is_the_sweeps_run_name(parent):
    from engine.sweep.grid import config_hash

    child = branch_history(parent, 20, parent.config)
    assert child.lineage.parent_hash == config_hash(parent.config)


def test_kicks_are_drawn_from_their_seed():
    W, a = np.ones((6, 3)), np.ones(6)
    noisy = Kick("noise", 0.1, seed=5).apply(W, a)
    np.testing.assert_array_equal(noisy[0], Kick("noise", 0.1, seed=5).apply(W, a)[0])
    assert 0.05 < np.std(noisy[0] - W) < 0.2 and not np.allclose(noisy[0], Kick("noise", 0.1, seed=6).apply(W, a)[0])
    Wr, ar = Kick("reset", 0.02, (1, 4), seed=0).apply(W, a)
    np.testing.assert_allclose(np.linalg.norm(Wr[[1, 4]], axis=1), 0.02)
    np.testing.assert_allclose(np.abs(ar[[1, 4]]), 0.02)
    np.testing.assert_array_equal(Wr[[0, 2, 3, 5]], W[[0, 2, 3, 5]])


@pytest.mark.parametrize("override, key", [("seed=3", "seed"), ("student.width=40", "student.width"),
                                           ("dtype='float32'", "dtype"),
                                           ("student.init_scale=0.2", "student.init_scale")])
def test_keys_that_define_the_students_state_are_refused(parent, override, key):
    with pytest.raises(ConfigError) as info:
        branch_history(parent, 20, config.apply_overrides(parent.config, [override]))
    assert f"{key} = " in str(info.value) and "branch" in str(info.value)


def test_teacher_dim_cannot_change(parent):
    cfg = dataclasses.replace(parent.config, teacher=dataclasses.replace(parent.config.teacher, dim=4, directions=[]))
    with pytest.raises(ConfigError, match="teacher.dim = 4"):
        branch_history(parent, 20, cfg)


def test_a_step_that_was_not_recorded_names_the_nearest(parent):
    with pytest.raises(BranchError, match="step 67 is not a recorded step of parent; the nearest recorded step is 60"):
        branch_history(parent, 67, parent.config)


def test_a_moved_teacher_is_the_childs(parent):
    moved = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    child = branch_history(parent, 100, config.apply_overrides(parent.config, [f"teacher.directions={moved}"]))
    np.testing.assert_allclose(child.teacher.w, np.eye(3))
    text = child.lineage.describe(child.config)
    assert "teacher 2 moved to (0, 1, 0) (was (-0.5, 0.866, 0)); teacher 3 moved to (0, 0, 1)" in text
    assert "teacher 1" not in text


@pytest.mark.parametrize(
    "key, value, words",
    [
        ("branch_parent_hash", np.array("0123456789abcdef"), "not the hash"),
        ("branch_step", np.array(65), "not one of the file's recorded steps"),
        ("branch_kick", np.array("shove"), "kick = 'shove'"),
        ("branch_kick_neurons", np.array([99]), "neurons [99]"),
        ("branch_parent", np.array(3), "one string"),
    ],
)
def test_a_damaged_lineage_is_refused_naming_it(parent, tmp_path, key, value, words):
    child = branch_history(parent, 60, parent.config, Kick("reset", 0.1, (1,)))
    path = tmp_path / "child.npz"
    child.save(path)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays[key] = value
    np.savez(path, **arrays)
    with pytest.raises(RunFileError) as info:
        RunHistory.load(path)
    assert words in str(info.value) and str(path) in str(info.value)
    del arrays[key]
    np.savez(path, **arrays)
    with pytest.raises(RunFileError, match=f"{key} is missing"):
        RunHistory.load(path)
