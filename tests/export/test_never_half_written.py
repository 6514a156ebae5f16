"""Every writer fails cleanly on a full disk: exit 1, one line, the earlier file untouched, no temporary left.

A full disk is a file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored so writes fail with EFBIG instead of killing
the process): it applies to this process and to the ffmpeg it starts, as a full disk would.
"""

import contextlib
import os
import resource
import signal

import pytest

from engine import atomic
from featlearn_gui import cli


@contextlib.contextmanager
def disk_full_after(n_bytes: int):
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (n_bytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def export(run_file, out, *extra):
    return cli.main(["export", str(run_file), "--out", str(out), "--size", "160x128", *extra])


def one_line(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if "frame/s]" not in line]  # the progress bar
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize(
    "name, extra",
    [
        ("a.mp4", ["--frames", "12"]),
        ("a.gif", ["--frames", "12"]),
        ("a.png", ["--steps", "0:400", "--frames", "3"]),
        ("a.csv", []),
        ("a.npz", []),
        ("a.svg", []),
    ],
)
def test_a_full_disk_keeps_the_earlier_file(tmp_path, run_files, capsys, name, extra):
    out = tmp_path / name
    target = tmp_path / "a_frames" if "--steps" in extra else out
    if target.suffix:
        target.write_bytes(b"an earlier export")
    else:
        target.mkdir()
        (target / "a_00000.png").write_bytes(b"an earlier frame")
    with disk_full_after(1000):  # every output here is larger
        code = export(run_files[0], out, *extra)
    line = one_line(capsys.readouterr().err)
    assert code == 1 and "nothing was written" in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temporary left
    if target.suffix:
        assert target.read_bytes() == b"an earlier export"
    else:
        assert [p.read_bytes() for p in target.iterdir()] == [b"an earlier frame"]


def test_an_mp4_whose_trailer_does_not_fit_is_not_published(tmp_path, run_files, capsys):
    """ffmpeg writes the frames, then the index (moov) that makes the file playable: a disk that fills just then
    must not turn into "wrote" and an unplayable file in place of a good one."""
    good = tmp_path / "good.mp4"
    assert export(run_files[0], good, "--frames", "12") == 0
    size = good.stat().st_size
    capsys.readouterr()
    out = tmp_path / "a.mp4"
    out.write_bytes(b"an earlier export")
    with disk_full_after(size - 200):
        code = export(run_files[0], out, "--frames", "12")
    assert code == 1, one_line(capsys.readouterr().err)
    assert out.read_bytes() == b"an earlier export"


def test_a_killed_exports_temporaries_are_removed_by_the_next(tmp_path, run_files, capsys):
    out = tmp_path / "a.mp4"
    stale = atomic.temp_path(out, ".mp4")
    dead = stale.with_name(stale.name.replace(f".{os.getpid()}.", ".999999999."))  # no such process
    stale.rename(dead)
    alive = atomic.temp_path(out, ".mp4")  # a writer still running (this process) keeps its file
    assert export(run_files[0], out, "--frames", "2") == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, alive.name])


def test_a_gif_too_large_to_hold_is_refused_before_rendering(tmp_path, run_files, capsys):
    # Frames are capped by the snapshots (21 here): 21 frames of 8192 x 8192 would hold 1.3 GiB.
    assert export(run_files[0], tmp_path / "a.gif", "--frames", "100000", "--size", "8192x8192") == 2
    assert "--frames 21" in one_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []
