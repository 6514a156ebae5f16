"""MetricsSeries computes a backlog of snapshots in vectorized batches: the same numbers as neuron_metrics."""

import numpy as np
import pytest

from engine import metrics_series, presets
from engine.metrics import neuron_metrics
from engine.trainer import Trainer


@pytest.mark.parametrize("preset", ["paper", "paper-relu"])
def test_batched_metrics_match_per_snapshot(preset, monkeypatch):
    monkeypatch.setattr(metrics_series, "CHUNK", 7)  # several batches, and one split across two updates
    trainer = Trainer(presets.load(preset))
    history = trainer.new_history()
    series = metrics_series.MetricsSeries(history)
    for snap in trainer.run(until=400):
        history.append(snap)
        if len(history) == 5:
            assert series.update() == 5
    series.update()
    view = history.view()
    assert len(series) == len(history)
    for i in range(len(history)):
        ref = neuron_metrics(view["student_w"][i], view["student_a"][i], history.teacher, history.config.is_even)
        assert series.far_mass[i] == pytest.approx(ref.far_mass, rel=1e-12, abs=1e-15)
        assert series.max_active_angle_deg[i] == pytest.approx(ref.max_active_angle_deg, rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(series.captured[i], ref.captured, rtol=1e-12, atol=1e-15)
        assert series.span_share[i] == pytest.approx(ref.span_share, rel=1e-12)
