"""`featlearn sweep` as a user runs it: Ctrl+C and resume, and a scheduler plus workers started by hand."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.history import RunHistory

from .conftest import featlearn

ROOT = Path(__file__).resolve().parents[2]


def rows_of(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="") as f:
            return list(csv.DictReader(f))
    except FileNotFoundError:
        return []


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT are POSIX")
def test_ctrl_c_keeps_finished_runs_and_a_rerun_resumes(tmp_path, sweep_file):
    path = sweep_file("seed = { range = [0, 6] }", steps=1500)
    out = tmp_path / "out"
    args = [sys.executable, "-m", "featlearn_gui.cli", "sweep", str(path), "--out", str(out), "--workers", "1"]
    # Its own process group, as a terminal's foreground job: Ctrl+C signals the sweep and its workers alike.
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for(lambda: len(rows_of(out / "results.csv")) >= 1, 180, "the first finished run")
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "run the same command again to resume" in err and "Traceback" not in err
    kept = rows_of(out / "results.csv")
    assert 1 <= len(kept) < 6
    for row in kept:
        assert row["status"] == "ok"
        assert RunHistory.load(out / "runs" / f"{row['config_hash']}.npz").steps[-1] == 1500
    again = featlearn("sweep", str(path), "--out", str(out), "--workers", "2", "--quiet", timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"skipped {len(kept)} of 6 runs" in again.stderr
    rows = rows_of(out / "results.csv")
    assert [r["seed"] for r in rows] == [str(s) for s in range(6)] and {r["status"] for r in rows} == {"ok"}
    assert {r["config_hash"]: r["wall_s"] for r in kept}.items() <= {
        r["config_hash"]: r["wall_s"] for r in rows
    }.items()


@pytest.fixture
def scheduler(tmp_path):
    """A Dask scheduler and two single-thread workers on 127.0.0.1, each its own process: its address."""
    file = tmp_path / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0"]
            + ["--no-dashboard", "--scheduler-file", str(file)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        wait_for(file.exists, 60, "the scheduler file")
        wait_for(lambda: "address" in file.read_text(), 10, "the scheduler's address")
        address = json.loads(file.read_text())["address"]
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1"]
                    + ["--no-dashboard", "--host", "127.0.0.1"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_a_sweep_runs_on_a_scheduler_given_by_address(tmp_path, sweep_file, scheduler):
    path = sweep_file('"optim.lr" = [0.25, 0.5]\nseed = { range = [0, 2] }')
    out = tmp_path / "out"
    result = featlearn("sweep", str(path), "--out", str(out), "--scheduler", scheduler, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = rows_of(out / "results.csv")
    assert len(rows) == 4 and {r["status"] for r in rows} == {"ok"}
    assert all((out / "runs" / f"{r['config_hash']}.npz").is_file() for r in rows)
    assert "done=4" in result.stderr  # the progress bar
    # The workers were started without the featlearn config: the nanny's slow default is reported.
    assert "MALLOC_TRIM_THRESHOLD_=65536" in result.stderr


def test_an_unreachable_scheduler_is_invalid_input(tmp_path, sweep_file):
    path = sweep_file("seed = [0]")
    result = featlearn("sweep", str(path), "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9")
    assert result.returncode == 2, result.stderr
    assert "no Dask scheduler answers there" in result.stderr and len(result.stderr.strip().splitlines()) == 1
