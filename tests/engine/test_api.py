"""featlearn from Python (engine/api.py): the same configs, overrides and refusals as the command line, tables whose
columns are the recorded and measured numbers, and a results.csv read back with its types."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import presets
from engine.config import ConfigError, apply_overrides
from engine.metrics import neuron_metrics


def test_overrides_as_a_dict_or_as_command_line_strings_give_the_same_config():
    as_dict = engine.run_config("paper", {"optim.lr": 0.25, "seed": 7, "teacher.signs": [1, 1, -1]})
    as_strings = engine.run_config("paper", ["optim.lr=0.25", "seed=7", "teacher.signs=[1,1,-1]"])
    assert as_dict == as_strings == apply_overrides(presets.load("paper"), ["optim.lr=0.25", "seed=7",
                                                                             "teacher.signs=[1,1,-1]"])
    assert engine.run_config(presets.load("lazy")) == presets.load("lazy")


@pytest.mark.parametrize("what, overrides, message", [
    ("paper", {"optim.lrate": 1}, "unknown key optim.lrate"),
    ("paper", {"optim.lr": -1}, "optim.lr = -1"),
    ("nope", None, "preset 'nope' does not exist"),
    ("missing.toml", None, "missing.toml"),
    ("paper", "optim.lr=1", "give a dict or a list"),
])
def test_bad_input_raises_one_clear_error(what, overrides, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        engine.run_config(what, overrides)


def test_train_returns_the_history_and_its_metrics_table():
    history = engine.train("paper", {"optim.steps": 60, "record.every": 20})
    table = engine.metrics_table(history)
    assert list(table)[:9] == ["step", "stage", "loss", "population_loss", "objective", "weight_decay", "far_mass",
                               "max_active_angle_deg", "span_share"]
    assert list(table)[9:] == ["captured_1", "captured_2", "captured_3"]
    np.testing.assert_array_equal(table["step"], [0, 20, 40, 60])
    last = history.snapshot(-1)
    met = neuron_metrics(last.student_w, last.student_a, history.teacher, history.config.is_even)
    assert table["far_mass"][-1] == met.far_mass and table["loss"][-1] == last.loss
    np.testing.assert_array_equal(table["captured_2"][-1], met.captured[1])


def test_results_table_reads_numbers_as_numbers(tmp_path):
    (tmp_path / "results.csv").write_text(
        "config_hash,status,message,seed,final_loss,recovered_step\n"
        "ab,ok,,0,1e-05,400\n"
        "cd,diverged,training diverged at step 3 (loss = inf); try a smaller optim.lr,1,inf,\n",
        encoding="utf-8")
    table = engine.results_table(tmp_path)
    assert table["seed"].dtype == np.int64 and list(table["seed"]) == [0, 1]
    assert table["final_loss"][0] == 1e-5 and np.isinf(table["final_loss"][1])
    assert table["recovered_step"][0] == 400 and np.isnan(table["recovered_step"][1])
    assert list(table["status"]) == ["ok", "diverged"] and table["message"][0] == ""
    with pytest.raises(ConfigError, match="cannot read sweep results"):
        engine.results_table(tmp_path / "nowhere")
