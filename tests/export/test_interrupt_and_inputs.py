"""`featlearn export` under Ctrl+C and SIGTERM, with bad run files and out-of-range steps (issue #11)."""

import csv
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from featlearn_gui.export import command


def _run(argv):
    return command.main(command.parser().parse_args(argv))


def start_mp4_export(run, out):
    argv = [sys.executable, "-m", "featlearn_gui.cli", "export", str(run), "--out", str(out), "--frames", "300",
            "--size", "320x320", "--renderer", "projected"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    seen, deadline = "", time.monotonic() + 120
    while "frame/s" not in seen and time.monotonic() < deadline:
        char = proc.stderr.read(1)
        if not char:
            break
        seen += char
    return proc, seen


@pytest.fixture(scope="module")
def long_run(tmp_path_factory):
    from .conftest import short_run

    path = tmp_path_factory.mktemp("long") / "long.npz"
    short_run("paper", 3000, every=10).save(path)  # 301 snapshots: an export long enough to interrupt
    return path


@pytest.mark.parametrize(
    "send, code, word",
    [
        (lambda p: os.killpg(p.pid, signal.SIGINT), 130, "interrupted"),  # Ctrl+C reaches ffmpeg too
        (lambda p: os.killpg(p.pid, signal.SIGINT), 130, "interrupted"),  # it crashed about every other time
        (lambda p: p.send_signal(signal.SIGINT), 130, "interrupted"),
        (lambda p: p.send_signal(signal.SIGTERM), 143, "terminated"),
    ],
)
def test_an_interrupted_mp4_export_exits_cleanly_and_leaves_nothing(long_run, tmp_path, send, code, word):
    proc, seen = start_mp4_export(long_run, tmp_path / "movie.mp4")
    assert "frame/s" in seen, seen
    time.sleep(0.3)
    send(proc)
    rest = proc.communicate(timeout=60)[1]
    assert proc.returncode == code, seen + rest
    assert rest.rstrip().splitlines()[-1] == f"featlearn export: {word}; nothing was written"
    assert "Traceback" not in rest and "QPaintDevice" not in rest
    assert list(tmp_path.iterdir()) == []  # neither movie.mp4 nor .movie.mp4.*.part.mp4


def test_a_run_file_without_snapshots_is_invalid_input(run_files, tmp_path, capsys):
    with np.load(run_files[0]) as npz:
        arrays = {k: (npz[k][:0] if npz[k].ndim and k not in ("teacher_w", "teacher_a") else npz[k])
                  for k in npz.files}
    empty = tmp_path / "empty.npz"
    np.savez(empty, **arrays)
    assert _run([str(empty), "--out", str(tmp_path / "a.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert "empty.npz is corrupt: step" in err and len(err.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.npz"]


def read_steps(path):
    with open(path, newline="") as f:
        return [int(row["step"]) for row in csv.DictReader(f)]


def test_csv_honours_steps(run_files, tmp_path):
    out = tmp_path / "part.csv"
    assert _run([str(run_files[0]), "--out", str(out), "--steps", "100:200"]) == 0
    assert read_steps(out) == list(range(100, 201, 20))
    assert _run([str(run_files[0]), "--out", str(out), "--steps", "390:"]) == 0
    assert read_steps(out) == [400]


@pytest.mark.parametrize("out, steps", [("a.png", "99999"), ("a.csv", "401:"), ("a.gif", "500:600"),
                                        ("a.svg", "5000")])
def test_steps_after_the_end_are_refused(run_files, tmp_path, capsys, out, steps):
    assert _run([str(run_files[0]), "--out", str(tmp_path / out), "--steps", steps]) == 2
    err = capsys.readouterr().err.strip()
    assert f"--steps {steps} starts after the end of the run (its last step is 400)" in err
    assert len(err.splitlines()) == 1 and list(tmp_path.iterdir()) == []


def test_a_csv_range_between_snapshots_is_refused(run_files, tmp_path, capsys):
    assert _run([str(run_files[0]), "--out", str(tmp_path / "a.csv"), "--steps", "101:119"]) == 2
    assert "--steps 101:119 contains no recorded step" in capsys.readouterr().err


def test_offscreen_qt_says_nothing_about_size_hints_but_other_warnings_pass():
    code = (
        "from featlearn_gui.export.headless import ensure_app\nfrom PySide6 import QtCore, QtWidgets\n"
        "app = ensure_app()\nw = QtWidgets.QWidget()\nw.show()\nw.setFixedSize(100, 100)\napp.processEvents()\n"
        "QtCore.qWarning('another warning')\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "propagateSizeHints" not in result.stderr and "another warning" in result.stderr
