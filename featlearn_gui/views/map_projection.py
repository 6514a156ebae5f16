"""The whole-sphere map: the Hammer equal-area projection, centred where the camera looks (numpy only, no Qt).

The map renderer draws every neuron and teacher at once. A point p of the unit sphere is first turned into the
camera's frame (screen right, screen up, toward the viewer): longitude λ = atan2(p·right, p·toward) and latitude
φ = asin(p·up), so the map's centre is the point the globe would show in front, and dragging rotates the globe
under the map. Then Hammer (equal area: equal regions of the sphere cover equal regions of the map):

    x = 2√2 cos φ sin(λ/2) / √(1 + cos φ cos(λ/2)),   y = √2 sin φ / √(1 + cos φ cos(λ/2))

The map is the ellipse x²/8 + y²/2 ≤ 1, of area 4π like the sphere. The back point of the globe (λ = ±π) is
the ellipse's left and right ends: paths that cross there are broken (see `joinable`).
"""

from __future__ import annotations

import functools

import numpy as np

from .camera import Camera

NAME = "Hammer equal-area map of the whole sphere"
HALF_WIDTH = 2.0 * np.sqrt(2.0)  # x range of the map: [−2√2, 2√2]
HALF_HEIGHT = np.sqrt(2.0)  # y range: [−√2, √2]
SEAM_JUMP = 0.6  # map units: a path step longer than this crosses the seam at the back and is not drawn


def hammer(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map coordinates (x, y) of longitudes in [−π, π] and latitudes in [−π/2, π/2] (radians)."""
    lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    cos_lat = np.cos(lat)
    scale = np.sqrt(2.0) / np.sqrt(1.0 + cos_lat * np.cos(lon / 2.0))
    return 2.0 * scale * cos_lat * np.sin(lon / 2.0), scale * np.sin(lat)


def hammer_inverse(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lon, lat, inside) of map points; inside is False outside the ellipse (lon and lat are then meaningless)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    inside = x * x / 8.0 + y * y / 2.0 <= 1.0
    z = np.sqrt(np.clip(1.0 - (x / 4.0) ** 2 - (y / 2.0) ** 2, 0.0, None))
    lon = 2.0 * np.arctan2(z * x, 2.0 * (2.0 * z * z - 1.0))
    lat = np.arcsin(np.clip(z * y, -1.0, 1.0))
    return lon, lat, inside


def to_lon_lat(points: np.ndarray, camera: Camera) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (radians) of points (..., 3) in the camera's frame; points off the sphere (d > 3:
    the displayed projection fills the ball) are taken along their direction."""
    local = np.asarray(points, dtype=np.float64) @ camera.axes().T  # (right, up, toward)
    norm = np.linalg.norm(local, axis=-1)
    unit = local / np.where(norm > 0, norm, 1.0)[..., None]
    return np.arctan2(unit[..., 0], unit[..., 2]), np.arcsin(np.clip(unit[..., 1], -1.0, 1.0))


def from_lon_lat(lon: np.ndarray, lat: np.ndarray, camera: Camera) -> np.ndarray:
    """Unit vectors (..., 3) in world coordinates of longitudes and latitudes in the camera's frame."""
    local = np.stack([np.cos(lat) * np.sin(lon), np.sin(lat), np.cos(lat) * np.cos(lon)], axis=-1)
    return local @ camera.axes()


def map_points(points: np.ndarray, camera: Camera) -> np.ndarray:
    """Map coordinates (..., 2) of points (..., 3)."""
    x, y = hammer(*to_lon_lat(points, camera))
    return np.stack([x, y], axis=-1)


def joinable(xy: np.ndarray) -> np.ndarray:
    """(..., L − 1) whether consecutive map points (..., L, 2) of a path may be joined by a straight segment:
    False where the path leaves the map at one end of the ellipse and re-enters at the other."""
    step = np.linalg.norm(np.diff(xy, axis=-2), axis=-1)
    return ~(step > SEAM_JUMP)


def graticule(step_deg: float = 30.0, samples: int = 91) -> np.ndarray:
    """(n, samples, 2) meridians and parallels of the map's own frame, and its outline (the λ = ±π meridians)."""
    t = np.linspace(-np.pi / 2, np.pi / 2, samples)
    s = np.linspace(-np.pi, np.pi, samples)
    lines = []
    for lon in np.radians(np.arange(-180.0, 180.0 + step_deg / 2, step_deg)):
        lines.append(np.stack(hammer(np.full_like(t, lon), t), axis=-1))
    for lat in np.radians(np.arange(-90.0 + step_deg, 90.0, step_deg)):
        lines.append(np.stack(hammer(s, np.full_like(s, lat)), axis=-1))
    return np.array(lines)


def outline(samples: int = 361) -> np.ndarray:
    """(samples, 2) the map's border, the ellipse x²/8 + y²/2 = 1."""
    t = np.linspace(0.0, 2.0 * np.pi, samples)
    return np.column_stack([HALF_WIDTH * np.cos(t), HALF_HEIGHT * np.sin(t)])


@functools.lru_cache(maxsize=4)
def raster_directions(camera: Camera, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """World unit vectors (height, width, 3) at the pixel centres of a raster covering the map's bounding box
    (row 0 at y = −√2), and the mask of pixels inside the map."""
    x = ((np.arange(width) + 0.5) / width * 2.0 - 1.0) * HALF_WIDTH
    y = ((np.arange(height) + 0.5) / height * 2.0 - 1.0) * HALF_HEIGHT
    xx, yy = np.meshgrid(x, y)
    lon, lat, inside = hammer_inverse(xx, yy)
    return from_lon_lat(lon, lat, camera), inside
