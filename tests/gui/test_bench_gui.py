"""`featlearn bench --only gui` measures what it says (a smoke test: numbers are the bench's, not asserted here)."""

from __future__ import annotations


def test_the_gui_bench_trains_with_the_window_and_reports_every_measure(qtbot, monkeypatch):
    from featlearn_gui.bench import gui

    monkeypatch.setattr(gui, "SETTLE_MS", 0)
    result = gui.attached_vs_headless("paper", steps=200)
    assert result["steps"] == 200 and result["headless_steps_per_s"] > 0 and result["attached_steps_per_s"] > 0
    assert {"frames_per_s", "worst_stall_ms", "frame_ms_mean", "ratio"} <= set(result)
    assert gui.space_to_first_snapshot_ms(repeats=1) > 0
