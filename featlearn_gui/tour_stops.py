"""Where the guided tour stops, and what it says there: found from a run's own metrics, never from fixed steps.

`tour_stops(history)` returns [(step, caption)] in order. Every stop is a recorded step and depends only on the
snapshots up to it (so the stops of a run still training never move; the last one appears when the run reaches
its final step):

- the start;
- the stages of the three-stage procedure (the first large step, with the share of the mass it put in the teacher
  span, and the ridge fit);
- early alignment: the first step at which most of the mass (≥ ALIGNED_SHARE) sits within CLOSE_DEG of a teacher;
- each decrease of λ (the first recorded step with the new value);
- the far mass vanishing: the first step after the start with far mass exactly 0;
- every active neuron within FEW_DEG of a teacher: the first step with max active angle ≤ FEW_DEG;
- the end: the live certificate at the teachers and away from them;
- for a branch (engine.branch), the branch step: where it came from, what changed, and the state it starts from.
What-ifs are offered where they tell: switching weight decay off once the far mass has vanished (Branch here),
and moving a teacher at the end (dragging it on the sphere).

Stops at the same step share one caption. The metrics come from engine.metrics_series (the same formulas as
engine.metrics.neuron_metrics, vectorized) and the certificate from engine.certificate; docs/theory.md tells the
story.
"""

from __future__ import annotations

import math

import numpy as np

from engine.history import RunHistory
from engine.metrics import CLOSE_DEG, span_basis, spans_input_space
from engine.metrics_series import MetricsSeries
from featlearn_gui.explain import certificate_summary, metrics_at
from featlearn_gui.scene import COLOUR_MEANINGS

ALIGNED_SHARE = 0.5  # "most of the mass near a teacher": the directions have aligned
FEW_DEG = 2.0  # "every active neuron within a few degrees"
PRESETS = ("paper", "three-stage")  # the presets Help → Guided tour offers


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if len(hits) else None


def _total_mass(view: dict[str, np.ndarray]) -> np.ndarray:
    return np.sum(np.abs(view["student_a"]) * np.linalg.norm(view["student_w"], axis=-1), axis=1)


def tour_stops(history: RunHistory, series: MetricsSeries | None = None,
               colour: str = "role") -> list[tuple[int, str]]:
    """[(step, caption)] of the run's story so far, in order of step. `series`: a MetricsSeries of `history` to
    reuse (it is brought up to date here); `colour`: the sphere's colour mode, which the first caption explains."""
    if len(history) == 0:
        return []
    series = series or MetricsSeries(history)
    series.update()
    view = history.view()
    n = min(len(series), len(view["step"]))
    steps, stage, lam, loss = view["step"][:n], view["stage"][:n], view["weight_decay"][:n], view["loss"][:n]
    far, angle = series.far_mass[:n], series.max_active_angle_deg[:n]
    total = _total_mass(view)[:n]
    k, m = len(history.teacher.a), history.config.student.width
    found: dict[int, list[str]] = {}

    def add(i: int, text: str) -> None:
        found.setdefault(i, []).append(text)

    add(0, f"The start: {m} student neurons (dots, sized by mass, coloured {COLOUR_MEANINGS[colour]}) scattered "
           f"over the sphere; {k} teachers (markers) that they must find. Loss {loss[0]:.2g}.")

    if stage[0] == 1 and n > 1:
        add(1, "Stage 1, early feature learning: one large gradient step on the first layer. "
               + _stage1_story(history, series.span_share[:2], angle[:2]))
    stage2 = _first(stage == 2)
    if stage2 is not None:
        add(stage2, f"Stage 2: the second layer is fitted by ridge regression (a convex problem) and every neuron "
                    f"rebalanced: the loss falls from {loss[stage2 - 1]:.2g} to {loss[stage2]:.2g}. Stage 3, plain "
                    "gradient descent with decaying weight decay, does the rest.")

    near_share = np.where(total > 0, 1.0 - far / np.where(total > 0, total, 1.0), 0.0)
    aligned = _first((near_share >= ALIGNED_SHARE) & (np.arange(n) > 0) & (near_share[0] < ALIGNED_SHARE))
    if aligned is not None:
        add(aligned, f"Early alignment: {100 * near_share[aligned]:.0f} % of the mass already sits within "
                     f"{CLOSE_DEG:g}° of a teacher and the loss has fallen to {loss[aligned]:.2g}. But "
                     f"{far[aligned]:.2g} of mass still sits far from every teacher: weight decay has yet to remove "
                     "it.")

    lineage = getattr(history, "lineage", None)
    for i in np.flatnonzero(lam[1:] < lam[:-1]) + 1:
        if lineage is not None and steps[i] == lineage.step:
            continue  # a branch's own λ, not a step of the schedule: its branch stop says what changed
        floor = history.config.optim.weight_decay_min
        factor = lam[i - 1] / lam[i] if lam[i] > 0 else np.inf
        how = ("reaches its floor" if lam[i] <= floor and abs(factor - 2) > 1e-6 else
               "halved" if abs(factor - 2) < 1e-6 else f"divided by {factor:.3g}")
        add(int(i), f"λ {how}: {lam[i - 1]:.3g} → {lam[i]:.3g}. Less shrinkage, so the captured masses move "
                    f"closer to a* and the neurons closer to the teachers (max active angle {angle[i]:.2f}°).")

    vanished = _first((far == 0) & (np.arange(n) > 0))
    if vanished is not None:
        add(vanished, f"The far mass has vanished: every neuron more than {CLOSE_DEG:g}° from all teachers has "
                      "shrunk to zero or moved in. Weight decay cleans up the far neurons: the paper's late-stage "
                      "feature learning." + (" What if weight decay stopped now? Run ▸ Branch here (Ctrl+B) with "
                                             "λ = 0 shows whether far neurons come back." if lam[vanished] > 0 else ""))

    close = _first((angle <= FEW_DEG) & (far == 0) & (np.arange(n) > 0))
    if close is not None:
        add(close, f"Every active neuron is within {angle[close]:.2f}° of a teacher (at most {FEW_DEG:g}°): each "
                   "neuron has either converged to a teacher's direction or died.")

    if n == len(view["step"]) and int(steps[-1]) >= history.config.optim.steps:
        i = n - 1
        cert = certificate_summary(history, i)
        met = metrics_at(history, i)
        captured = ", ".join(f"{c:+.3f}" for c in met.captured)
        if cert.live_scaled:
            story = (f"the live certificate η_λ reaches ±1 only at the teachers (|η_λ| = {cert.live_at_teachers:.3f} "
                     f"there, at most {cert.live_away:.2f} more than {CLOSE_DEG:g}° away), where the neurons sit")
        else:
            story = "without weight decay there is no certificate to reach"
        certified = "" if cert.certified else f" (the pre-certificate peaks at {cert.pre_max:.2f} > 1: not certified)"
        add(i, f"The end, step {int(steps[i]):,}: loss {loss[i]:.2g}, far mass {_fmt(met.far_mass)}, captured "
               f"masses {captured}; {story}{certified}. What if a teacher sat elsewhere? Drag it on the sphere: the "
               "pre-certificate answers at once.")
    _branch_stop(history, steps, far, angle, add)
    return [(int(steps[i]), " ".join(texts)) for i, texts in sorted(found.items())]


def _branch_stop(history: RunHistory, steps: np.ndarray, far: np.ndarray, angle: np.ndarray, add) -> None:
    """A branch's story starts at its branch step: where it came from, what changed, the state it starts from."""
    lineage = getattr(history, "lineage", None)
    hits = np.flatnonzero(steps == lineage.step) if lineage is not None else []
    if len(hits):
        i = int(hits[0])
        add(i, f"What if? This run {lineage.describe(history.config)}. Here the far mass is {_fmt(far[i])} and every "
               f"active neuron is within {angle[i]:.1f}° of a teacher; from here on the run is the branch's own.")


def _stage1_story(history: RunHistory, span: np.ndarray, angle: np.ndarray) -> str:
    """What the first large step did: in d > k, where the teachers do not span R^d, it finds their span (the share
    of the mass in it, engine.metrics); the neurons are not yet on the teachers themselves."""
    if spans_input_space(history.teacher.w):
        return f"The directions jump towards the teachers (max active angle {angle[0]:.0f}° → {angle[1]:.0f}°)."
    rank, d = span_basis(history.teacher.w).shape
    return (f"{_floor_percent(span[1])} of the mass already lies in the teacher span, the {rank}-D subspace of R^{d} "
            f"the teachers live in ({_floor_percent(span[0])} at the start), though the neurons are still up to "
            f"{angle[1]:.0f}° from the nearest teacher.")


def _floor_percent(share: float) -> str:
    """A share as whole percent, rounded down: 0.996 is "99 %", never an overstated "100 %"."""
    return f"{math.floor(100 * share + 1e-9):.0f} %"


def _fmt(x: float) -> str:
    return "0" if x == 0 else f"{x:.2g}"


def caption_at(stops: list[tuple[int, str]], step: int) -> str:
    """The caption of the latest stop at or before `step` ('' before the first)."""
    text = ""
    for stop, caption in stops:
        if stop > step:
            break
        text = caption
    return text
