"""Which recorded snapshots become frames: a step range, a frame count, and linear or log spacing.

Early dynamics are fast (neurons swing towards the teachers in the first few hundred steps, then crawl), so log
spacing spends more frames early. Frames never repeat a snapshot: a video that stands still at the start because
several target steps fall between two recorded snapshots would only look broken.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_FRAMES = 150  # 5 s at 30 fps: long enough to follow, short enough for a slide


@dataclass(frozen=True)
class FramePlan:
    """Frame i shows training step `steps[i]`; `indices[r][i]` is the snapshot of run r drawn for it.

    Runs recorded at other intervals show their last snapshot at or before the frame's step, so side-by-side
    views stay in lock-step.
    """

    steps: np.ndarray  # (F,) training steps
    indices: list[np.ndarray]  # per run, (F,) snapshot indices

    def __len__(self) -> int:
        return len(self.steps)


def _pick_unique(steps: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Exactly len(targets) distinct, increasing positions in `steps`, each as near its target as that allows."""
    n, count = len(steps), len(targets)
    chosen = np.empty(count, dtype=np.int64)
    previous = -1
    for k, target in enumerate(targets):
        nearest = int(np.argmin(np.abs(steps - target)))
        # Leave room for the frames still to come, and never step backwards or repeat.
        chosen[k] = previous = min(max(nearest, previous + 1), n - (count - k))
    return chosen


def select_snapshots(
    steps: np.ndarray, first: int | None, last: int | None, frames: int | None, spacing: str = "linear"
) -> np.ndarray:
    """Indices into `steps` (a run's recorded steps, increasing) of the snapshots to show.

    Parameters
    ----------
    steps : (T,) recorded training steps.
    first, last : the step range, inclusive; None for the run's start / end. Snapshots are those recorded in the
        range, plus the last one before `first` when none is recorded exactly there.
    frames : how many frames; None for min(DEFAULT_FRAMES, snapshots in range). Never more than the snapshots
        in range.
    spacing : "linear" (evenly spaced steps) or "log" (steps evenly spaced in log(1 + step - first)).
    """
    steps = np.asarray(steps)
    first = int(steps[0]) if first is None else first
    last = int(steps[-1]) if last is None else min(last, int(steps[-1]))
    lo = max(int(np.searchsorted(steps, first, side="right")) - 1, 0)
    hi = max(int(np.searchsorted(steps, last, side="right")) - 1, lo)
    available = hi - lo + 1
    count = min(frames or DEFAULT_FRAMES, available)
    if count == available:
        return np.arange(lo, hi + 1)
    start, stop = int(steps[lo]), int(steps[hi])
    if spacing == "log":
        targets = start - 1 + np.geomspace(1, stop - start + 1, count)
    else:
        targets = np.linspace(start, stop, count)
    return lo + _pick_unique(steps[lo : hi + 1], targets)


def plan_frames(
    run_steps: list[np.ndarray], first: int | None, last: int | None, frames: int | None, spacing: str
) -> FramePlan:
    """The frame plan of several runs: frames follow the steps any run recorded; each run shows its latest one."""
    reference = np.unique(np.concatenate([np.asarray(s) for s in run_steps]))
    steps = reference[select_snapshots(reference, first, last, frames, spacing)]
    indices = [np.maximum(np.searchsorted(np.asarray(s), steps, side="right") - 1, 0) for s in run_steps]
    return FramePlan(steps=steps, indices=indices)


CAPTION_HOLD_S = 3.0  # an animation with captions pauses this long at each tour stop: time to read the caption


def hold_at_stops(plan: FramePlan, run_steps: list[np.ndarray], stops: list, hold: int) -> FramePlan:
    """The plan with each stop's step (in `stops`, per run; within the plan's range) shown for `hold` frames.

    A caption is drawn only on the frames at its stop's own step, so its numbers are the frame's; holding those
    frames is the guided tour's pause, long enough to read it.
    """
    if len(plan) == 0:
        return plan
    first, last = int(plan.steps[0]), int(plan.steps[-1])
    at = {int(s) for run_stops in stops for s in run_stops if first <= s <= last}
    steps = np.union1d(plan.steps, np.array(sorted(at), dtype=plan.steps.dtype))
    steps = np.repeat(steps, [hold if int(s) in at else 1 for s in steps])
    indices = [np.maximum(np.searchsorted(np.asarray(s), steps, side="right") - 1, 0) for s in run_steps]
    return FramePlan(steps=steps, indices=indices)
