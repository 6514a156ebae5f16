"""The app's one model, without Qt: N runs, one step cursor that keeps them in lock-step, the selected run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine.trainer import train
from featlearn_gui.model import AppModel, Run


def test_the_model_and_the_plot_definitions_import_without_qt():
    code = ("import sys; import featlearn_gui.model, featlearn_gui.plots, featlearn_gui.palette; "
            "print([m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'shiboken6'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def histories(small_config_module):
    # record.every 20 and 30: the runs record different steps, so the cursor's lock-step is put to the test
    return train(small_config_module("record.every=20")), train(small_config_module("record.every=30"))


@pytest.fixture(scope="module")
def small_config_module():
    from engine import presets
    from engine.config import apply_overrides

    def make(*overrides):
        return apply_overrides(presets.load("paper"), ["student.width=8", "optim.steps=200", *overrides])

    return make


def test_the_cursor_shows_every_run_at_its_last_snapshot_at_or_before_the_step(histories):
    model = AppModel()
    a, b = Run("a", histories[0], status="finished"), Run("b", histories[1], status="finished")
    model.runs.extend([a, b])
    assert model.selected is a and model.last_step == 200
    model.set_step(95)  # snaps to the last step some run recorded: 90 (b)
    assert model.step == 90 and a.index_at(model.step) == 4 and b.index_at(model.step) == 3
    assert model.recorded_steps()[:5] == [0, 20, 30, 40, 60]
    model.set_step(95, snap=False)
    assert model.step == 95


def test_a_growing_run_moves_a_following_cursor_to_the_slowest_trainable_run(histories):
    model = AppModel()
    fast = Run("fast", histories[0], status="running", count=5)  # up to step 80
    slow = Run("slow", histories[1], status="running", count=2)  # up to step 30
    model.runs.extend([fast, slow])
    steps = []
    model.events.step.connect(steps.append)
    assert model.step == model.frontier == 30
    slow.count = 4  # step 90: the fast run is now the slowest
    assert model.step == 80
    model.set_step(20)
    slow.count = 5
    assert model.step == 20 and not model.following  # scrubbed back: the cursor stays
    model.follow()
    assert model.step == 80 and steps == [80, 20, 80]


def test_removing_the_selected_run_selects_its_neighbour_and_each_run_announces_its_changes(histories):
    model = AppModel()
    runs = [Run(name, histories[0], status="finished") for name in "abc"]
    model.runs.extend(runs)
    changes = []
    model.run_changed.connect(lambda run, name: changes.append((run.label, name)))
    model.selected = runs[1]
    model.runs.remove(runs[1])
    assert model.selected is runs[2]
    runs[0].label = "renamed"
    runs[1].label = "gone"  # no longer in the model: not announced
    assert changes == [("renamed", "label")]
    model.runs.move(1, 0)
    assert [run.label for run in model.runs] == ["c", "renamed"]
