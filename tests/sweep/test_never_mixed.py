"""A sweep directory never mixes two experiments, never trusts damaged files, and every fault in it is one line.

One 3-run sweep (one run diverges at step 0 and so has no run file) is run once; the refusals below never start a
cluster, and the resumes rerun only what they must.
"""

from __future__ import annotations

import errno
import subprocess
import sys
import time

import pytest

from engine.history import RunHistory
from featlearn_gui import cli

SWEEP = """
title = "never mixed"
base = "base.toml"
[set]
record.every = 50
[axes]
"student.init_scale" = [0.01, 0.02, 1e80]
"""
BASE = "[optim]\nsteps = 200\nlr = 0.5\nweight_decay_min = 0.0\n"


def one_line(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if "run/s]" not in line]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def sweep(path, out, *extra) -> int:
    return cli.main(["sweep", str(path), "--out", str(out), "--quiet", "--workers", "1", *extra])


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mixed")
    (folder / "base.toml").write_text(BASE)
    path = folder / "sweep.toml"
    path.write_text(SWEEP)
    out = folder / "out"
    assert sweep(path, out) == 0
    return path, out


def rows(out):
    return (out / "results.csv").read_text().splitlines()


def test_a_changed_base_config_is_refused_naming_the_key(done, capsys):
    path, out = done
    capsys.readouterr()
    base = path.parent / "base.toml"
    base.write_text(BASE.replace("lr = 0.5", "lr = 0.25"))
    try:
        assert sweep(path, out) == 2
    finally:
        base.write_text(BASE)
    line = one_line(capsys.readouterr().err)
    assert "another sweep" in line and "optim.lr was 0.5, now 0.25" in line
    assert len(rows(out)) == 4  # the header and three runs, no stale rows


def test_a_run_that_diverged_at_step_0_is_not_run_again(done, capsys):
    path, out = done
    assert sum(",diverged," in r for r in rows(out)) == 1
    capsys.readouterr()
    assert cli.main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    assert "skipped 3 of 3" in capsys.readouterr().err  # and no cluster was started for nothing


def test_a_second_sweep_into_a_busy_folder_is_refused_and_a_killed_ones_lock_is_broken(done, capsys):
    path, out = done
    holder = subprocess.Popen([sys.executable, "-c", f"from engine.lock import FolderLock; import time; "
                               f"FolderLock({str(out)!r}).acquire(); print('held', flush=True); time.sleep(600)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        capsys.readouterr()
        assert sweep(path, out) == 2
        line = one_line(capsys.readouterr().err)
        assert f"in use by another sweep (process {holder.pid}" in line
    finally:
        holder.kill()  # kill -9: nothing cleans up, the kernel drops the lock
        holder.wait()
        holder.stdout.close()
    assert sweep(path, out) == 0


def test_damaged_rows_and_run_files_are_run_again(done, capsys, monkeypatch):
    path, out = done
    lines = rows(out)
    ok = [r for r in lines[1:] if ",ok," in r]
    first_hash, second_hash = ok[0].split(",")[0], ok[1].split(",")[0]
    (out / "results.csv").write_text("\n".join([lines[0], ok[0][:40], *lines[2:]]) + "\n")  # a truncated row
    (out / "runs" / f"{second_hash}.npz").write_bytes(b"PK\x03\x04 garbage")
    capsys.readouterr()
    assert cli.main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    assert "skipped 1 of 3" in capsys.readouterr().err
    for h in (first_hash, second_hash):
        assert len(RunHistory.load(out / "runs" / f"{h}.npz")) == 5
    assert len(rows(out)) == 4


def test_a_full_disk_mid_sweep_keeps_the_finished_runs(tmp_path, done, capsys, monkeypatch):
    path, _ = done
    out = tmp_path / "out"
    save, calls = RunHistory.save, []

    def full_after_one(self, target, mode=None):
        calls.append(target)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        save(self, target, mode)

    monkeypatch.setattr(RunHistory, "save", full_after_one)
    assert sweep(path, out) == 1
    line = one_line(capsys.readouterr().err)
    assert "No space left on device" in line and "finished runs are kept" in line
    monkeypatch.undo()
    assert len(rows(out)) == 2 and len(list((out / "runs").iterdir())) == 1


def _damage(out, what):
    out.mkdir()
    if what == "results.csv not UTF-8":
        (out / "results.csv").write_bytes(b"config_hash,status\n\xff\xfe,ok\n")
    elif what == "results.csv a folder":
        (out / "results.csv").mkdir()
    elif what == "sweep.toml binary":
        (out / "sweep.toml").write_bytes(b"\x00\x81\xff")
    elif what == "sweep.toml invalid":
        (out / "sweep.toml").write_text("title = ")
    elif what == "sweep.toml a folder":
        (out / "sweep.toml").mkdir()
    elif what == "runs a file":
        (out / "runs").write_text("")
    elif what == "experiment.json damaged":
        (out / "experiment.json").write_text("{")


@pytest.mark.parametrize("what", ["results.csv not UTF-8", "results.csv a folder", "sweep.toml binary",
                                  "sweep.toml invalid", "sweep.toml a folder", "runs a file",
                                  "experiment.json damaged"])
def test_a_damaged_output_folder_is_one_line(tmp_path, done, capsys, what):
    _damage(tmp_path / "out", what)
    assert sweep(done[0], tmp_path / "out") == 2
    assert "choose another" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize("out, words", [("", "give a directory"), ("/proc/featlearn-sweep", "cannot write there"),
                                        ("/dev/full", "is a file")])
def test_an_output_folder_that_cannot_work_is_one_line(done, capsys, out, words):
    assert sweep(done[0], out) == 2
    assert words in one_line(capsys.readouterr().err)


@pytest.mark.parametrize("workers, words", [("-1", "expected 0 (one per core"), ("100000", "the cores here")])
def test_workers_are_bounded(done, tmp_path, capsys, workers, words):
    assert cli.main(["sweep", str(done[0]), "--out", str(tmp_path / "o"), "--workers", workers]) == 2
    assert words in one_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    "axes, words",
    [
        ('seed = { range = [0, 100000000000000000000] }\n"optim.lr" = [0.1, 0.2]',
         "the grid has 200,000,000,000,000,000,000 runs (seed (100,000,000,000,000,000,000) x optim.lr (2))"),
        ('"optim.lr" = { linspace = [0.1, 1, 100000000] }', "the grid has 100,000,000 runs"),
        ('"optim.lr" = [0.1]\noptim.lr = [0.2]', "gives optim.lr twice"),
    ],
)
def test_grids_are_bounded_and_keys_given_once(tmp_path, capsys, axes, words):
    path = tmp_path / "s.toml"
    path.write_text(f'base = "paper"\n[axes]\n{axes}\n')
    started = time.monotonic()
    assert cli.main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    assert words in one_line(capsys.readouterr().err) and time.monotonic() - started < 5


def test_control_characters_in_a_title_are_refused(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text('title = "a\\u001b[2Jb"\nbase = "paper"\n[axes]\nseed = [0]\n')
    assert cli.main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    assert "control character" in one_line(capsys.readouterr().err)
