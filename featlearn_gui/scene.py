"""What the sphere view draws at one snapshot, as plain numpy arrays (no Qt), in display coordinates.

`build_scene(history, index, options)` turns a recorded snapshot into a frozen `SphereScene`: teacher markers,
student points sized by mass and coloured by role (captured by teacher i / far / inactive) or by the sign of a,
optional great-circle trails, descent arrows and a certificate heat map, and the numbers hover tooltips show.
Every number comes from the engine (metrics, certificates, projection); this module only maps them to positions,
sizes and colours. Display coordinates are 2-D for d = 2 (a circle) and 3-D otherwise (the sphere, or for d > 3
the engine's display projection, where unit vectors land inside the unit ball).

Per-history work (projection, certificate grid, pre-certificate) is cached, keyed weakly by the history, so the
view can rebuild scenes at 30 frames a second while training.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from engine.certificate import live_certificate, pre_certificate
from engine.metrics import (
    ACTIVE_FRACTION,
    CLOSE_DEG,
    balanced_positions,
    descent_targets,
    neuron_metrics,
    spans_input_space,
    subspace_share,
    unit_rows,
)
from engine.projection import Projection, display_projection
from featlearn_gui import palette
from featlearn_gui.palette import rgba

POSITIVE = rgba(palette.POSITIVE)  # a > 0
NEGATIVE = rgba(palette.NEGATIVE)  # a < 0
INACTIVE_ALPHA = 0.22  # inactive neurons keep their hue but fade into the sphere
TEACHER_SIZE = 18.0  # px
STUDENT_SIZE = (3.0, 11.0)  # px for zero mass and for the largest mass (size grows with √mass)
ACTIVE_SIZE = 5.5  # px at least for an active neuron: small ones must still be seen
FAR_SIZE = 7.0  # px at least for a far neuron in the role colours: the mass that stays away is the story
TRAIL_ALPHA = 0.45
ARROW_COLOR = (0.15, 0.15, 0.15, 0.85)
ARROW_LENGTH = 0.25  # the longest descent arrow, in sphere radii
CERTIFIED_TOLERANCE = 1e-3  # grid rounding: |η| up to 1 + this still counts as "≤ 1"
LIVE_GRID_BUDGET = 1_500_000  # grid points × neurons per live-certificate evaluation
TRAIL_STEP_DEG = 3.0  # trails follow great circles: each recorded step is cut into arcs of at most this angle
TRAIL_MAX_PIECES = 32  # ... but never more pieces than this per recorded step
TRAIL_POINT_BUDGET = 250_000  # ... nor more trail points than this in all (wide students: fewer, longer arcs)
TRAIL_BREAK_DEG = 60.0  # a direction that turns more than this between two snapshots passed (near) zero: gap
TRAIL_NEAR_ZERO = 1e-2  # or a norm below this fraction of the snapshot's largest norm: the trail breaks there
FAR = rgba(palette.FAR)
INACTIVE = rgba(palette.INACTIVE)

# Diverging map on [−1, 1]: pale at the ends so sign-coloured markers stay visible on top of it, and two distinct
# Okabe-Ito colours beyond ±1, so regions where |η| > 1 are never mistaken for |η| = 1.
HEAT_STOPS = np.array([-1.0, 0.0, 1.0])
HEAT_COLORS = np.array([(0.62, 0.80, 0.93), (0.97, 0.97, 0.97), (0.99, 0.80, 0.52)])
HEAT_OVER = (0.80, 0.47, 0.65)  # reddish purple: η > 1
HEAT_UNDER = (0.0, 0.62, 0.45)  # bluish green: η < −1


@dataclass(frozen=True)
class ViewOptions:
    """What the sphere view shows besides teachers and students.

    trails : draw each neuron's path over the last `trail_length` recorded snapshots (great-circle arcs).
    arrows : draw the paper's descent directions (docs/theory.md §6).
    certificate : "off", "live" (η_λ of the snapshot) or "pre" (the teacher's static pre-certificate).
    fade_inactive : draw neurons below the engine's activity threshold faded.
    colour : "role" (captured by teacher i in its colour / far / inactive) or "sign" (of a_j).
    fold : for even activations (w and −w the same feature), draw each neuron at the copy ±ŵ_j nearest to its
        nearest teacher, and each teacher once.
    """

    trails: bool = False
    trail_length: int = 30  # snapshots of history drawn behind each neuron
    arrows: bool = False  # descent-direction arrows (docs/theory.md §6)
    certificate: str = "off"  # "off" | "live" | "pre"  heat map on the sphere
    fade_inactive: bool = True
    # Role by default: the paper's story is which neurons a teacher captured and which stay far; the sign of a is
    # already told by the teacher a neuron sits on (a captured neuron has its teacher's sign).
    colour: str = "role"
    # Folded by default: the engine measures angles modulo ± for even σ, so folding makes the picture agree with
    # the metrics; unfolded, each teacher's captured mass is split between two antipodal markers (and half of it
    # is on the back), and 2k teacher rings crowd the sphere.
    fold: bool = True


CERTIFICATE_KINDS = ("off", "live", "pre")
COLOUR_MODES = palette.COLOUR_MODES
# What the students' colours mean in each colour mode, in words (Help, the tour, the View panel's tooltip), beside
# the code that paints them (role_colors, sign_colors); each frame's legend (`legend_entries`) names them one by one.
COLOUR_MEANINGS = {
    "role": (f"by role: in its teacher's colour once within {CLOSE_DEG:g}° of it, black when active and farther "
             f"from every teacher, grey when inactive (mass < {ACTIVE_FRACTION:g} × the largest)"),
    "sign": "by the sign of a (orange a > 0, blue a < 0; the teachers likewise by the sign of a*)",
}


@dataclass(frozen=True)
class NeuronTable:
    """The numbers behind each drawn student (rows in drawing order), for hover tooltips."""

    index: np.ndarray  # j
    a: np.ndarray
    norm: np.ndarray  # ‖w_j‖
    mass: np.ndarray  # |a_j|‖w_j‖
    angle_deg: np.ndarray  # to the nearest teacher (mod ± for even σ)
    nearest: np.ndarray  # i
    role: np.ndarray  # "captured" | "far" | "inactive"
    in_span: np.ndarray | None = None  # ‖P ŵ_j‖ onto the teacher span; None when the teachers span R^d

    def describe(self, row: int) -> str:
        i = int(self.nearest[row])
        role = {"captured": f"captured by teacher {i + 1}", "far": "far from every teacher",
                "inactive": "inactive"}[str(self.role[row])]
        span = "" if self.in_span is None else f"\n{100 * self.in_span[row]:.3g} % in the teacher span"
        return (f"neuron {int(self.index[row])}: {role}\na = {self.a[row]:.4g}   ‖w‖ = {self.norm[row]:.4g}\n"
                f"mass |a|‖w‖ = {self.mass[row]:.4g}\n{self.angle_deg[row]:.2f}° from teacher {i + 1}{span}")


@dataclass(frozen=True)
class TeacherTable:
    """The numbers behind each drawn teacher marker (rows as in SphereScene.teachers), for hover tooltips."""

    index: np.ndarray  # i
    a: np.ndarray  # a_i*
    captured: np.ndarray  # signed mass of the students near it
    count: np.ndarray  # number of students near it
    mirrored: np.ndarray  # True for the −w_i* copy of an even activation

    def describe(self, row: int) -> str:
        copy = " (the −w* copy)" if self.mirrored[row] else ""
        return (f"teacher {int(self.index[row]) + 1}{copy}: a* = {self.a[row]:.4g}\n"
                f"captured mass {self.captured[row]:.4g}\n{int(self.count[row])} students within {CLOSE_DEG:g}°")


def role_of(met) -> np.ndarray:
    """(m,) "captured" (near a teacher and active), "far" (active, near none) or "inactive", from engine.metrics."""
    return np.where(~met.active, "inactive", np.where(met.near, "captured", "far"))


def role_colors(met, n_teachers: int) -> np.ndarray:
    """(m, 4): teacher i's colour for neurons it captured, FAR for far ones, INACTIVE for inactive ones."""
    teacher = np.array([rgba(palette.teacher_colour(i)) for i in range(n_teachers)])
    role = role_of(met)
    colors = np.where((role == "far")[:, None], np.array(FAR), np.array(INACTIVE))
    colors[role == "captured"] = teacher[met.nearest[role == "captured"]]
    return colors


def fold_directions(directions: np.ndarray, teacher_w: np.ndarray, nearest: np.ndarray) -> np.ndarray:
    """Directions (..., m, d) flipped to the copy ±u nearest to teacher `nearest[j]` (even σ: ±w same feature)."""
    side = np.sign(np.sum(directions * teacher_w[nearest], axis=-1, keepdims=True))
    return directions * np.where(side == 0, 1.0, side)


@dataclass(frozen=True)
class PointLayer:
    """Markers: positions (n, p) in display coordinates, sizes (n,) in pixels, colours (n, 4) RGBA in [0, 1]."""

    positions: np.ndarray
    sizes: np.ndarray
    colors: np.ndarray


@dataclass(frozen=True)
class HeatMap:
    """Certificate values on a grid of the displayed sphere (or circle), with the label that interprets them.

    points : (rows + 1, cols, 3) latitude-longitude grid (poles included), or (n, 2) on the circle.
    values : η at the points, shaped like points[..., 0].
    limit : values map to colours on [−limit, limit]; beyond it they take the over/under colours.
    """

    kind: str
    points: np.ndarray
    values: np.ndarray
    limit: float
    title: str
    status: str
    exceeds: bool

    def colors(self) -> np.ndarray:
        return heat_rgba(self.values / self.limit)


@dataclass(frozen=True)
class SphereScene:
    """Everything one frame of the sphere view draws.

    dim : 2 (a circle) or 3 (a sphere, or a ball for projected d > 3).
    caption : step, loss L and weight decay λ of the snapshot (the one place a picture writes them).
    projection_label : what the display projection shows ("" when d ≤ 3, nothing is projected).
    teacher_spokes : (n, 2, p) segments from the centre to each teacher marker.
    trails : (m, L, p) past positions (oldest first) and trail_colors (m, 4), or None.
    arrows : (n, 2, p) start and end of descent arrows, or None.
    heat : the certificate heat map, or None.
    """

    dim: int
    step: int
    caption: str
    projection_label: str
    teachers: PointLayer
    students: PointLayer
    teacher_spokes: np.ndarray
    trails: np.ndarray | None = None
    trail_colors: np.ndarray | None = None
    arrows: np.ndarray | None = None
    heat: HeatMap | None = None
    teacher_view: np.ndarray = field(default_factory=lambda: np.zeros(3))  # mean teacher direction, for the camera
    trail_connect: np.ndarray | None = None  # (m, L − 1): whether each trail segment is drawn (gaps at breaks)
    student_info: NeuronTable | None = None
    teacher_info: TeacherTable | None = None
    legend: tuple = ()  # (kind, rgba, text) entries: what the colours mean in this colour mode


def heat_rgba(t: np.ndarray) -> np.ndarray:
    """RGBA (…, 4) of values scaled so that ±1 are the ends of the colour bar; beyond them over/under colours."""
    t = np.asarray(t, dtype=np.float64)
    rgb = np.stack([np.interp(t, HEAT_STOPS, HEAT_COLORS[:, c]) for c in range(3)], axis=-1)
    rgb[t > 1.0] = HEAT_OVER
    rgb[t < -1.0] = HEAT_UNDER
    return np.concatenate([rgb, np.ones(t.shape + (1,))], axis=-1)


def sign_colors(signs: np.ndarray) -> np.ndarray:
    """(n, 4) orange for positive, blue for negative (and zero) signs."""
    return np.where(np.asarray(signs)[:, None] > 0, np.array(POSITIVE), np.array(NEGATIVE))


def lat_long_grid(rows: int, cols: int) -> np.ndarray:
    """(rows + 1, cols, 3) unit vectors: rings of constant polar angle from +z (row 0) to −z, cols longitudes."""
    theta = np.linspace(0.0, np.pi, rows + 1)[:, None]
    phi = np.linspace(0.0, 2 * np.pi, cols, endpoint=False)[None, :]
    return np.stack(np.broadcast_arrays(np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)), -1)


def circle_grid(n: int) -> np.ndarray:
    """(n, 2) unit vectors at angles 2πi/n."""
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([np.cos(t), np.sin(t)])


class _HistoryCache:
    """Per-history state that does not change between frames: projection, grids, pre-certificate, live values."""

    def __init__(self, history) -> None:
        self.projection = display_projection(history.teacher.w)
        self.spans_everything = spans_input_space(history.teacher.w)  # the span share is 1 by construction
        self._grids: dict[int, np.ndarray] = {}
        self._pre: dict[int, np.ndarray] = {}
        # (index, grid rows) → (values, scaled) of the live certificate: scrubbing revisits recent frames.
        self.live: OrderedDict[tuple[int, int], tuple[np.ndarray, bool]] = OrderedDict()

    def grid(self, dim: int, rows: int) -> np.ndarray:
        if rows not in self._grids:
            self._grids[rows] = circle_grid(10 * rows) if dim == 2 else lat_long_grid(rows, 2 * rows)
        return self._grids[rows]

    def pre(self, history, rows: int, points: np.ndarray, projection: Projection) -> np.ndarray:
        if rows not in self._pre:
            cert = pre_certificate(history.teacher, history.config.model.activation)
            self._pre[rows] = cert(_to_input_space(points, projection)).reshape(points.shape[:-1])
        return self._pre[rows]


_caches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cache(history) -> _HistoryCache:
    cache = _caches.get(history)
    if cache is None:
        cache = _caches[history] = _HistoryCache(history)
    return cache


def _to_input_space(points: np.ndarray, projection: Projection) -> np.ndarray:
    """Display-sphere points (..., p) as unit vectors of R^d (n, d): the sphere of the displayed subspace."""
    return points.reshape(-1, points.shape[-1]) @ projection.basis


def build_scene(history, index: int, options: ViewOptions, projection: Projection | None = None) -> SphereScene:
    """The frame of snapshot `index` of `history` (negative counts from the end).

    Parameters
    ----------
    history : engine.history.RunHistory (or anything with config, teacher, view() and snapshot()).
    index : snapshot position.
    options : what to draw besides teachers and students.
    projection : display basis; default the engine's display_projection of the teacher (cached per history).

    Returns
    -------
    SphereScene, in display coordinates of dimension min(d, 3).
    """
    if options.certificate not in CERTIFICATE_KINDS:
        raise ValueError(f"certificate must be one of {', '.join(CERTIFICATE_KINDS)}, not {options.certificate!r}")
    if options.colour not in COLOUR_MODES:
        raise ValueError(f"colour must be one of {', '.join(COLOUR_MODES)}, not {options.colour!r}")
    cache = _cache(history)
    projection = projection or cache.projection
    snap = history.snapshot(index)
    teacher, even = history.teacher, history.config.is_even
    fold = even and options.fold
    met = neuron_metrics(snap.student_w, snap.student_a, teacher, even)
    order = np.argsort(met.mass, kind="stable")  # heaviest drawn last, on top
    teachers, spokes, teacher_info = _teacher_layer(teacher, even and not fold, projection, options.colour, met)
    lam = f" · λ = {snap.weight_decay:.3g}" if snap.weight_decay > 0 else " · λ = 0"
    stage = f" · stage {snap.stage}" if snap.stage else ""
    colors = _student_colors(met, snap.student_a, options, len(teacher.a))
    trails = trail_colors = connect = None
    if options.trails:
        trails, connect = great_circle_trails(history, index, options.trail_length, projection,
                                              met.nearest if fold else None)
        trails, connect = trails[order], connect[order]
        trail_colors = colors[order].copy()
        trail_colors[:, 3] *= TRAIL_ALPHA
    directions = fold_directions(met.directions, teacher.w, met.nearest) if fold else met.directions
    return SphereScene(
        dim=projection.basis.shape[0],
        step=snap.step,
        caption=f"step {snap.step:,}{stage} · L = {snap.loss:.3g}{lam}",  # the one line of step, loss and λ
        projection_label="" if projection.exact else projection_caption(projection, snap),
        teachers=teachers,
        students=_student_layer(met, directions, colors, projection, order, options.colour),
        teacher_spokes=spokes,
        trails=trails,
        trail_colors=trail_colors,
        arrows=_arrows(snap, teacher, even, met, projection, fold) if options.arrows else None,
        heat=_heat_map(history, index, snap, options.certificate, cache, projection),
        teacher_view=projection.apply(teacher.w).mean(axis=0),
        trail_connect=connect,
        student_info=NeuronTable(order, snap.student_a[order], met.norms[order], met.mass[order],
                                 met.angle_deg[order], met.nearest[order], role_of(met)[order],
                                 None if cache.spans_everything else met.in_span[order]),
        teacher_info=teacher_info,
        legend=legend_entries(options, teacher.a),
    )


def projection_caption(projection: Projection, snap) -> str:
    """What a projected view shows, and how much of the students' mass at this snapshot lies outside the displayed
    subspace: 1 − Σ|a_j|‖P w_j‖ / Σ|a_j|‖w_j‖ with P the projection onto it (engine.metrics.subspace_share, the
    span share's convention), so a viewer knows when the picture can be trusted."""
    outside = 1.0 - subspace_share(snap.student_w, snap.student_a, projection.basis)
    if not np.isfinite(outside):
        return projection.description
    return f"{projection.description}; {_percent(outside)} of the mass lies outside it"


def _percent(share: float) -> str:
    """A share as a percentage with two significant digits, and "< 0.01 %" rather than "0 %" for a tiny one (no-break
    spaces: a wrapped caption keeps the number and its sign together)."""
    if share <= 0:
        return "0\u00a0%"
    return "<\u00a00.01\u00a0%" if share < 1e-4 else f"{100 * share:.2g}\u00a0%"


def legend_entries(options: ViewOptions, teacher_a: np.ndarray) -> tuple:
    """(kind, rgba, text) of every colour a frame draws in this colour mode (the overlay's legend)."""
    if options.colour == "sign":
        return (("teacher", POSITIVE, "teacher, a* > 0"), ("teacher", NEGATIVE, "teacher, a* < 0"),
                ("student", POSITIVE, "student, a > 0"), ("student", NEGATIVE, "student, a < 0"),
                ("student", (*POSITIVE[:3], INACTIVE_ALPHA), "inactive"))
    k = len(teacher_a)
    shown = min(k, 6)
    entries = [("teacher", rgba(palette.teacher_colour(i)),
                f"teacher {i + 1} (a* {'>' if teacher_a[i] > 0 else '<'} 0), its students") for i in range(shown)]
    if k > shown:
        entries.append(("student", (0.6, 0.6, 0.6, 1.0), f"… {k - shown} more teachers"))
    entries.append(("student", FAR, f"far: > {CLOSE_DEG:g}° from every teacher"))
    entries.append(("student", (*INACTIVE[:3], INACTIVE_ALPHA if options.fade_inactive else 1.0),
                    f"inactive: mass < {ACTIVE_FRACTION:g} × largest"))
    return tuple(entries)


def _teacher_layer(teacher, mirrored: bool, projection: Projection, colour: str, met):
    """Markers at w_i* (and −w_i* for even σ unfolded, where ±w are the same feature), spokes from the centre,
    and the numbers hover shows."""
    k = len(teacher.a)
    w, signs, index = teacher.w, np.sign(teacher.a), np.arange(k)
    if mirrored:
        w, signs, index = np.vstack([w, -w]), np.concatenate([signs, signs]), np.concatenate([index, index])
    pos = projection.apply(w)
    spokes = np.stack([np.zeros_like(pos), pos], axis=1)
    colors = np.array([rgba(palette.teacher_colour(int(i))) for i in index]) if colour == "role" else sign_colors(signs)
    count = np.bincount(met.nearest[met.near], minlength=k)
    info = TeacherTable(index, teacher.a[index], met.captured[index], count[index], np.arange(len(index)) >= k)
    return PointLayer(pos, np.full(len(pos), TEACHER_SIZE), colors), spokes, info


def _student_colors(met, a: np.ndarray, options: ViewOptions, k: int) -> np.ndarray:
    colors = role_colors(met, k) if options.colour == "role" else sign_colors(a)
    if options.fade_inactive:
        colors[~met.active, 3] = INACTIVE_ALPHA
    return colors


def _student_layer(met, directions: np.ndarray, colors: np.ndarray, projection: Projection,
                   order: np.ndarray, colour: str = "role") -> PointLayer:
    largest = met.mass.max()
    rel = np.sqrt(met.mass / largest) if largest > 0 else np.zeros_like(met.mass)
    lo, hi = STUDENT_SIZE
    sizes = np.where(met.active, np.maximum(lo + (hi - lo) * rel, ACTIVE_SIZE), lo + (hi - lo) * rel)
    if colour == "role":
        sizes = np.where(met.active & ~met.near, np.maximum(sizes, FAR_SIZE), sizes)
    pos = projection.apply(directions)
    return PointLayer(pos[order], sizes[order], colors[order])


def slerp(u0: np.ndarray, u1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points (..., n, d) on the great circle from unit vectors u0 to u1 (..., d) at fractions t (n,) of the arc."""
    cos = np.clip(np.sum(u0 * u1, axis=-1, keepdims=True), -1.0, 1.0)[..., None]  # (..., 1, 1)
    theta = np.arccos(cos)
    sin = np.sin(theta)
    t = np.asarray(t, dtype=np.float64)[:, None]
    small = sin < 1e-9
    w0 = np.where(small, 1.0 - t, np.sin((1.0 - t) * theta) / np.where(small, 1.0, sin))
    w1 = np.where(small, t, np.sin(t * theta) / np.where(small, 1.0, sin))
    points = w0 * u0[..., None, :] + w1 * u1[..., None, :]
    norm = np.linalg.norm(points, axis=-1, keepdims=True)
    return points / np.where(norm > 0, norm, 1.0)


def great_circle_trails(history, index: int, length: int, projection: Projection,
                        fold_nearest: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each neuron's path over the last `length` snapshots up to `index`, along great circles (slerp).

    Every recorded step is cut into the same number of arcs for all neurons, at most TRAIL_STEP_DEG each, so
    the trail lies on the sphere (no chords through it). A step is not drawn (connect False) where the neuron's
    norm is near zero at either end, or where its direction turns by more than TRAIL_BREAK_DEG: it passed
    through (near) zero, and an arc across the sphere would be a jump it never made.

    fold_nearest : for even σ folded, the teacher each neuron's trail is folded toward (its nearest now).

    Returns
    -------
    (paths (m, P, p) in display coordinates, connect (m, P − 1) booleans).
    """
    n = len(history)
    end = index % n + 1
    w = np.asarray(history.view()["student_w"][max(end - max(length, 2), 0) : end], dtype=np.float64)  # (L, m, d)
    directions, norms = unit_rows(w)
    if fold_nearest is not None:
        directions = fold_directions(directions, history.teacher.w, fold_nearest)
    largest = norms.max(axis=1, keepdims=True)
    alive = norms > TRAIL_NEAR_ZERO * np.where(largest > 0, largest, 1.0)  # (L, m)
    cos = np.clip(np.sum(directions[:-1] * directions[1:], axis=-1), -1.0, 1.0)
    turn = np.degrees(np.arccos(cos))  # (L − 1, m)
    joined = alive[:-1] & alive[1:] & (turn <= TRAIL_BREAK_DEG)
    pieces = np.ceil(np.where(joined, turn, 0.0).max(axis=1, initial=0.0) / TRAIL_STEP_DEG) if len(turn) else []
    m = w.shape[1]
    cap = int(np.clip(TRAIL_POINT_BUDGET // max(m * max(len(turn), 1), 1), 1, TRAIL_MAX_PIECES))
    pieces = np.clip(np.asarray(pieces, dtype=np.int64), 1, cap)
    points, connect = [], []
    for t in range(len(turn)):
        fractions = np.arange(pieces[t]) / pieces[t]
        points.append(slerp(directions[t], directions[t + 1], fractions))  # (m, pieces, d), the end excluded
        connect.append(np.repeat(joined[t][:, None], pieces[t], axis=1))
    points.append(directions[-1][:, None, :])
    path = np.concatenate(points, axis=1) if points else np.zeros((m, 0, w.shape[2]))
    connect = np.concatenate(connect, axis=1) if connect else np.zeros((m, 0), dtype=bool)
    return projection.apply(path), connect


def _arrows(snap, teacher, even: bool, met, projection: Projection, fold: bool = False) -> np.ndarray:
    """From each active neuron's direction along (target − w̃_j), the descent direction in balanced coordinates.

    The longest arrow is ARROW_LENGTH; near neurons point toward their teacher, far ones toward the centre.
    """
    targets = descent_targets(snap.student_w, snap.student_a, teacher, even)
    move = targets - balanced_positions(snap.student_w, snap.student_a)
    directions = met.directions
    if fold:  # drawn at the folded copy −ŵ_j: the move of −w̃_j is −move
        directions = fold_directions(met.directions, teacher.w, met.nearest)
        move = move * np.sign(np.sum(directions * met.directions, axis=1, keepdims=True))
    step = projection.apply(move)[met.active]
    start = projection.apply(directions)[met.active]
    longest = np.linalg.norm(step, axis=1).max() if len(step) else 0.0
    scale = ARROW_LENGTH / longest if longest > 0 else 0.0
    return np.stack([start, start + scale * step], axis=1)


def _grid_rows(m: int, dim: int) -> int:
    """Grid resolution for the live certificate: 5° when cheap, coarser for wide students (cost ∝ points × m)."""
    size = (lambda r: 10 * r) if dim == 2 else (lambda r: (r + 1) * 2 * r)
    rows = 36
    while rows > 12 and size(rows) * m > LIVE_GRID_BUDGET:
        rows -= 4
    return rows


def _heat_map(history, index: int, snap, kind: str, cache: _HistoryCache, projection: Projection) -> HeatMap | None:
    if kind == "off":
        return None
    dim = projection.basis.shape[0]
    if kind == "pre":
        rows = 36
        points = cache.grid(dim, rows)
        values = cache.pre(history, rows, points, projection)
        return _labelled("pre", points, values, scaled=True)
    rows = _grid_rows(len(snap.student_a), dim)
    points = cache.grid(dim, rows)
    key = (index % len(history), rows)
    if key not in cache.live:
        u = _to_input_space(points, projection)
        activation = history.config.model.activation
        values, scaled = live_certificate(u, snap.student_w, snap.student_a, history.teacher, activation,
                                          snap.weight_decay)
        cache.live[key] = (values.reshape(points.shape[:-1]), scaled)
        if len(cache.live) > 64:
            cache.live.popitem(last=False)
    values, scaled = cache.live[key]
    return _labelled("live", points, values, scaled)


def _labelled(kind: str, points: np.ndarray, values: np.ndarray, scaled: bool) -> HeatMap:
    """Attach the colour range and the sentence a viewer needs: is |η| ≤ 1 everywhere shown?"""
    peak = float(np.abs(values).max())
    if not scaled:  # λ = 0: η_λ is undefined; show the residual correlation on its own scale
        limit = peak if peak > 0 else 1.0
        return HeatMap(kind, points, values, limit, "correlation (λ = 0: η_λ undefined)",
                       f"colours scaled to max |r| = {peak:.3g}", False)
    exceeds = peak > 1.0 + CERTIFIED_TOLERANCE
    name = "η" if kind == "pre" else "η_λ"
    title = "pre-certificate η" if kind == "pre" else "live certificate η_λ"
    if exceeds:
        verdict = "not certified" if kind == "pre" else "not yet optimal"
        status = f"max |{name}| = {_number(peak)} > 1: {verdict}"
    else:
        status = f"max |{name}| = {_number(min(peak, 1.0))} ≤ 1: " + ("certified" if kind == "pre" else "optimal")
    return HeatMap(kind, points, values, 1.0, title, status, exceeds)


def _number(x: float) -> str:
    """Three decimals near 1, where the verdict is decided; three significant digits for large values."""
    return f"{x:.3f}" if x < 10 else f"{x:.3g}"
