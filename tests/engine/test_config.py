import dataclasses

import pytest

from engine import config, presets
from engine.config import ConfigError, RunConfig


def test_defaults_are_valid_and_documented_values():
    cfg = RunConfig()
    assert (cfg.seed, cfg.device, cfg.dtype) == (0, "auto", "float64")
    assert cfg.teacher_signs() == [1, -1, 1]
    assert cfg.optim.lr == 0.5 and cfg.record.every == 20 and cfg.model.activation == "relu_centered"


def test_toml_round_trip(tmp_path):
    cfg = config.apply_overrides(presets.load("paper"), ["optim.lr=0.25", "seed=7", "teacher.signs=[1,1,-1]"])
    path = tmp_path / "c.toml"
    config.save(cfg, path)
    assert config.load(path) == cfg


@pytest.mark.parametrize(
    "assignment, words",
    [
        ("optim.lr=-1", ["optim.lr", "-1", "> 0"]),
        ("model.activation=tanh", ["model.activation", "tanh", "relu_centered"]),
        ("device=tpu", ["device", "tpu", "cuda"]),
        ("student.width=2", ["student.width", "teacher.width"]),
        ("teacher.signs=[1,2,1]", ["teacher.signs", "+1 or -1"]),
        ("optim.steps=abc", ["optim.steps", "abc", "integer"]),
        ("optim.decay_factor=1.5", ["optim.decay_factor", "1.5", "<= 1"]),
        ("record.every=0", ["record.every", ">= 1"]),
    ],
)
def test_bad_values_name_key_value_and_allowed(assignment, words):
    with pytest.raises(ConfigError) as info:
        config.apply_overrides(RunConfig(), [assignment])
    for word in words:
        assert word in str(info.value)


def test_unknown_keys_are_errors():
    with pytest.raises(ConfigError, match="unknown key optim.learning_rate"):
        config.loads("[optim]\nlearning_rate = 0.1\n")
    with pytest.raises(ConfigError, match="unknown key colour"):
        config.loads("colour = 'red'\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.loads("[optim\n")


def test_set_type_checks_and_coerces():
    cfg = config.apply_overrides(RunConfig(), ["optim.lr=1", "optim.steps=100.0", "dtype=float32"])
    assert cfg.optim.lr == 1.0 and isinstance(cfg.optim.lr, float)
    assert cfg.optim.steps == 100 and cfg.dtype == "float32"
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        config.apply_overrides(RunConfig(), ["optim.lr"])
    with pytest.raises(ConfigError, match="optim.steps"):
        config.apply_overrides(RunConfig(), ["optim.steps=1.5"])


def test_symmetric_init_needs_even_width():
    with pytest.raises(ConfigError, match="even"):
        config.apply_overrides(RunConfig(), ["student.init=symmetric", "student.width=51"])


def test_history_memory_is_bounded():
    with pytest.raises(ConfigError, match="GiB"):
        config.apply_overrides(RunConfig(), ["student.width=100000", "optim.steps=100000", "record.every=1"])
    # The documented large case fits: m = 5,000 for 16,000 steps.
    config.apply_overrides(RunConfig(), ["student.width=5000"])


def test_every_preset_loads_through_validation():
    assert "paper" in presets.names()
    for name in presets.names():
        cfg = presets.load(name)
        assert isinstance(cfg, RunConfig)
        assert presets.description(name)


def test_missing_preset_lists_available():
    with pytest.raises(ConfigError, match="available presets: .*paper"):
        presets.load("nope")


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        RunConfig().seed = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "assignments, key",
    [
        (["loss.kind=empirical", "loss.samples=1000000000"], "loss.samples = 1000000000"),
        (["loss.kind=online", "loss.batch=1000000000"], "loss.batch = 1000000000"),
        (["loss.kind=empirical", "loss.batch=1000000000", "loss.samples=1000000000"], "loss.samples"),
        (["student.width=10000000"], "student.width = 10000000"),
        (["teacher.dim=100000000"], "teacher.dim = 100000000"),
        (["optim.mode=three_stage", "student.width=20000"], "student.width = 20000"),
    ],
)
def test_every_size_is_bounded_by_its_memory_and_the_error_names_it(assignments, key):
    with pytest.raises(ConfigError) as info:
        config.apply_overrides(RunConfig(), assignments)
    message = str(info.value)
    assert message.startswith(key) and "GiB" in message and "\n" not in message
    assert "record.every" not in message  # the old message blamed the snapshot interval for a huge width


def test_memory_bounds_leave_room_for_real_runs():
    config.apply_overrides(RunConfig(), ["loss.kind=empirical", "loss.samples=10000000"])  # 10^7 samples, d = 3
    config.apply_overrides(RunConfig(), ["loss.kind=online", "loss.batch=1000000"])
    config.apply_overrides(RunConfig(), ["optim.mode=three_stage", "student.width=5000"])
    # samples only count when they are used
    config.apply_overrides(RunConfig(), ["loss.samples=1000000000"])


def test_batch_rules():
    with pytest.raises(ConfigError, match=r"loss.batch = 0 .*online"):
        config.apply_overrides(RunConfig(), ["loss.kind=online"])
    with pytest.raises(ConfigError, match=r"loss.batch = 200 .*at most loss.samples = 100"):
        config.apply_overrides(RunConfig(), ["loss.kind=empirical", "loss.samples=100", "loss.batch=200"])
    with pytest.raises(ConfigError, match=r"loss.batch = -1 .*>= 0"):
        config.apply_overrides(RunConfig(), ["loss.batch=-1"])
    cfg = config.apply_overrides(RunConfig(), ["loss.kind=online", "loss.batch=10"])
    assert config.loads(config.dumps(cfg)) == cfg
