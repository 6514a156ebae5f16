"""The certificate heat map rasterised for the projected renderer and sampled for the OpenGL one (numpy only).

Per-pixel interpolation would be too slow at 30 frames a second, so grid positions are cached per camera and size,
and colours come from a lookup table of `heat_rgba`.
"""

from __future__ import annotations

import functools

import numpy as np

from ..scene import HeatMap, heat_rgba
from .camera import Camera


def sphere_raster(heat: HeatMap, camera: Camera, size: int) -> np.ndarray:
    """(size, size, 4) uint8 RGBA image of the heat map on the visible hemisphere, covering [−1, 1]², row 0 at y = −1.

    Values are interpolated bilinearly on the latitude-longitude grid before colouring, so the |η| = 1 contour
    stays sharp however coarse the grid is. Where each pixel falls on the grid depends only on the camera, so it
    is cached: while a run plays, only the gather and the colour map run per frame.
    """
    rows, cols = heat.values.shape[0] - 1, heat.values.shape[1]
    (r0, c0, c1, tr, tc), inside = _raster_lookup(camera, size, rows, cols)
    v = heat.values
    values = (v[r0, c0] * (1 - tc) + v[r0, c1] * tc) * (1 - tr) + (v[r0 + 1, c0] * (1 - tc) + v[r0 + 1, c1] * tc) * tr
    rgba = colour_lookup(values / heat.limit)
    rgba[..., 3] *= inside
    return rgba


# heat_rgba tabulated: 511 levels on [−1, 1], then the over and under colours. Per-pixel np.interp is too slow.
_LEVELS = 511
_LUT = (np.concatenate([heat_rgba(np.linspace(-1, 1, _LEVELS)), heat_rgba(np.array([2.0, -2.0]))]) * 255).round()
_LUT = _LUT.astype(np.uint8)


def colour_lookup(t: np.ndarray) -> np.ndarray:
    """uint8 RGBA (..., 4) of scaled values t, as heat_rgba gives them (to 1/255), by table lookup."""
    index = np.rint((np.clip(t, -1.0, 1.0) + 1.0) * (0.5 * (_LEVELS - 1))).astype(np.intp)
    index[t > 1.0] = _LEVELS
    index[t < -1.0] = _LEVELS + 1
    return _LUT[index]


@functools.lru_cache(maxsize=4)
def _raster_lookup(camera: Camera, size: int, rows: int, cols: int):
    c = (np.arange(size) + 0.5) / size * 2.0 - 1.0
    x, y = np.meshgrid(c, c)  # row i has y = c[i]
    r2 = x * x + y * y
    z = np.sqrt(np.clip(1.0 - r2, 0.0, None))
    world = np.stack([x, y, z], axis=-1) @ camera.axes()  # back to world coordinates
    return _grid_position(world, rows, cols), r2 <= 1.0


def sample_heat(heat: HeatMap, points: np.ndarray) -> np.ndarray:
    """Heat-map values at unit vectors (..., 3), interpolated bilinearly on its latitude-longitude grid."""
    return _gather(heat, _grid_position(points, heat.values.shape[0] - 1, heat.values.shape[1]))


@functools.lru_cache(maxsize=4)
def map_lookup(camera: Camera, width: int, height: int, rows: int, cols: int):
    """Grid positions of the map raster's pixels and the mask of those inside the map, cached per camera and size
    (like _raster_lookup): a frame, or a teacher being dragged, then only gathers and colours."""
    from .map_projection import raster_directions

    directions, inside = raster_directions(camera, width, height)
    return _grid_position(directions, rows, cols), inside


def map_raster(heat: HeatMap, camera: Camera, width: int, height: int) -> np.ndarray:
    """(height, width, 4) uint8 RGBA of the heat map over the map's bounding box, transparent outside the map."""
    position, inside = map_lookup(camera, width, height, heat.values.shape[0] - 1, heat.values.shape[1])
    rgba = colour_lookup(_gather(heat, position) / heat.limit)
    rgba[..., 3] *= inside
    return rgba


def _gather(heat: HeatMap, position) -> np.ndarray:
    r0, c0, c1, tr, tc = position
    v = heat.values
    return (v[r0, c0] * (1 - tc) + v[r0, c1] * tc) * (1 - tr) + (v[r0 + 1, c0] * (1 - tc) + v[r0 + 1, c1] * tc) * tr


def _grid_position(points: np.ndarray, rows: int, cols: int):
    """Cell indices and fractions of unit vectors on a (rows + 1, cols) grid; longitude wraps around."""
    fr = np.arccos(np.clip(points[..., 2], -1.0, 1.0)) / np.pi * rows
    fc = (np.arctan2(points[..., 1], points[..., 0]) % (2 * np.pi)) / (2 * np.pi) * cols
    r0 = np.clip(np.floor(fr).astype(int), 0, max(rows - 1, 0))
    c0 = np.floor(fc).astype(int) % cols
    return r0, c0, (c0 + 1) % cols, fr - r0, fc - np.floor(fc)


def ring_raster(heat: HeatMap, size: int, extent: float, band: tuple[float, float]) -> np.ndarray:
    """(size, size, 4) uint8 RGBA of the circle's heat map in the band r0 ≤ r ≤ r1, covering [−extent, extent]²."""
    c = (np.arange(size) + 0.5) / size * 2.0 * extent - extent
    x, y = np.meshgrid(c, c)
    r = np.hypot(x, y)
    n = len(heat.values)
    f = (np.arctan2(y, x) % (2 * np.pi)) / (2 * np.pi) * n
    i0 = np.floor(f).astype(int) % n
    t = f - np.floor(f)
    values = heat.values[i0] * (1 - t) + heat.values[(i0 + 1) % n] * t
    rgba = colour_lookup(values / heat.limit)
    rgba[..., 3] *= (r >= band[0]) & (r <= band[1])
    return rgba
