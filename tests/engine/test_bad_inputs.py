"""Inputs that used to pass validation and crash later (issue #11): seeds, teacher directions, divergence at step 0."""

import numpy as np
import pytest

from engine import config
from engine.config import ConfigError, RunConfig
from engine.initial import make_teacher
from engine.trainer import Diverged, Trainer


def with_(*assignments):
    return config.apply_overrides(RunConfig(), list(assignments))


def test_seeds_beyond_64_bits_are_refused_and_the_largest_one_trains():
    with pytest.raises(ConfigError, match=r"seed = 9223372036854775808 is not allowed.*<= 9223372036854775807"):
        with_("seed=9223372036854775808")
    with pytest.raises(ConfigError, match="seed"):
        with_("seed=1" + "0" * 400)  # too large even to become a float
    Trainer(with_("seed=9223372036854775807", "optim.steps=1"))


@pytest.mark.parametrize(
    "directions, activation, words",
    [
        ("[[1,0,0],[2,0,0],[0,1,0]]", "relu", "rows 1 and 2 are parallel"),
        ("[[1,0,0],[0,1,0],[0,3,0]]", "relu_centered", "rows 2 and 3 are parallel"),
        ("[[1,0,0],[-1,0,0],[0,1,0]]", "abs", "opposite, the same feature for the even activation abs"),
        ("[[1e308,1e308,0],[2e-308,2e-308,0],[0,0,1]]", "relu", "rows 1 and 2 are parallel"),
    ],
)
def test_the_same_teacher_direction_twice_is_refused(directions, activation, words):
    with pytest.raises(ConfigError, match="teacher.directions") as info:
        with_(f"teacher.directions={directions}", f"model.activation='{activation}'")
    assert words in str(info.value)


def test_opposite_directions_are_distinct_for_relu():
    cfg = with_("teacher.directions=[[1,0,0],[-1,0,0],[0,1,0]]", "model.activation='relu'")
    np.testing.assert_allclose(make_teacher(cfg, None).w[1], [-1, 0, 0])


@pytest.mark.parametrize("huge, tiny", [(1e308, 1e-320), (1.7e308, 5e-324)])
def test_extreme_direction_entries_still_give_unit_directions(huge, tiny):
    cfg = with_(f"teacher.directions=[[{huge},{huge},0],[{tiny},0,0],[0,0,1]]")
    w = make_teacher(cfg, None).w
    np.testing.assert_allclose(np.linalg.norm(w, axis=1), 1.0)
    np.testing.assert_allclose(w[:2], [[2**-0.5, 2**-0.5, 0], [1, 0, 0]])


def test_divergence_at_step_zero_blames_the_initial_scale_not_the_step_size():
    trainer = Trainer(with_("student.init_scale=1e80"))
    with np.errstate(all="ignore"), pytest.raises(Diverged) as info:
        next(trainer.run())
    message = str(info.value)
    assert info.value.step == 0
    assert "student.init_scale = 1e+80" in message and "optim.lr" not in message


def test_divergence_later_still_suggests_a_smaller_step():
    trainer = Trainer(with_("optim.lr=500", "optim.steps=300"))
    with np.errstate(all="ignore"), pytest.raises(Diverged, match=r"smaller optim.lr \(now 500\)") as info:
        list(trainer.run())
    assert info.value.step > 0


def test_directions_and_norms_of_huge_and_tiny_neurons():
    from engine.metrics import unit_rows

    directions, norms = unit_rows(np.array([[1e300, 1e300, 0], [1e-320, 0, 0], [0, 0, 0]]))
    np.testing.assert_allclose(directions, [[2**-0.5, 2**-0.5, 0], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_allclose(norms[:1], [2**0.5 * 1e300])
    assert norms[1] > 0 and norms[2] == 0
