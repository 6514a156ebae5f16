"""The certificate's plots (issue 17): the axis keeps to the informative range and marks what lies beyond; each
change of λ is marked where η_λ jumps, and the jump is explained on screen."""

from __future__ import annotations

import numpy as np

from engine.certificate import live_certificate, teacher_path
from engine.trainer import train
from featlearn_gui.plots import ETA_SHOWN, PATH_SAMPLES, PEAK_SAMPLES, certificate_peak

from .test_panels import make_panels


def test_certificate_axis_keeps_to_the_informative_range_and_marks_values_beyond(qtbot, small_config):
    history = train(small_config())
    model, panels = make_panels(qtbot, history)
    certificate = panels[-1]
    model.set_index(0)  # at the start the residual is the whole teacher: η_λ = correlation / λ is in the tens
    certificate.draw_now()
    snap = history.snapshot(0)
    path = teacher_path(history.teacher.w, samples=PATH_SAMPLES)
    live, _ = live_certificate(path.points, snap.student_w, snap.student_a, history.teacher,
                               history.config.model.activation, snap.weight_decay)
    assert np.max(np.abs(live)) > 2 * ETA_SHOWN
    low, high = certificate.plot.getViewBox().viewRange()[1]
    assert -1.2 * ETA_SHOWN <= low < -1 and 1 < high <= 1.2 * ETA_SHOWN  # the band ±1 stays readable
    marked = certificate.beyond.data
    assert len(marked) > 0 and set(np.abs(marked["y"])) == {ETA_SHOWN}
    assert f"{live.max():.3g}" in certificate.plot.titleLabel.text


def test_each_change_of_lambda_is_marked_and_the_jump_explained(qtbot, small_config):
    history = train(small_config("optim.decay_every=100"))
    model, panels = make_panels(qtbot, history)
    decay, certificate = panels[3], panels[-1]
    lam, steps = history.view()["weight_decay"], history.steps
    changes = steps[np.flatnonzero(np.diff(lam)) + 1]
    assert list(changes) == [100, 200, 300, 400]
    model.set_step(100)
    decay.draw_now()
    for p in range(len(decay.plots)):  # λ and the certificate's peak
        marks = [mark.value() for mark in decay._marks[p] if mark.isVisible()]
        assert marks == list(changes)
    peak = decay._curves[(1, 0)][0].yData
    i = int(np.searchsorted(steps, 100))
    path = teacher_path(history.teacher.w, samples=PEAK_SAMPLES)
    for j in (i - 1, i):
        snap = history.snapshot(j)
        live, _ = live_certificate(path.points, snap.student_w, snap.student_a, history.teacher,
                                   history.config.model.activation, snap.weight_decay)
        assert peak[j] == np.max(np.abs(live))
    assert peak[i] > 1.5 * peak[i - 1]  # λ halved: η_λ = correlation / λ about doubles at once
    certificate.draw_now()
    assert "λ 0.01 → 0.005 at step 100" in certificate.plot.titleLabel.text
    assert "doubles" in certificate.toolTip() and "doubles" in decay.toolTip()


def test_certificate_peak_series_equals_the_live_certificate_of_each_snapshot(small_config):
    """The peak plot against engine.certificate.live_certificate, one snapshot at a time, for a run whose λ is
    halved and one with λ = 0 (the unscaled correlation); its coarser path finds the dense path's peak within 2 %."""
    for extra in (["optim.decay_every=100"], ["optim.weight_decay=0", "optim.weight_decay_min=0"]):
        history = train(small_config(*extra))
        expected, dense = [], []
        for i in range(len(history)):
            snap = history.snapshot(i)
            for samples, peaks in ((PEAK_SAMPLES, expected), (PATH_SAMPLES, dense)):
                path = teacher_path(history.teacher.w, samples=samples)
                live, _ = live_certificate(path.points, snap.student_w, snap.student_a, history.teacher,
                                           history.config.model.activation, snap.weight_decay)
                peaks.append(np.max(np.abs(live)))
        first = certificate_peak(history, 3)  # a live run asks for what it shows, a few snapshots at a time
        np.testing.assert_allclose(certificate_peak(history, len(history)), expected, rtol=1e-12)
        np.testing.assert_allclose(first, expected[:3], rtol=1e-12)
        np.testing.assert_allclose(expected, dense, rtol=0.02)
