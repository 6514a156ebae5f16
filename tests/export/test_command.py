"""`featlearn export`: exit 0 on success, 2 on bad input with one line and no traceback, 1 on failure;
works on a machine with no display."""

import errno
import os
import subprocess
import sys

import pytest

from featlearn_gui.export import command
from featlearn_gui.export.writers import GifSink


def _run(argv):
    return command.main(command.parser().parse_args(argv))


def test_success_writes_the_file(tmp_path, run_files, capsys):
    out = tmp_path / "a.gif"
    assert _run([str(run_files[0]), "--out", str(out), "--size", "160x128", "--frames", "3"]) == 0
    assert out.is_file()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--out", "{tmp}/a.avi"], "cannot export to .avi"),
        (["--out", "{tmp}/a.mp4", "--size", "big"], "--size"),
        (["--out", "{tmp}/a.mp4", "--steps", "9:1"], "--steps"),
        (["--out", "{tmp}/missing/a.mp4"], "does not exist"),
        (["{run2}", "--out", "{tmp}/a.npz"], "exactly one run"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, run_files, capsys, extra, message):
    argv = [str(run_files[0])] + [a.format(tmp=tmp_path, run2=run_files[1]) for a in extra]
    assert _run(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_unreadable_run_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    assert _run([str(bad), "--out", str(tmp_path / "a.mp4")]) == 2
    assert "bad.npz" in capsys.readouterr().err


def test_write_failure_exits_1_and_leaves_nothing(tmp_path, run_files, capsys, monkeypatch):
    def full_disk(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(GifSink, "commit", full_disk)
    assert _run([str(run_files[0]), "--out", str(tmp_path / "a.gif"), "--size", "160x128", "--frames", "2"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_side_by_side_from_the_command_line(tmp_path, run_files):
    from PIL import Image

    out = tmp_path / "cmp.png"
    assert _run([*map(str, run_files), "--out", str(out), "--size", "160x128", "--content", "dashboard"]) == 0
    with Image.open(out) as image:
        assert image.size == (320, 128)


def test_headless_export_needs_no_display(tmp_path, run_files):
    """A fresh process with neither DISPLAY nor QT_QPA_PLATFORM picks the offscreen platform by itself."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = tmp_path / "headless.mp4"
    argv = [sys.executable, "-m", "featlearn_gui.export", str(run_files[0]), "--out", str(out), "--size", "160x128",
            "--frames", "4", "--rotate", "10"]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 1000
