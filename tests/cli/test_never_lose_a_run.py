"""`featlearn run` never loses a run (issue #11): the destination is checked before training, Ctrl+C and SIGTERM
save what was trained, a failed save keeps the run in the user cache. Real processes, exit codes and messages."""

import errno
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from engine.history import RunHistory
from featlearn_gui import cli, saving

SMALL = ["--set", "optim.steps=40", "--set", "student.width=8"]


def featlearn(*args, cwd=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "featlearn_gui.cli", *args], capture_output=True, text=True, timeout=timeout, cwd=cwd
    )


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.mark.parametrize(
    "out, words",
    [
        ("{tmp}", "that is a folder"),
        ("", "give a file name"),
        ("{tmp}/sub/", "that is a folder"),
        ("/dev/null", "not a regular file"),
        ("/proc/featlearn-test.npz", "cannot write in /proc"),
        ("{tmp}/missing/run.npz", "does not exist"),
    ],
)
def test_a_destination_that_cannot_work_is_refused_before_training(tmp_path, out, words):
    (tmp_path / "sub").mkdir()
    result = featlearn("run", *SMALL, "--out", out.format(tmp=tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("featlearn run: error: --out") and words in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"]
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)  # as root, a replace would have made it a regular file


def test_a_disk_without_room_for_the_run_is_refused_before_training(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(saving.shutil, "disk_usage", lambda path: type("U", (), {"free": 1000})())
    assert cli.main(["run", *SMALL, "--out", str(tmp_path / "run.npz")]) == 2
    assert "MiB free" in one_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_save_keeps_the_run_in_the_user_cache(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out" / "run.npz"
    out.parent.mkdir()
    save = RunHistory.save

    def disk_full_at_out(self, path):
        if path == out:
            raise OSError(errno.ENOSPC, "No space left on device")
        save(self, path)

    monkeypatch.setattr(RunHistory, "save", disk_full_at_out)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert cli.main(["run", *SMALL, "--quiet", "--out", str(out)]) == 1
    line = one_line(capsys.readouterr().err)
    assert f"could not write {out}: No space left on device; the run is kept at" in line
    kept = line.rsplit(" ", 1)[-1]
    assert kept.startswith(str(tmp_path / "cache" / "featlearn" / "unsaved"))
    assert RunHistory.load(kept).steps[-1] == 40
    assert list(out.parent.iterdir()) == []


def start_long_run(out):
    argv = [sys.executable, "-m", "featlearn_gui.cli", "run", "--set", "optim.steps=100000000",
            "--set", "record.every=200", "--out", str(out)]
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
    seen, deadline = "", time.monotonic() + 120
    while "loss=" not in seen and time.monotonic() < deadline:  # the bar shows a loss once a snapshot is in
        char = proc.stderr.read(1)
        if not char:
            break
        seen += char
    return proc, seen


@pytest.mark.parametrize("sig, code, word", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_a_signal_during_training_saves_the_history(tmp_path, sig, code, word):
    out = tmp_path / "run.npz"
    proc, seen = start_long_run(out)
    assert "loss=" in seen, seen
    time.sleep(0.5)
    proc.send_signal(sig)
    rest = proc.communicate(timeout=60)[1]
    assert proc.returncode == code, rest
    last = [line for line in rest.replace("\r", "\n").splitlines() if line.startswith("featlearn run")]
    assert len(last) == 1 and f"featlearn run: {word}; the history up to step" in last[0] and "Traceback" not in rest
    history = RunHistory.load(out)
    assert history.steps[-1] == int(last[0].split("up to step ")[1].split()[0]) and len(history) >= 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]  # no run.npz.part


def test_a_signal_while_saving_waits_for_the_file(tmp_path, monkeypatch, capsys):
    save = RunHistory.save

    def save_then_interrupted(self, path):
        os.kill(os.getpid(), signal.SIGINT)  # arrives mid-save: held back until the file is complete
        save(self, path)

    monkeypatch.setattr(RunHistory, "save", save_then_interrupted)
    out = tmp_path / "run.npz"
    assert cli.main(["run", *SMALL, "--quiet", "--out", str(out)]) == 130
    assert "interrupted while saving" in one_line(capsys.readouterr().err)
    assert RunHistory.load(out).steps[-1] == 40 and sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]


def test_divergence_at_step_zero_exits_3_and_blames_the_initial_scale(tmp_path):
    result = featlearn("run", "--set", "student.init_scale=1e80", "--quiet", "--out", "run.npz", cwd=tmp_path)
    assert result.returncode == 3
    line = one_line(result.stderr)  # no RuntimeWarning from the overflow either
    assert "diverged at step 0" in line and "student.init_scale = 1e+80" in line and "optim.lr" not in line
    assert list(tmp_path.iterdir()) == []


def test_the_divergence_message_is_not_printed_into_the_progress_bar(tmp_path):
    result = featlearn("run", "--set", "optim.lr=500", "--set", "optim.steps=300", "--out", "run.npz", cwd=tmp_path)
    assert result.returncode == 3
    lines = result.stderr.split("\n")
    message = [line for line in lines if "diverged" in line]
    assert len(message) == 1 and "%|" not in message[0]
    assert message[0].startswith("featlearn run: training diverged at step")
    assert np.isfinite(RunHistory.load(tmp_path / "run.npz").view()["loss"]).all()


def test_a_name_the_file_system_just_holds_is_written_there(tmp_path):
    """251 characters + .npz is 255 bytes: the name fits, so must its temporary (`NAME.part` would not)."""
    out = tmp_path / ("r" * 251 + ".npz")
    done = featlearn("run", *SMALL, "--quiet", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_a_name_too_long_for_the_file_system_is_refused_before_training(tmp_path):
    done = featlearn("run", *SMALL, "--out", str(tmp_path / ("r" * 256 + ".npz")))
    assert done.returncode == 2 and "260 bytes" in one_line(done.stderr) and "shorter name" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_fallback_name_of_a_long_name_fits():
    for path in saving.fallback_paths(Path("r" * 251 + ".npz")):
        assert len(os.fsencode(path.name)) <= 255 and path.suffix == ".npz"
