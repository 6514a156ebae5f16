"""`featlearn run --from RUN.npz --at STEP`: a branch from the command line, as a user runs it."""

import subprocess
import sys

import numpy as np
import pytest

from engine.history import RunHistory
from featlearn_gui.cli import main


def featlearn(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "featlearn_gui.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


@pytest.fixture(scope="module")
def parent(tmp_path_factory):
    path = tmp_path_factory.mktemp("branch") / "parent.npz"
    result = featlearn("run", "--preset", "paper", "--set", "optim.steps=400", "--out", str(path), "--quiet")
    assert result.returncode == 0, result.stderr
    return path


def test_an_unchanged_branch_writes_its_parents_run_again(parent):
    child = parent.with_name("same.npz")
    result = featlearn("run", "--from", str(parent), "--at", "200", "--out", str(child), "--quiet")
    assert result.returncode == 0, result.stderr
    a, b = RunHistory.load(parent), RunHistory.load(child)
    for key, value in a.view().items():
        np.testing.assert_array_equal(b.view()[key], value, err_msg=key)
    assert b.lineage.step == 200 and b.lineage.parent == "parent.npz"


def test_info_says_where_a_branch_came_from_and_what_changed(parent):
    child = parent.with_name("no-decay.npz")
    result = featlearn("run", "--from", str(parent), "--at", "100", "--set", "optim.weight_decay=0", "--set",
                       "optim.weight_decay_min=0", "--kick", "0.02", "--kick-seed", "4", "--out", str(child), "--quiet")
    assert result.returncode == 0, result.stderr
    history = RunHistory.load(child)
    assert history.steps[0] == 0 and history.steps[-1] == 400  # the file still starts at step 0
    assert np.all(history.view()["weight_decay"][history.steps > 100] == 0)
    info = featlearn("info", str(child)).stdout
    assert "branched from parent.npz at step 100: optim.weight_decay = 0 (was 0.01)" in info
    assert "kick: noise 0.02 (seed 4)" in info
    grandchild = parent.with_name("grandchild.npz")
    result = featlearn("run", "--from", str(child), "--at", "300", "--set", "optim.lr=0.25", "--out", str(grandchild),
                       "--quiet")
    assert result.returncode == 0, result.stderr
    info = featlearn("info", str(grandchild)).stdout
    assert "branched from no-decay.npz at step 300: optim.lr = 0.25 (was 0.5)" in info


@pytest.mark.parametrize(
    "flags, words",
    [
        (["--at", "210"], "step 210 is not a recorded step of parent.npz; the nearest recorded step is 200"),
        (["--at", "100", "--set", "student.width=20"], "student.width = 20 is not allowed in a branch"),
        (["--at", "100", "--set", "optim.steps=50"], "optim.steps >= 100"),
        ([], "--from needs --at STEP"),
        (["--at", "100", "--kick-neurons", "1,x", "--kick", "0.1"], "--kick-neurons '1,x'"),
        (["--at", "100", "--kick-neurons", "70", "--kick", "0.1"], "kick neurons [70] are not allowed"),
        (["--at", "100", "--kick", "-1"], "kick size = -1.0 is not allowed"),
    ],
)
def test_bad_branch_input_is_one_line_and_exit_2(parent, flags, words, capsys):
    # In process (the same main() the command runs): a subprocess per case would only add start-up time. `run`
    # sets torch's thread count: put it back for the tests that follow.
    import torch

    threads = torch.get_num_threads()
    try:
        code = main(["run", "--from", str(parent), *flags, "--out", str(parent.with_name("bad.npz"))])
    finally:
        torch.set_num_threads(threads)
    err = capsys.readouterr().err
    assert code == 2 and words in err, err
    assert len(err.strip().splitlines()) == 1 and not parent.with_name("bad.npz").exists()


def test_branch_flags_without_a_parent_and_a_parent_as_output_are_refused(parent):
    result = featlearn("run", "--at", "3", "--out", str(parent.with_name("x.npz")))
    assert result.returncode == 2 and "--at is for branching: add --from RUN.npz" in result.stderr
    result = featlearn("run", "--from", str(parent), "--at", "0", "--out", str(parent))
    assert result.returncode == 2 and "is the parent run" in result.stderr
