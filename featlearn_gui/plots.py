"""Every plot, defined once: what it shows of one run, as plain numpy lines (no Qt, no matplotlib).

The screen's plot docks (panels/time_plot_panel.py, panels/certificate_panel.py), the export dashboard and the
vector figures (export/figures.py) all draw these definitions, so a plot written here appears for one run, for N
runs side by side and in every export. To add a plot against the training step: write its `lines` function, add a
`TimePlot` to `TIME_PLOTS`, and name it in a dock of `DOCKS` (see CONTRIBUTING.md).

Colours: with one run each line has its own colour; with several, every line of a run takes the run's colour and
the lines of one run differ by dash (the renderers decide, from `Line.colour` and `Line.dash`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.certificate import live_certificate, pre_certificate, teacher_path
from engine.history import RunHistory
from engine.metrics import ACTIVE_FRACTION, CLOSE_DEG, spans_input_space, unit_rows
from engine.metrics_series import MetricsSeries
from featlearn_gui import palette

FAR_FLOOR_DECADES = 1e-10  # exactly zero far mass is drawn this far below the run's starting far mass
TINY = 1e-300  # log axes get max(value, TINY)
PATH_SAMPLES = 360
NEAR_PATH_DEG = 8.0  # students farther than this from the teacher path are not marked on the certificate plot


@dataclass(frozen=True)
class Line:
    label: str
    x: np.ndarray
    y: np.ndarray
    colour: str
    dash: bool = False
    symbols: bool = False  # points without a connecting line (marked snapshots, e.g. the ends of stages)


@dataclass(frozen=True)
class Guide:
    """A horizontal reference line (a teacher's a*, the 'near' angle)."""

    y: float
    colour: str


@dataclass(frozen=True)
class RunSeries:
    """One run as the plots read it: its history, its metrics and how many snapshots to show."""

    history: RunHistory
    metrics: MetricsSeries
    count: int

    @classmethod
    def of(cls, history: RunHistory, count: int | None = None) -> RunSeries:
        """All of a finished history (exports); the live panels keep their own MetricsSeries instead."""
        metrics = MetricsSeries(history)
        metrics.update()
        return cls(history, metrics, len(history) if count is None else count)

    def column(self, key: str) -> np.ndarray:
        return np.asarray(self.history.view()[key][: self.count])

    @property
    def steps(self) -> np.ndarray:
        return self.column("step")


@dataclass(frozen=True)
class TimePlot:
    key: str
    title: str
    y_label: str
    lines: Callable[[RunSeries], list[Line]]
    guides: Callable[[RunHistory], list[Guide]] = lambda history: []
    log_y: Callable[[RunSeries], bool] = lambda run: False
    tooltip: str = ""
    figure_title: str = ""  # in the vector figures, where the dock title is not around it
    # What the plot says instead of drawing lines that hold nothing (e.g. a share that is 1 by construction).
    note: Callable[[list[RunSeries]], str] = lambda runs: ""

    def log(self, runs: list[RunSeries]) -> bool:
        return bool(runs) and all(self.log_y(run) for run in runs)


def _positive(values: np.ndarray, floor: float = TINY) -> np.ndarray:
    return np.maximum(np.nan_to_num(values, nan=floor, posinf=1e300), floor)


def loss_lines(run: RunSeries) -> list[Line]:
    steps = run.steps
    lines = [Line("loss L", steps, _positive(run.column("loss")), palette.LOSS),
             Line("objective L_λ", steps, _positive(run.column("objective")), palette.OBJECTIVE, dash=True)]
    if run.history.config.loss.kind != "population":  # on samples: the exact loss shows whether it generalizes
        lines.append(Line("population loss", steps, _positive(run.column("population_loss")),
                          palette.POPULATION_LOSS, dash=True))
    return lines


def lambda_lines(run: RunSeries) -> list[Line]:
    return [Line("λ", run.steps, run.column("weight_decay"), palette.WEIGHT_DECAY)]


def far_lines(run: RunSeries) -> list[Line]:
    n = min(run.count, len(run.metrics))
    far = run.metrics.far_mass[:n]
    # Weight decay drives far mass to exactly 0: show that as a floor 10 decades below the start, not at 1e-300.
    floor = max(float(far[0]) if n else 0.0, 1e-12) * FAR_FLOOR_DECADES
    return [Line("far mass", run.steps[:n], _positive(far, floor), palette.FAR_MASS)]


def angle_lines(run: RunSeries) -> list[Line]:
    n = min(run.count, len(run.metrics))
    return [Line("max active angle", run.steps[:n], run.metrics.max_active_angle_deg[:n], palette.ANGLE)]


def captured_lines(run: RunSeries) -> list[Line]:
    n = min(run.count, len(run.metrics))
    return [Line(f"w{i + 1}* (a* = {a:+.3g})", run.steps[:n], run.metrics.captured[:n, i],
                 palette.teacher_colour(i), dash=i > 0)
            for i, a in enumerate(run.history.teacher.a)]


def stage_ends(stage: np.ndarray) -> np.ndarray:
    """Indices of the last snapshot of each stage that a later one follows (three-stage runs: after the first
    large step, and after the ridge fit); empty for plain runs."""
    return np.flatnonzero(np.diff(np.asarray(stage)) > 0)


def span_lines(run: RunSeries) -> list[Line]:
    if spans_input_space(run.history.teacher.w):
        return []  # 1 by construction: `span_note` says so instead of a flat line
    n = min(run.count, len(run.metrics))
    steps, share = run.steps[:n], run.metrics.span_share[:n]
    lines = [Line("mass in the teacher span", steps, share, palette.SPAN)]
    ends = stage_ends(run.column("stage")[:n])
    if ends.size:
        stages = [str(int(s)) for s in run.column("stage")[ends]]
        lines.append(Line(f"end of stage{'s' if len(stages) > 1 else ''} {', '.join(stages)}", steps[ends],
                          share[ends], palette.SPAN, symbols=True))
    return lines


def span_note(runs: list[RunSeries]) -> str:
    spanning = [run for run in runs if spans_input_space(run.history.teacher.w)]
    if not spanning:
        return ""
    dims = sorted({run.history.config.teacher.dim for run in spanning})
    where = " and ".join(f"R^{d}" for d in dims)
    if len(spanning) == len(runs):
        return f"The teachers span all of {where}: the share is 1 by construction."
    return f"Not drawn: 1 by construction where the teachers span {where}."


TIME_PLOTS = {plot.key: plot for plot in (
    TimePlot("loss", "Loss and objective", "loss", loss_lines, log_y=lambda run: True,
             figure_title="Loss L and objective L_λ",
             tooltip="For runs on samples (empirical, online) the training loss L is on the samples and the "
                     "population loss beside it is exact: the gap says whether the student generalizes."),
    TimePlot("lambda", "Weight decay λ", "weight decay λ", lambda_lines,
             log_y=lambda run: bool(np.all(run.column("weight_decay") > 0)),  # λ = 0 has no logarithm
             figure_title="Weight decay schedule λ(t)"),
    TimePlot("far", "Far mass", "far mass", far_lines, log_y=lambda run: True,
             tooltip=f"Far mass: Σ |a_j|‖w_j‖ over neurons more than {CLOSE_DEG:g}° from every teacher; "
                     "weight decay drives it to zero.",
             figure_title=f"Far mass (> {CLOSE_DEG:g}° from the teachers)"),
    TimePlot("angle", "Max active angle", "max active angle (°)", angle_lines,
             guides=lambda history: [Guide(CLOSE_DEG, palette.ANGLE)],
             tooltip=f"The largest angle to its nearest teacher of a neuron with at least {ACTIVE_FRACTION:g} of the "
                     f"largest mass (dotted: {CLOSE_DEG:g}°, 'near').",
             figure_title="Max active angle"),
    TimePlot("captured", "Captured mass per teacher", "captured mass", captured_lines,
             guides=lambda history: [Guide(float(a), palette.teacher_colour(i))
                                     for i, a in enumerate(history.teacher.a)],
             tooltip="Σ a_j‖w_j‖ over the neurons near each teacher; dashed lines: the teachers' a*.",
             figure_title="Captured mass vs a* (guides)"),
    TimePlot("span", "Mass in the teacher span", "share in span", span_lines, note=span_note,
             guides=lambda history: [Guide(0.0, palette.SPAN), Guide(1.0, palette.SPAN)],  # a share: [0, 1]
             tooltip="Σ |a_j|·‖P w_j‖ / Σ |a_j|‖w_j‖, P the projection onto the span of the teacher directions: each "
                     "neuron's mass counted by the cosine of its angle to the span. The first large step of the "
                     "three-stage procedure (dots: the ends of stages 1 and 2) lifts it from about √(k/d) to "
                     "nearly 1.",
             figure_title="Share of the mass in the teacher span"),
)}

# The plot docks of the main window: (object name, title, the time plots stacked in it). The certificate dock is
# separate: it plots along the path through the teachers, not against the step.
DOCKS = (
    ("loss", "Loss and objective", ("loss",)),
    ("far_mass", "Far mass and max active angle", ("far", "angle")),
    ("captured", "Captured mass per teacher", ("captured",)),
    ("weight_decay", "Weight decay λ", ("lambda",)),
    ("span", "Mass in the teacher span", ("span",)),  # tabbed with "captured" (main_window)
)


# --- the certificate along the path through the teachers ------------------------------------------------------


@dataclass(frozen=True)
class CertificateCurves:
    """The dual certificate of one snapshot along the closed path of great-circle arcs through the teachers."""

    x: np.ndarray  # position along the path, degrees
    pre: np.ndarray  # the teacher's static pre-certificate η
    live: np.ndarray  # η_λ of the snapshot (the unscaled correlation when λ = 0)
    scaled: bool
    teacher_x: np.ndarray  # where the path passes each teacher
    pre_max: float  # max |η| of the pre-certificate on the path: > 1 means the teacher is not certified
    step: int
    student_x: np.ndarray = field(default_factory=lambda: np.zeros(0))  # students near the path, on the live curve
    student_y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    student_size: np.ndarray = field(default_factory=lambda: np.zeros(0))  # √(mass / largest mass) in [0, 1]
    student_positive: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


_PATHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _path_and_pre(history: RunHistory):
    """The teacher path and its pre-certificate, computed once per history."""
    cached = _PATHS.get(history)
    if cached is None:
        path = teacher_path(history.teacher.w, samples=PATH_SAMPLES)
        pre = pre_certificate(history.teacher, history.config.model.activation)(path.points)
        cached = _PATHS[history] = (path, pre)
    return cached


def certificate_curves(history: RunHistory, index: int) -> CertificateCurves:
    path, pre = _path_and_pre(history)
    snap = history.snapshot(index)
    x = np.degrees(path.arclength)
    live, scaled = live_certificate(path.points, snap.student_w, snap.student_a, history.teacher,
                                    history.config.model.activation, snap.weight_decay)
    directions, norms = unit_rows(np.asarray(snap.student_w, dtype=np.float64))
    position, distance = path.locate(directions)
    mass = np.abs(snap.student_a) * norms
    largest = max(float(mass.max()), 1e-300)
    keep = (distance <= NEAR_PATH_DEG) & (mass >= ACTIVE_FRACTION * largest)
    sx = np.degrees(position[keep])
    return CertificateCurves(x, pre, live, scaled, np.degrees(path.teacher_arclength), float(np.max(np.abs(pre))),
                             int(snap.step), sx, np.interp(sx, x, live), np.sqrt(mass[keep] / largest),
                             np.asarray(snap.student_a)[keep] > 0)
