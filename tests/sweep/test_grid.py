"""Sweep files: axis expansion, overrides, and errors that name the problem (no Dask needed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine import presets
from engine.sweep import builtin, grid
from engine.sweep.grid import SweepError

from .conftest import featlearn


def test_axes_expand_to_the_product_first_axis_slowest(sweep_file):
    sweep = grid.load(
        sweep_file(
            '"optim.weight_decay" = { logspace = [-3, -1, 3] }\n"optim.lr" = { linspace = [0.1, 0.5, 2] }\n'
            "seed = { range = [4, 7] }"
        )
    )
    assert [a.values for a in sweep.axes] == [(0.001, 0.01, 0.1), (0.1, 0.5), (4, 5, 6)]
    assert len(sweep.points) == 18
    first, second, last = sweep.points[0], sweep.points[1], sweep.points[-1]
    assert first.values == {"optim.weight_decay": 0.001, "optim.lr": 0.1, "seed": 4}
    assert second.values == {"optim.weight_decay": 0.001, "optim.lr": 0.1, "seed": 5}
    assert last.values == {"optim.weight_decay": 0.1, "optim.lr": 0.5, "seed": 6}
    cfg = last.config
    assert (cfg.optim.weight_decay, cfg.optim.lr, cfg.seed) == (0.1, 0.5, 6)
    assert cfg.optim.steps == 300 and cfg.record.every == 50  # [set]
    assert cfg.teacher.directions == presets.load("paper").teacher.directions  # the base
    assert len({p.config_hash for p in sweep.points}) == 18


def test_nested_and_quoted_dotted_keys_mean_the_same(tmp_path):
    quoted = tmp_path / "a.toml"
    quoted.write_text('base = "paper"\n[axes]\n"student.width" = [10, 20]\n')
    nested = tmp_path / "b.toml"
    nested.write_text('base = "paper"\n[axes]\nstudent.width = [10, 20]\n')
    assert [p.config_hash for p in grid.load(quoted).points] == [p.config_hash for p in grid.load(nested).points]


def test_the_hash_names_the_config_not_the_file(tmp_path):
    a = tmp_path / "a.toml"
    a.write_text('title = "one"\nbase = "paper"\n[axes]\nseed = [3]\n')
    b = tmp_path / "b.toml"
    b.write_text('title = "two"\nbase = "paper"\n[set]\nseed = 3\n[axes]\n"optim.lr" = [0.5]\n')
    assert grid.load(a).points[0].config_hash == grid.load(b).points[0].config_hash
    assert grid.load(a).points[0].config_hash != grid.load(sweep_with_seed(tmp_path, 4)).points[0].config_hash


def sweep_with_seed(folder, seed):
    path = folder / "c.toml"
    path.write_text(f'base = "paper"\n[axes]\nseed = [{seed}]\n')
    return path


def test_a_base_config_file_is_relative_to_the_sweep_file(tmp_path):
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "small.toml").write_text("[student]\nwidth = 7\n")
    path = tmp_path / "s.toml"
    path.write_text('base = "configs/small.toml"\n[axes]\nseed = { range = [0, 2] }\n')
    assert [p.config.student.width for p in grid.load(path).points] == [7, 7]


@pytest.mark.parametrize(
    "axes, message",
    [
        ('"optim.lrate" = [1]', "unknown config key optim.lrate"),
        ("seed = { range = [3, 3] }", "range = [3, 3]"),
        ('seed = { range = [0, "4"] }', "expected two integers"),
        ('"optim.lr" = { logspace = [-3, -1, 0] }', "n an integer >= 1"),
        ('"optim.lr" = { geomspace = [1, 2, 3] }', "expected a list of values"),
        ('"optim.lr" = []', "at least one value"),
        ('"optim.lr" = [0.1, -1.0]', "the run with optim.lr = -1: optim.lr = -1.0 is not allowed"),
        ('"student.width" = [50, 2]\nseed = [5]', "the run with student.width = 2, seed = 5: student.width"),
        ('"optim.lr" = [0.5, 0.5]', "are the same run"),
        ('"teacher.width" = [4]\n"teacher.min_angle_deg" = [89.0]', "the run with teacher.width = 4"),
    ],
)
def test_invalid_axes_name_the_key_or_the_run(sweep_file, axes, message):
    path = sweep_file(axes)
    if "teacher.min_angle_deg" in axes:  # random teachers: drop the preset's fixed directions and signs
        path.write_text(path.read_text().replace("[set]", "[set]\nteacher.directions = []\nteacher.signs = []"))
    with pytest.raises(SweepError, match=message.replace("[", r"\[").replace("]", r"\]")):
        grid.load(path)


@pytest.mark.parametrize(
    "text, message",
    [
        ("[axes]\nseed = [1]", "base is missing"),
        ('base = "nope"\n[axes]\nseed = [1]', "preset 'nope' does not exist"),
        ('base = "paper"\n', "[axes] is empty"),
        ('base = "paper"\nruns = 3\n[axes]\nseed = [1]', "unknown key runs"),
        ('base = "paper"\n[set]\n"optim.lr" = -2\n[axes]\nseed = [1]', "[set]: optim.lr = -2.0 is not allowed"),
        ('base = "paper"\n[recovered]\nmax_angle = 3\n[axes]\nseed = [1]', "unknown key max_angle"),
        ('base = "paper"\n[recovered]\nfar_fraction = -1\n[axes]\nseed = [1]', "recovered.far_fraction = -1"),
        ('base = "paper"\n[axes\nseed = [1]', "is not valid TOML"),
    ],
)
def test_invalid_sweep_files(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SweepError) as info:
        grid.load(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_thresholds_have_the_documented_defaults(sweep_file):
    t = grid.load(sweep_file("seed = [0]")).thresholds
    assert (t.max_angle_deg, t.far_fraction, t.captured_error) == (3.0, 1e-3, 0.02)


def test_builtin_sweeps_load_and_each_states_its_claim():
    assert {"weight-decay", "width", "separation", "lazy"} <= set(builtin.names())
    for name in builtin.names():
        sweep = grid.load(builtin.find(name))
        assert sweep.title and sweep.description and builtin.description(name)
        if sweep.adaptive is None:
            assert 10 <= len(sweep.points) <= 60
        else:  # points placed as it runs: combinations x runs x seeds of them
            assert sweep.adaptive.runs * len(sweep.axes[1].values) * len(sweep.axes[2].values) <= 60


def test_cli_rejects_an_invalid_sweep_with_one_line(tmp_path, sweep_file):
    path = sweep_file('"student.width" = [2]')
    result = featlearn("sweep", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    assert "the run with student.width = 2" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # nothing started
    missing = featlearn("sweep", "no-such-sweep", "--out", str(tmp_path / "out"))
    assert missing.returncode == 2 and "built-in sweep (" in missing.stderr and "weight-decay" in missing.stderr


def test_sweeps_lists_the_builtin_sweeps_with_their_claims():
    result = featlearn("sweeps")
    assert result.returncode == 0
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert set(lines) == set(builtin.names())
    assert "weight decay" in lines["weight-decay"].lower()


def test_the_sweep_command_loads_no_qt():
    code = (
        "import sys\nfrom featlearn_gui import cli\ncli.main(['sweeps'])\n"
        "import featlearn_gui.sweep.command, engine.sweep.runner\n"
        "print('QT' if any(m.split('.')[0] in ('PySide6', 'pyqtgraph') for m in sys.modules) else 'NOQT')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().endswith("NOQT"), result.stderr
