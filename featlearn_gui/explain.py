"""What am I looking at? The words of Help → "What am I looking at?", with the numbers of one snapshot (Qt-free).

Every number comes from the engine: `engine.metrics.neuron_metrics` (masses, angles, far mass, captured mass, with
CLOSE_DEG and ACTIVE_FRACTION) and `engine.certificate` (the pre-certificate and the live η_λ along the path
through the teachers). This module only puts them into sentences. The theory is in docs/theory.md.
"""

from __future__ import annotations

import dataclasses
import weakref
from dataclasses import dataclass
from html import escape

import numpy as np

from engine.certificate import live_certificate, pre_certificate, teacher_path
from engine.history import RunHistory
from engine.initial import angle_matrix_deg
from engine.metrics import ACTIVE_FRACTION, CLOSE_DEG, NeuronMetrics, neuron_metrics, spans_input_space
from featlearn_gui.plots import ETA_SHOWN, LAMBDA_JUMP, NEAR_PATH_DEG
from featlearn_gui.scene import COLOUR_MEANINGS, ViewOptions, build_scene

ACTIVATIONS = {"relu": "ReLU", "relu_centered": "centred ReLU", "abs": "|z|"}
PATH_SAMPLES = 720
_PATHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class CertificateSummary:
    """The certificates of one snapshot along the closed path through the teachers (engine.certificate)."""

    pre_max: float  # max |η| of the teacher's pre-certificate: ≤ 1 (up to rounding) means certified
    live_scaled: bool  # False for λ = 0: `live_*` are then the unscaled correlation
    live_at_teachers: float  # min over teachers of |η_λ| at the teacher
    live_away: float  # max |η_λ| more than CLOSE_DEG from every teacher (± for even σ)

    @property
    def certified(self) -> bool:
        return self.pre_max <= 1.0 + 1e-6


def _path(history: RunHistory):
    cached = _PATHS.get(history)
    if cached is None:
        path = teacher_path(history.teacher.w, samples=PATH_SAMPLES)
        pre = pre_certificate(history.teacher, history.config.model.activation)
        far = angle_matrix_deg(path.points, history.teacher.w, history.config.is_even).min(axis=1) > CLOSE_DEG
        cached = _PATHS[history] = (path, float(np.max(np.abs(pre(path.points)))), far)
    return cached


def certificate_summary(history: RunHistory, index: int) -> CertificateSummary:
    path, pre_max, far = _path(history)
    snap = history.snapshot(index)
    live, scaled = live_certificate(path.points, snap.student_w, snap.student_a, history.teacher,
                                    history.config.model.activation, snap.weight_decay)
    at_teachers, _ = live_certificate(history.teacher.w, snap.student_w, snap.student_a, history.teacher,
                                      history.config.model.activation, snap.weight_decay)
    away = float(np.max(np.abs(live[far]))) if far.any() else 0.0
    return CertificateSummary(pre_max, scaled, float(np.min(np.abs(at_teachers))), away)


def metrics_at(history: RunHistory, index: int) -> NeuronMetrics:
    snap = history.snapshot(index)
    return neuron_metrics(snap.student_w, snap.student_a, history.teacher, history.config.is_even)


def _num(x: float) -> str:
    """A number as a person reads it: 0, 0.20, 3.6e-07."""
    if x == 0:
        return "0"
    return f"{x:.2f}" if 0.01 <= abs(x) < 1000 else f"{x:.2g}"


def far_mass_sentence(met: NeuronMetrics) -> str:
    """'far mass 0.20: 6.5 % of the mass sits on 9 neurons more than 10° from every teacher'."""
    total = float(met.mass.sum())
    far = ~met.near & (met.mass > 0)
    if met.far_mass == 0:
        return (f"far mass 0: every neuron that has any mass is within {CLOSE_DEG:g}° of a teacher "
                "(the others have shrunk to exactly zero or were never far)")
    share = 100 * met.far_mass / total if total > 0 else 0.0
    count = int(far.sum())
    return (f"far mass {_num(met.far_mass)}: {share:.1f} % of the mass sits on {count} "
            f"neuron{'s' if count != 1 else ''} more than {CLOSE_DEG:g}° from every teacher")


def angle_sentence(met: NeuronMetrics) -> str:
    active = int(met.active.sum())
    return (f"max active angle {met.max_active_angle_deg:.2f}°: the farthest of the {active} active neurons "
            f"(mass ≥ {ACTIVE_FRACTION:g} × the largest) is {met.max_active_angle_deg:.2f}° from its nearest teacher")


def captured_sentence(met: NeuronMetrics, targets: np.ndarray) -> str:
    parts = [f"teacher {i + 1}: {c:+.3f} (a* = {a:+g})" for i, (c, a) in enumerate(zip(met.captured, targets))]
    return "captured mass " + ", ".join(parts)


def certificate_sentence(cert: CertificateSummary) -> str:
    pre = (f"The teacher's pre-certificate η peaks at max |η| = {cert.pre_max:.3f} on the path: "
           + ("the sparse teacher is certified (|η| reaches 1 only at the teachers)." if cert.certified else
              "<b>above 1, so the sparse teacher is not certified</b>: some other spread of mass can represent "
              "the same function as cheaply, and weight decay need not end at the teachers."))
    if not cert.live_scaled:
        live = ("λ = 0, so the live certificate is undefined; the curve shows the unscaled correlation of the "
                f"residual with a neuron at each point (at most {_num(cert.live_away)} away from the teachers).")
    else:
        touch = "touches ±1 only at the teachers" if cert.live_away < 1.0 else "exceeds 1 away from the teachers"
        live = (f"The live η<sub>λ</sub> is {cert.live_at_teachers:.3f} (in absolute value) at the teachers and at "
                f"most {cert.live_away:.3f} more than {CLOSE_DEG:g}° from them: it {touch}. Where |η<sub>λ</sub>| > 1 "
                "a new neuron would lower the objective.")
    return pre + " " + live


def weight_decay_sentence(history: RunHistory, index: int) -> str:
    optim = history.config.optim
    lam = history.snapshot(index).weight_decay
    if optim.weight_decay == 0:
        return "λ = 0: no weight decay, so nothing removes mass from far neurons whose outputs cancel."
    schedule = (f"starts at {optim.weight_decay:g} and is multiplied by {optim.decay_factor:g} every "
                f"{optim.decay_every:,} steps down to {optim.weight_decay_min:g}"
                if optim.decay_factor < 1 else f"stays at {optim.weight_decay:g}")
    return f"λ = {lam:.3g} now; it {schedule}."


def span_sentence(history: RunHistory, met) -> str:
    """The span share in words: what it is, and its value now (or why it is 1 by construction)."""
    d = history.config.teacher.dim
    what = ("The share of the mass Σ |a<sub>j</sub>|‖w<sub>j</sub>‖ that lies in the span of the teacher "
            "directions, each neuron counted by the cosine of its angle to that subspace. ")
    if spans_input_space(history.teacher.w):
        return what + f"Here the teachers span all of R<sup>{d}</sup>, so it is 1 by construction and not plotted."
    return (what + "The first large step of the three-stage procedure lifts it close to 1 (the dots mark the ends of "
            f"stages 1 and 2). Now: {100 * met.span_share:.3g} %.")


def spheres_sentence(history: RunHistory, index: int, options: ViewOptions) -> str:
    """What the sphere draws at this snapshot with these options: the colours and the teacher markers, read from
    the frame itself (featlearn_gui.scene.build_scene), so the words say what the pixels show."""
    scene = build_scene(history, index, dataclasses.replace(options, trails=False, arrows=False, certificate="off"))
    k, markers = len(history.teacher.a), len(scene.teachers.positions)
    legend = "; ".join(escape(text) for *_, text in scene.legend)
    colours = f"its colour is {escape(COLOUR_MEANINGS[options.colour])} (the legend: {legend})"
    if markers == k and history.config.is_even:
        teachers = (f"The {k} large markers are the teachers, one each: for an even σ, w and −w are the same "
                    "feature, so the view is folded (View → fold): each teacher is drawn once, at w*, and each neuron "
                    "at whichever of ±w<sub>j</sub> is nearer its teacher")
    elif markers == 2 * k:
        teachers = f"The {markers} large markers are the teachers at ±w* (for an even σ both are the same feature)"
    else:
        teachers = f"The {markers} large markers are the teachers"
    return f"{colours}. {teachers}"


def help_html(history: RunHistory, index: int, label: str = "", several: bool = False,
              options: ViewOptions | None = None) -> str:
    """The whole explanation of the panels, with the numbers of snapshot `index` of `history`, for the sphere's
    view `options` (default: the default view)."""
    options = options or ViewOptions()
    cfg = history.config
    snap = history.snapshot(index)
    met = metrics_at(history, index)
    cert = certificate_summary(history, index)
    d, k, m = cfg.teacher.dim, len(history.teacher.a), cfg.student.width
    shape = "on a circle" if d == 2 else "on the sphere" if d == 3 else f"projected from d = {d} to the sphere"
    near = int((met.near & (met.mass > 0)).sum())
    stage = f", stage {snap.stage} of the three-stage procedure" if snap.stage else ""
    population = snap.loss if snap.population_loss is None else snap.population_loss
    loss = f"loss {snap.loss:.3g}, objective L<sub>λ</sub> {snap.objective:.3g}"
    if cfg.loss.kind != "population":
        loss += f", population loss {population:.3g} (the generalization error)"
    sections = [
        f"<h3>{escape(label or 'The run')} at step {snap.step:,}{stage}</h3>"
        f"<p>A student network f(x) = Σ<sub>j</sub> a<sub>j</sub> σ(w<sub>j</sub>ᵀx) with m = {m} neurons learns a "
        f"teacher with k = {k} neurons in d = {d} ({ACTIVATIONS.get(cfg.model.activation, cfg.model.activation)}, "
        f"{cfg.loss.kind} loss). The paper (Zhou &amp; Ge, NeurIPS 2024) proves that once the loss is small, "
        "gradient descent with weight decay sends every student neuron either onto a teacher's direction or "
        "to zero. Each panel shows one side of that.</p>",
        "<h4>Spheres</h4>"
        f"<p>Each dot is one student neuron at its direction w<sub>j</sub>/‖w<sub>j</sub>‖, {shape}; its size "
        "grows with its mass |a<sub>j</sub>|‖w<sub>j</sub>‖ (as its square root) and "
        f"{spheres_sentence(history, index, options)}. Now {int(met.active.sum())} of {m} neurons are active and "
        f"{near} sit within {CLOSE_DEG:g}° of a teacher.</p>",
        f"<h4>Loss and objective</h4><p>The squared error ½E[(f − f*)²] over Gaussian inputs (log scale), and the "
        f"objective L<sub>λ</sub> = L + λ/2 (‖a‖² + ‖W‖²) that gradient descent minimizes. Now: {loss}.</p>",
        "<h4>Far mass and max active angle</h4>"
        f"<p>The two numbers the theorem drives to zero. Now: {far_mass_sentence(met)}; "
        f"{angle_sentence(met)}. Without weight decay the far mass can stay above zero forever.</p>",
        "<h4>Captured mass per teacher</h4>"
        f"<p>The signed mass Σ a<sub>j</sub>‖w<sub>j</sub>‖ of the neurons within {CLOSE_DEG:g}° of each teacher, "
        f"against the teacher's a* (dashed). Recovery means they meet. Now: "
        f"{captured_sentence(met, history.teacher.a)}.</p>",
        f"<h4>Mass in the teacher span</h4><p>{span_sentence(history, met)}</p>",
        "<h4>Certificate along the teacher path</h4>"
        "<p>A dual certificate η is a function on the sphere equal to ±1 (the sign of a*) at the teachers and "
        "strictly between −1 and 1 elsewhere: it proves that the teacher is the representation of least mass, "
        "the one weight decay prefers. The panel draws it along a closed path of great-circle arcs through the "
        f"teachers, with the students within {NEAR_PATH_DEG:g}° of the path as dots (coloured as on the sphere); its "
        f"axis shows ±{ETA_SHOWN:g}, and triangles on the edge mark values beyond. {certificate_sentence(cert)} "
        f"{escape(LAMBDA_JUMP)} The plot under λ draws max |η<sub>λ</sub>| on the path against the step, each "
        "change of λ marked, so each jump sits under the halving that causes it.</p>",
        f"<h4>Weight decay λ</h4><p>The strength of the penalty λ/2 (‖a‖² + ‖W‖²), which acts like λ times the "
        f"total mass: large early to clean up far neurons, small late so the captured masses reach a*. "
        f"{weight_decay_sentence(history, index)}</p>",
        "<h4>Metrics table</h4><p>Shown when a window holds several runs: one row per run with its last loss, max "
        "active angle, far mass (and its share of all mass) and captured masses, so a comparison reads at a "
        "glance." + (" It is on screen now." if several else "") + "</p>",
        "<p style='color:#555'>The full story, with the formulas and what each preset demonstrates, is in "
        "docs/theory.md of the featlearn sources; Help → Guided tour plays it.</p>",
    ]
    return "\n".join(sections)
