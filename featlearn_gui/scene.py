"""What the sphere view draws at one snapshot, as plain numpy arrays (no Qt), in display coordinates.

`build_scene(history, index, options)` turns a recorded snapshot into a frozen `SphereScene`: teacher markers,
student points sized by mass and coloured by sign, optional trails, descent arrows and a certificate heat map.
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
from engine.metrics import balanced_positions, descent_targets, neuron_metrics, unit_rows
from engine.projection import Projection, display_projection
from featlearn_gui import palette
from featlearn_gui.palette import rgba

POSITIVE = rgba(palette.POSITIVE)  # a > 0
NEGATIVE = rgba(palette.NEGATIVE)  # a < 0
INACTIVE_ALPHA = 0.22  # inactive neurons keep their hue but fade into the sphere
TEACHER_SIZE = 18.0  # px
STUDENT_SIZE = (3.0, 11.0)  # px for zero mass and for the largest mass (size grows with √mass)
TRAIL_ALPHA = 0.45
ARROW_COLOR = (0.15, 0.15, 0.15, 0.85)
ARROW_LENGTH = 0.25  # the longest descent arrow, in sphere radii
CERTIFIED_TOLERANCE = 1e-3  # grid rounding: |η| up to 1 + this still counts as "≤ 1"
LIVE_GRID_BUDGET = 1_500_000  # grid points × neurons per live-certificate evaluation

# Diverging map on [−1, 1]: pale at the ends so sign-coloured markers stay visible on top of it, and two distinct
# Okabe-Ito colours beyond ±1, so regions where |η| > 1 are never mistaken for |η| = 1.
HEAT_STOPS = np.array([-1.0, 0.0, 1.0])
HEAT_COLORS = np.array([(0.62, 0.80, 0.93), (0.97, 0.97, 0.97), (0.99, 0.80, 0.52)])
HEAT_OVER = (0.80, 0.47, 0.65)  # reddish purple: η > 1
HEAT_UNDER = (0.0, 0.62, 0.45)  # bluish green: η < −1


@dataclass(frozen=True)
class ViewOptions:
    """What the sphere view shows besides teachers and students.

    trails : draw each neuron's path over the last `trail_length` recorded snapshots.
    arrows : draw the paper's descent directions (PAPER.md §6).
    certificate : "off", "live" (η_λ of the snapshot) or "pre" (the teacher's static pre-certificate).
    fade_inactive : draw neurons below the engine's activity threshold faded.
    """

    trails: bool = False
    trail_length: int = 30  # snapshots of history drawn behind each neuron
    arrows: bool = False  # descent-direction arrows (PAPER.md §6)
    certificate: str = "off"  # "off" | "live" | "pre"  heat map on the sphere
    fade_inactive: bool = True


CERTIFICATE_KINDS = ("off", "live", "pre")


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
    caption : step and weight decay of the snapshot.
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
    cache = _cache(history)
    projection = projection or cache.projection
    snap = history.snapshot(index)
    teacher, even = history.teacher, history.config.is_even
    met = neuron_metrics(snap.student_w, snap.student_a, teacher, even)
    order = np.argsort(met.mass, kind="stable")  # heaviest drawn last, on top
    teachers, spokes = _teacher_layer(teacher, even, projection)
    lam = f" · λ = {snap.weight_decay:.3g}" if snap.weight_decay > 0 else " · λ = 0"
    stage = f" · stage {snap.stage}" if snap.stage else ""
    trails, trail_colors = _trails(history, index, options, projection, met, order) if options.trails else (None, None)
    return SphereScene(
        dim=projection.basis.shape[0],
        step=snap.step,
        caption=f"step {snap.step:,}{stage}{lam}",
        projection_label="" if projection.exact else projection.description,
        teachers=teachers,
        students=_student_layer(met, snap.student_a, options, projection, order),
        teacher_spokes=spokes,
        trails=trails,
        trail_colors=trail_colors,
        arrows=_arrows(snap, teacher, even, met, projection) if options.arrows else None,
        heat=_heat_map(history, index, snap, options.certificate, cache, projection),
        teacher_view=projection.apply(teacher.w).mean(axis=0),
    )


def _teacher_layer(teacher, even: bool, projection: Projection) -> tuple[PointLayer, np.ndarray]:
    """Markers at w_i* (and −w_i* for even σ, where ±w are the same feature), and spokes from the centre."""
    w, signs = teacher.w, np.sign(teacher.a)
    if even:
        w, signs = np.vstack([w, -w]), np.concatenate([signs, signs])
    pos = projection.apply(w)
    spokes = np.stack([np.zeros_like(pos), pos], axis=1)
    return PointLayer(pos, np.full(len(pos), TEACHER_SIZE), sign_colors(signs)), spokes


def _student_layer(met, a: np.ndarray, options: ViewOptions, projection: Projection, order: np.ndarray) -> PointLayer:
    largest = met.mass.max()
    rel = np.sqrt(met.mass / largest) if largest > 0 else np.zeros_like(met.mass)
    lo, hi = STUDENT_SIZE
    colors = sign_colors(a)
    if options.fade_inactive:
        colors[~met.active, 3] = INACTIVE_ALPHA
    pos = projection.apply(met.directions)
    return PointLayer(pos[order], (lo + (hi - lo) * rel)[order], colors[order])


def _trails(history, index: int, options: ViewOptions, projection: Projection, met, order: np.ndarray):
    """Directions over the last trail_length snapshots up to `index`, shape (m, L, p)."""
    n = len(history)
    end = index % n + 1
    w = history.view()["student_w"][max(end - max(options.trail_length, 2), 0) : end]  # (L, m, d)
    directions, _ = unit_rows(np.asarray(w, dtype=np.float64))
    paths = projection.apply(directions).transpose(1, 0, 2)[order]  # (m, L, p)
    colors = sign_colors(history.snapshot(index).student_a)[order]
    colors[:, 3] = TRAIL_ALPHA
    if options.fade_inactive:
        colors[~met.active[order], 3] = INACTIVE_ALPHA * TRAIL_ALPHA
    return paths, colors


def _arrows(snap, teacher, even: bool, met, projection: Projection) -> np.ndarray:
    """From each active neuron's direction along (target − w̃_j), the descent direction in balanced coordinates.

    The longest arrow is ARROW_LENGTH; near neurons point toward their teacher, far ones toward the centre.
    """
    targets = descent_targets(snap.student_w, snap.student_a, teacher, even)
    step = projection.apply(targets - balanced_positions(snap.student_w, snap.student_a))[met.active]
    start = projection.apply(met.directions)[met.active]
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
