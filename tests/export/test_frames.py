"""Which snapshots become frames: exact counts, no repeats, log spacing front-loaded, runs in lock-step."""

import numpy as np
import pytest

from featlearn_gui.export.frames import plan_frames, select_snapshots
from featlearn_gui.export.job import ExportInputError, parse_size, parse_steps

STEPS = np.arange(0, 16001, 20)


@pytest.mark.parametrize("spacing", ["linear", "log"])
def test_frames_are_distinct_increasing_and_exactly_as_many_as_asked(spacing):
    idx = select_snapshots(STEPS, None, None, 60, spacing)
    assert len(idx) == 60 and np.all(np.diff(idx) > 0)
    assert STEPS[idx[0]] == 0 and STEPS[idx[-1]] == 16000


def test_log_spacing_spends_more_frames_on_early_steps():
    linear = STEPS[select_snapshots(STEPS, None, None, 60, "linear")]
    log = STEPS[select_snapshots(STEPS, None, None, 60, "log")]
    assert np.sum(log < 1000) > 3 * np.sum(linear < 1000)


def test_step_range_and_single_step():
    idx = select_snapshots(STEPS, 2000, 4000, None, "linear")
    assert STEPS[idx[0]] == 2000 and STEPS[idx[-1]] == 4000 and len(idx) == 101
    assert STEPS[select_snapshots(STEPS, 2010, 2010, None, "linear")].tolist() == [2000]


def test_runs_recorded_at_other_intervals_follow_by_step():
    plan = plan_frames([np.arange(0, 401, 20), np.arange(0, 401, 40)], None, None, None, "linear")
    assert plan.steps.tolist() == list(range(0, 401, 20))
    shown = np.arange(0, 401, 40)[plan.indices[1]]
    assert np.all(shown <= plan.steps) and np.all(plan.steps - shown < 40)


@pytest.mark.parametrize("text", ["800", "800x", "axb", "0x600", "800x99999", "-16x16"])
def test_bad_sizes_are_refused(text):
    with pytest.raises(ExportInputError, match="--size"):
        parse_size(text)


@pytest.mark.parametrize("text, expected", [("0:400", (0, 400)), ("100:", (100, None)), (":50", (None, 50)),
                                            ("7", (7, 7))])
def test_step_ranges(text, expected):
    assert parse_steps(text) == expected


@pytest.mark.parametrize("text", ["5:1", "a:b", "1:2:3", "-3:"])
def test_bad_step_ranges_are_refused(text):
    with pytest.raises(ExportInputError, match="--steps"):
        parse_steps(text)
