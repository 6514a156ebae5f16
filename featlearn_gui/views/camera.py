"""The sphere view's camera and the orthographic projection the 2-D renderer draws with (numpy only, no Qt).

Conventions follow pyqtgraph's GLViewWidget, so both renderers show the same picture for the same camera: the camera
sits at azimuth φ (around +z, from +x) and elevation ε (above the xy-plane), looking at the origin with +z up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

FOV_DEG = 35.0  # narrow, so the GL perspective stays close to the orthographic fallback
ELEVATION_LIMIT = 90.0
DISTANCE_RANGE = (1.6, 60.0)


@dataclass(frozen=True)
class Camera:
    """azimuth and elevation in degrees, distance from the origin in sphere radii."""

    azimuth: float = 45.0
    elevation: float = 25.0
    distance: float = 4.6

    def orbit(self, dx: float, dy: float) -> Camera:
        """A mouse drag of (dx, dy) pixels, as GLViewWidget does it: one degree per pixel."""
        elevation = float(np.clip(self.elevation + dy, -ELEVATION_LIMIT, ELEVATION_LIMIT))
        return replace(self, azimuth=(self.azimuth - dx) % 360.0, elevation=elevation)

    def zoom(self, wheel_delta: float) -> Camera:
        """A wheel turn (angleDelta units, 120 per notch), as GLViewWidget does it."""
        return replace(self, distance=float(np.clip(self.distance * 0.999**wheel_delta, *DISTANCE_RANGE)))

    def half_extent(self) -> float:
        """Half the shorter side of the view, in sphere radii, chosen so the sphere's outline has the size the
        GL perspective gives it: the silhouette is seen under asin(1/distance)."""
        return math.tan(math.radians(FOV_DEG / 2)) * math.sqrt(max(self.distance**2 - 1.0, 1e-6))

    def axes(self) -> np.ndarray:
        """(3, 3) rows: screen right, screen up, and toward the viewer, in world coordinates."""
        az, el = math.radians(self.azimuth), math.radians(self.elevation)
        right = (-math.sin(az), math.cos(az), 0.0)
        up = (-math.cos(az) * math.sin(el), -math.sin(az) * math.sin(el), math.cos(el))
        toward = (math.cos(az) * math.cos(el), math.sin(az) * math.cos(el), math.sin(el))
        return np.array([right, up, toward])


def facing(direction: np.ndarray, distance: float = Camera.distance) -> Camera:
    """A camera looking at the sphere from `direction` (3,), kept between 10° and 50° elevation for a globe view."""
    x, y, z = np.asarray(direction, dtype=np.float64)
    norm = math.sqrt(x * x + y * y + z * z)
    if norm < 1e-6:
        return Camera(distance=distance)
    elevation = float(np.clip(math.degrees(math.asin(z / norm)), 10.0, 50.0))
    azimuth = math.degrees(math.atan2(y, x)) % 360.0 if x * x + y * y > 1e-12 else Camera.azimuth
    return Camera(azimuth, elevation, distance)


def project(points: np.ndarray, camera: Camera) -> tuple[np.ndarray, np.ndarray]:
    """Screen coordinates (..., 2) and depth (...,) of 3-D points; depth > 0 is the hemisphere facing the viewer."""
    screen = np.asarray(points) @ camera.axes().T
    return screen[..., :2], screen[..., 2]


BACK_SIZE = 0.7  # a marker at the far pole is drawn at this fraction of its size (in between: linear in depth)
BACK_FADE = 0.45  # ... and this much fainter (its colour mixed toward the sphere's)


def depth_cue(sizes: np.ndarray, depth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sizes, fade) of markers seen through a translucent sphere: those behind (depth < 0, −1 at the far pole)
    drawn smaller and fainter the deeper they are, so the far hemisphere reads as behind but is never hidden.
    fade in [0, BACK_FADE] is how much of the marker's colour gives way to the sphere's."""
    back = np.clip(-np.asarray(depth, dtype=np.float64), 0.0, 1.0)
    return np.asarray(sizes) * (1.0 - (1.0 - BACK_SIZE) * back), BACK_FADE * np.sqrt(back) * (back > 0)
