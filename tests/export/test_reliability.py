"""A cancelled or failed export leaves nothing behind, and never damages a file already at the target."""

import errno

import pytest

from featlearn_gui.export import ExportCancelled, ExportInputError, ExportJob, run_export
from featlearn_gui.export.writers import Mp4Sink

from .conftest import SIZE


@pytest.mark.parametrize("name", ["cancel.mp4", "cancel.gif", "cancel.png"])
def test_cancel_leaves_nothing(tmp_path, paper_history, name, paper_view):
    polls = iter(range(100))
    with pytest.raises(ExportCancelled):
        run_export(ExportJob(out=tmp_path / name, size=SIZE, steps=(0, 400), frames=10), paper_view,
                   cancelled=lambda: next(polls) >= 3)
    assert list(tmp_path.iterdir()) == []


def test_disk_full_keeps_the_previous_file_and_leaves_no_temporary(tmp_path, paper_history, monkeypatch, paper_view):
    out = tmp_path / "paper.mp4"
    out.write_bytes(b"an earlier export")
    calls = []

    def full_disk(self, frame):
        calls.append(frame)
        if len(calls) > 2:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Mp4Sink, "_write", full_disk)
    with pytest.raises(OSError, match="No space"):
        run_export(ExportJob(out=out, size=SIZE, frames=8), paper_view)
    assert [p.name for p in tmp_path.iterdir()] == ["paper.mp4"]
    assert out.read_bytes() == b"an earlier export"


def test_missing_folder_is_refused_before_anything_is_rendered(tmp_path, paper_history, paper_view):
    with pytest.raises(ExportInputError, match="does not exist"):
        run_export(ExportJob(out=tmp_path / "nope" / "a.mp4", size=SIZE), paper_view)


def test_a_file_in_place_of_the_folder_is_refused(tmp_path, paper_history, paper_view):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportInputError, match="cannot write"):
        run_export(ExportJob(out=tmp_path / "file" / "a.csv"), paper_view)


def test_png_sequence_replaces_an_earlier_sequence(tmp_path, paper_history, paper_view):
    job = ExportJob(out=tmp_path / "seq.png", size=SIZE, steps=(0, 400), frames=3)
    run_export(job, paper_view)
    (tmp_path / "seq_frames" / "stale.txt").write_text("old")
    run_export(job, paper_view)
    assert sorted(p.name for p in (tmp_path / "seq_frames").iterdir()) == [f"seq_{i:05d}.png" for i in range(3)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seq_frames"]
