"""Every plot, defined once: what it shows of one run, as plain numpy lines (no Qt, no matplotlib).

The screen's plot docks (panels/time_plot_panel.py, panels/certificate_panel.py), the export dashboard and the
vector figures (export/figures.py) all draw these definitions, so a plot written here appears for one run, for N
runs side by side and in every export. To add a plot against the training step: write its `lines` function, add a
`TimePlot` to `TIME_PLOTS`, and name it in a dock of `DOCKS` (see CONTRIBUTING.md).

Colours: with one run each line has its own colour; with several, every line of a run takes the run's colour and
the lines of one run differ by dash (the renderers decide, from `Line.colour` and `Line.dash`).
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from engine.certificate import live_certificate, pre_certificate, teacher_path
from engine.history import RunHistory
from engine.metrics import ACTIVE_FRACTION, CLOSE_DEG, neuron_metrics, spans_input_space
from engine.metrics_series import MetricsSeries
from featlearn_gui import palette
from featlearn_gui.scene import role_colors

FAR_FLOOR_DECADES = 1e-10  # exactly zero far mass is drawn this far below the run's starting far mass
TINY = 1e-300  # log axes get max(value, TINY)
PATH_SAMPLES = 360
NEAR_PATH_DEG = 8.0  # students farther than this from the teacher path are not marked on the certificate plot
ETA_SHOWN = 2.0  # the certificate plots show η within ±this (the band ±1 and a halving's jump); beyond is marked


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
    marks: Callable[[RunSeries], np.ndarray] = lambda run: np.zeros(0)  # steps of dotted vertical marks
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


def _from_branch_step(lines_of: Callable[[RunSeries], list[Line]]) -> Callable[[RunSeries], list[Line]]:
    """A branch's own lines start at its branch step: before it they are its parent's, which the parent draws."""

    def lines(run: RunSeries) -> list[Line]:
        out = lines_of(run)
        lineage = getattr(run.history, "lineage", None)
        if lineage is None:
            return out
        return [replace(line, x=np.asarray(line.x)[own], y=np.asarray(line.y)[own])
                for line in out for own in [np.asarray(line.x) >= lineage.step]]

    return lines


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
    TimePlot("loss", "Loss and objective", "loss", _from_branch_step(loss_lines), log_y=lambda run: True,
             figure_title="Loss L and objective L_λ",
             tooltip="For runs on samples (empirical, online) the training loss L is on the samples and the "
                     "population loss beside it is exact: the gap says whether the student generalizes."),
    TimePlot("lambda", "Weight decay λ", "weight decay λ", _from_branch_step(lambda_lines),
             log_y=lambda run: bool(np.all(run.column("weight_decay") > 0)),  # λ = 0 has no logarithm
             figure_title="Weight decay schedule λ(t)"),
    TimePlot("far", "Far mass", "far mass", _from_branch_step(far_lines), log_y=lambda run: True,
             tooltip=f"Far mass: Σ |a_j|‖w_j‖ over neurons more than {CLOSE_DEG:g}° from every teacher; "
                     "weight decay drives it to zero.",
             figure_title=f"Far mass (> {CLOSE_DEG:g}° from the teachers)"),
    TimePlot("angle", "Max active angle", "max active angle (°)", _from_branch_step(angle_lines),
             guides=lambda history: [Guide(CLOSE_DEG, palette.ANGLE)],
             tooltip=f"The largest angle to its nearest teacher of a neuron with at least {ACTIVE_FRACTION:g} of the "
                     f"largest mass (dotted: {CLOSE_DEG:g}°, 'near').",
             figure_title="Max active angle"),
    TimePlot("captured", "Captured mass per teacher", "captured mass", _from_branch_step(captured_lines),
             guides=lambda history: [Guide(float(a), palette.teacher_colour(i))
                                     for i, a in enumerate(history.teacher.a)],
             tooltip="Σ a_j‖w_j‖ over the neurons near each teacher; dashed lines: the teachers' a*.",
             figure_title="Captured mass vs a* (guides)"),
    TimePlot("span", "Mass in the teacher span", "share in span", _from_branch_step(span_lines), note=span_note,
             guides=lambda history: [Guide(0.0, palette.SPAN), Guide(1.0, palette.SPAN)],  # a share: [0, 1]
             tooltip="Σ |a_j|·‖P w_j‖ / Σ |a_j|‖w_j‖, P the projection onto the span of the teacher directions: each "
                     "neuron's mass counted by the cosine of its angle to the span. The first large step of the "
                     "three-stage procedure (dots: the ends of stages 1 and 2) lifts it from about √(k/d) to "
                     "nearly 1.",
             figure_title="Share of the mass in the teacher span"),
)}


# --- the certificate's peak against the step, and the changes of λ that make it jump ---------------------------

_PEAKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PEAK_PATHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
LAMBDA_JUMP = ("η_λ is the residual's correlation divided by λ, so when λ is halved η_λ doubles at once (to about "
               "±2 where it was ±1) and looks 'not certified'; gradient descent then moves the neurons until "
               "|η_λ| ≤ 1 again.")


PEAK_SAMPLES = 120  # the peak's path: every ~2° for three orthogonal teachers (teachers are always samples)


def certificate_peak(history: RunHistory, count: int) -> np.ndarray:
    """(count,) max |η_λ| along the teacher path of the first `count` snapshots (the unscaled correlation where
    λ = 0), from engine.certificate.live_certificate; each snapshot is computed once.

    The path is sampled a third as densely as the certificate panel's (PEAK_SAMPLES): the peak of a live run is
    computed for every snapshot as it arrives, a third of the window's drawing time at the full density, and the
    peaks sit at the teachers (samples of every path) or on smooth bumps that the coarser path meets within ~1 %."""
    path = _PEAK_PATHS.get(history)
    if path is None:
        path = _PEAK_PATHS[history] = teacher_path(history.teacher.w, samples=PEAK_SAMPLES)
    done = _PEAKS.get(history, np.zeros(0))
    if len(done) < count:
        view, activation = history.view(), history.config.model.activation
        new = [float(np.max(np.abs(live_certificate(path.points, view["student_w"][i], view["student_a"][i],
                                                    history.teacher, activation,
                                                    float(view["weight_decay"][i]))[0])))
               for i in range(len(done), count)]
        done = _PEAKS[history] = np.concatenate([done, new])
    return done[:count]


def lambda_changes(run: RunSeries) -> np.ndarray:
    """The steps of the first snapshots with a new λ (each halving of the schedule)."""
    lam, steps = run.column("weight_decay"), run.steps
    return steps[1:][lam[1:] != lam[:-1]].astype(float)


def certificate_peak_lines(run: RunSeries) -> list[Line]:
    return [Line("max |η_λ| on the path", run.steps, _positive(certificate_peak(run.history, run.count)),
                 palette.LIVE_CERTIFICATE)]


TIME_PLOTS["lambda"] = dataclasses.replace(
    TIME_PLOTS["lambda"], marks=lambda_changes,
    tooltip="Dotted verticals: each change of λ. " + LAMBDA_JUMP)
TIME_PLOTS["certificate_peak"] = TimePlot(
    "certificate_peak", "Certificate peak", "max |η_λ|", _from_branch_step(certificate_peak_lines),
    log_y=lambda run: True,
    guides=lambda history: [Guide(1.0, palette.FOREGROUND)], marks=lambda_changes,
    tooltip="The largest |η_λ| along the teacher path at each step (dotted: 1; at most 1 at a certified optimum). "
            "Dotted verticals: each change of λ. " + LAMBDA_JUMP,
    figure_title="Certificate peak max |η_λ| on the teacher path")

# The plot docks of the main window: (object name, title, the time plots stacked in it). The certificate dock is
# separate: it plots along the path through the teachers, not against the step. λ and the certificate's peak share
# a dock so that each jump of the peak sits under the change of λ that makes it.
DOCKS = (
    ("loss", "Loss and objective", ("loss",)),
    ("far_mass", "Far mass and max active angle", ("far", "angle")),
    ("captured", "Captured mass per teacher", ("captured",)),
    ("weight_decay", "Weight decay λ and the certificate's peak", ("lambda", "certificate_peak")),
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
    # (n, 4) RGBA of those students in the sphere's role colours (captured by teacher i / far / inactive)
    student_role: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))


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
    met = neuron_metrics(snap.student_w, snap.student_a, history.teacher, history.config.is_even)
    directions = met.directions
    position, distance = path.locate(directions)
    mass = met.mass
    largest = max(float(mass.max()), 1e-300)
    keep = (distance <= NEAR_PATH_DEG) & (mass >= ACTIVE_FRACTION * largest)
    sx = np.degrees(position[keep])
    return CertificateCurves(x, pre, live, scaled, np.degrees(path.teacher_arclength), float(np.max(np.abs(pre))),
                             int(snap.step), sx, np.interp(sx, x, live), np.sqrt(mass[keep] / largest),
                             np.asarray(snap.student_a)[keep] > 0, role_colors(met, len(history.teacher.a))[keep])
