"""The whole-sphere map's maths (Qt-free): equal area, round trip, the camera frame and the seam."""

from __future__ import annotations

import numpy as np

from featlearn_gui.views.camera import Camera
from featlearn_gui.views.map_projection import (
    HALF_HEIGHT,
    HALF_WIDTH,
    from_lon_lat,
    hammer,
    hammer_inverse,
    joinable,
    map_points,
    raster_directions,
    to_lon_lat,
)


def test_equal_area_on_a_sampled_grid():
    # Cells of equal solid angle (equal steps in λ and in sin φ) must cover equal map areas, within 1 %.
    lon_edges = np.linspace(-np.pi, np.pi, 13)
    lat_edges = np.arcsin(np.linspace(-1.0, 1.0, 9))
    areas = []
    for a, b in zip(lon_edges[:-1], lon_edges[1:]):
        for c, d in zip(lat_edges[:-1], lat_edges[1:]):
            # the cell's image: its boundary traced finely, area by the shoelace formula
            n = 200
            lon = np.concatenate([np.linspace(a, b, n), np.full(n, b), np.linspace(b, a, n), np.full(n, a)])
            lat = np.concatenate([np.full(n, c), np.linspace(c, d, n), np.full(n, d), np.linspace(d, c, n)])
            x, y = hammer(lon, lat)
            areas.append(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))
    areas = np.array(areas)
    expected = 4 * np.pi / len(areas)  # the sphere's area, shared equally
    assert np.max(np.abs(areas / expected - 1)) < 0.01


def test_map_is_the_ellipse_of_the_spheres_area():
    assert np.isclose(np.pi * HALF_WIDTH * HALF_HEIGHT, 4 * np.pi)
    x, y = hammer(np.array([np.pi, 0.0, 0.0]), np.array([0.0, np.pi / 2, 0.0]))
    assert np.allclose(x, [HALF_WIDTH, 0.0, 0.0]) and np.allclose(y, [0.0, HALF_HEIGHT, 0.0])


def test_round_trip_inside_the_map():
    rng = np.random.default_rng(0)
    lon = rng.uniform(-np.pi * 0.999, np.pi * 0.999, 5000)
    lat = rng.uniform(-np.pi / 2 * 0.999, np.pi / 2 * 0.999, 5000)
    x, y = hammer(lon, lat)
    back_lon, back_lat, inside = hammer_inverse(x, y)
    assert inside.all()
    assert np.allclose(back_lon, lon, atol=1e-9) and np.allclose(back_lat, lat, atol=1e-9)


def test_world_round_trip_and_centre_is_where_the_camera_looks():
    camera = Camera(azimuth=30.0, elevation=20.0)
    rng = np.random.default_rng(1)
    p = rng.normal(size=(1000, 3))
    p /= np.linalg.norm(p, axis=1, keepdims=True)
    assert np.allclose(from_lon_lat(*to_lon_lat(p, camera), camera), p, atol=1e-9)
    assert np.allclose(map_points(camera.axes()[2], camera), [0.0, 0.0], atol=1e-12)
    # every point of the sphere, front and back, lands on the map
    xy = map_points(p, camera)
    assert np.all(xy[:, 0] ** 2 / 8 + xy[:, 1] ** 2 / 2 <= 1 + 1e-9)


def test_points_inside_the_ball_map_along_their_direction():
    camera = Camera()
    p = np.array([[0.3, -0.2, 0.1]])
    assert np.allclose(map_points(p, camera), map_points(p / np.linalg.norm(p), camera))


def test_paths_across_the_back_are_broken_and_others_joined():
    camera = Camera(azimuth=0.0, elevation=0.0)  # looking from +x: the back point is −x
    t = np.radians(np.linspace(-10, 10, 21))
    across = np.column_stack([-np.cos(t), np.sin(t), np.zeros_like(t)])  # through the back point
    front = across * np.array([-1.0, 1.0, 1.0])  # the same arc in front
    assert not joinable(map_points(across, camera)).all()
    assert joinable(map_points(front, camera)).all()


def test_raster_covers_the_whole_sphere():
    directions, inside = raster_directions(Camera(), 400, 200)
    assert np.allclose(np.linalg.norm(directions[inside], axis=-1), 1.0)
    assert 0.76 < inside.mean() < 0.8  # the ellipse fills π/4 of its bounding box
