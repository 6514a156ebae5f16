"""Words on screen: the guided tour's stops, found from a recorded run's metrics; the help text's numbers; the tour
controller pausing at a stop and continuing on Space."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine import presets
from engine.config import apply_overrides
from engine.history import RunHistory
from engine.metrics import ACTIVE_FRACTION, CLOSE_DEG, neuron_metrics
from engine.trainer import train
from featlearn_gui.explain import help_html
from featlearn_gui.tour_stops import FEW_DEG, caption_at, tour_stops

Key = Qt.Key


@pytest.fixture(scope="module")
def paper_run(tmp_path_factory) -> RunHistory:
    """The paper preset with a faster schedule (λ halved every 1,000 steps), recorded and read back from its file."""
    cfg = apply_overrides(presets.load("paper"), ["optim.steps=5000", "optim.decay_every=1000", "record.every=20"])
    path = tmp_path_factory.mktemp("tour") / "paper.npz"
    train(cfg).save(path)
    return RunHistory.load(path)


def every_metrics(history: RunHistory):
    view = history.view()
    return [neuron_metrics(w, a, history.teacher, history.config.is_even)
            for w, a in zip(view["student_w"], view["student_a"])]


def test_stops_come_from_the_runs_own_metrics(paper_run):
    stops = tour_stops(paper_run)
    steps = [s for s, _ in stops]
    assert steps == sorted(set(steps)) and steps[0] == 0
    recorded = paper_run.steps
    assert set(steps) <= set(int(s) for s in recorded)
    captions = dict(stops)
    mets = every_metrics(paper_run)

    # the far mass vanishes at the first recorded step (after the start) where it is exactly 0
    vanished = next(int(s) for s, m in zip(recorded, mets) if s > 0 and m.far_mass == 0)
    assert "far mass has vanished" in captions[vanished]
    assert sum("far mass has vanished" in c for c in captions.values()) == 1

    # each change of λ, at the first recorded step with the new value
    lam = paper_run.view()["weight_decay"]
    changes = [int(recorded[i]) for i in range(1, len(lam)) if lam[i] < lam[i - 1]]
    assert changes == [1000, 2000, 3000, 4000, 5000]
    for step in changes:
        assert re.search(r"λ (halved|reaches its floor|divided)", captions[step])

    # early alignment: the first step where at least half the mass is within CLOSE_DEG of a teacher
    share = [1 - m.far_mass / m.mass.sum() for m in mets]
    aligned = next(int(s) for s, x in zip(recorded, share) if x >= 0.5)
    assert aligned > 0 and "Early alignment" in captions[aligned]
    assert f"{100 * share[list(recorded).index(aligned)]:.0f} %" in captions[aligned]

    # every active neuron within a few degrees
    close = next(int(s) for s, m in zip(recorded, mets) if s > 0 and m.max_active_angle_deg <= FEW_DEG
                 and m.far_mass == 0)
    assert "Every active neuron is within" in captions[close]

    # the end, with the certificate
    assert steps[-1] == 5000 and "certificate" in captions[5000]


def test_stops_of_a_run_in_progress_never_move(paper_run):
    """Stops depend only on the snapshots up to them: a prefix of the run has a prefix of the stops (no end)."""
    cut = paper_run.index_at_step(2500)
    partial = RunHistory(paper_run.config, paper_run.teacher)
    for i in range(cut + 1):
        partial.append(paper_run.snapshot(i))
    full, early = tour_stops(paper_run), tour_stops(partial)
    assert early == [stop for stop in full if stop[0] <= int(paper_run.steps[cut])]
    assert caption_at(full, 2500) == early[-1][1]
    assert caption_at(full, -1) == ""


def test_three_stage_stops_name_the_stages():
    cfg = apply_overrides(presets.load("three-stage"), ["optim.steps=200", "record.every=20"])
    history = train(cfg)
    captions = dict(tour_stops(history))
    assert captions[1].startswith("Stage 1") and captions[2].startswith("Stage 2")
    q, _ = np.linalg.qr(history.teacher.w.T)  # the teacher span, by hand

    def percent_in_span(i):
        w, a = history.snapshot(i).student_w, np.abs(history.snapshot(i).student_a)
        return int(100 * np.sum(a * np.linalg.norm(w @ q, axis=1)) / np.sum(a * np.linalg.norm(w, axis=1)))

    assert percent_in_span(1) >= 97  # the first large step finds the span
    assert (f"{percent_in_span(1)} % of the mass already lies in the teacher span, the 3-D subspace of R^10 the "
            f"teachers live in ({percent_in_span(0)} % at the start)") in captions[1]
    last = history.snapshot(-1)
    a = np.abs(last.student_a)
    share = np.sum(a * np.linalg.norm(last.student_w @ q, axis=1)) / np.sum(a * np.linalg.norm(last.student_w, axis=1))
    help_text = re.sub("<[^>]+>", "", help_html(history, len(history) - 1))
    assert f"lifts it close to 1 (the dots mark the ends of stages 1 and 2). Now: {100 * share:.3g} %." in help_text


def test_help_text_numbers_are_the_engines(paper_run):
    index = paper_run.index_at_step(200)
    snap = paper_run.snapshot(index)
    met = neuron_metrics(snap.student_w, snap.student_a, paper_run.teacher, paper_run.config.is_even)
    assert met.far_mass > 0  # the sentence with numbers, not the "far mass 0" one
    text = re.sub("<[^>]+>", "", help_html(paper_run, index, "paper"))
    far = ~met.near & (met.mass > 0)
    assert (f"far mass {met.far_mass:.2f}: {100 * met.far_mass / met.mass.sum():.1f} % of the mass sits on "
            f"{int(far.sum())} neurons more than {CLOSE_DEG:g}° from every teacher") in text
    assert f"max active angle {met.max_active_angle_deg:.2f}°" in text
    assert f"of the {int(np.sum(met.mass >= ACTIVE_FRACTION * met.mass.max()))} active neurons" in text
    for c in met.captured:
        assert f"{c:+.3f}" in text
    assert f"loss {snap.loss:.3g}" in text and f"λ = {snap.weight_decay:.3g} now" in text
    assert "step 200" in text
    end = re.sub("<[^>]+>", "", help_html(paper_run, len(paper_run) - 1))
    assert "far mass 0: every neuron" in end


def test_tour_pauses_at_a_stop_and_continues_on_space(qtbot, window):
    from featlearn_gui.guide import start_tour

    run = window.model.selected
    assert start_tour(window, "paper")  # the window's run is the paper preset: kept, not reloaded
    assert window.model.selected is run
    tour = window.tour
    assert tour.active and window.model.step == 0 and not window.model.playing
    assert tour.caption.isVisible() and "The start" in tour.caption.text()

    qtbot.keyClick(window, Key.Key_Space)
    qtbot.waitUntil(lambda: tour.shown > 0 and not window.model.playing, timeout=15000)
    # paused at the early-alignment stop, computed here independently from the recorded metrics
    mets = every_metrics(run.history)
    aligned = next(int(s) for s, m in zip(run.history.steps, mets) if m.far_mass / m.mass.sum() <= 0.5)
    assert tour.shown == aligned == window.model.step
    assert tour.caption.isVisible() and "Early alignment" in tour.caption.text()

    qtbot.keyClick(window, Key.Key_Space)  # continue: the caption goes, the run plays on
    assert window.model.playing and not tour.caption.isVisible()
    qtbot.waitUntil(lambda: tour.shown > aligned and not window.model.playing, timeout=15000)
    assert tour.shown == 400 and "The end" in tour.caption.text()  # the short run's last step

    qtbot.keyClick(window, Key.Key_Escape)
    assert not tour.active and not tour.caption.isVisible()


def test_help_dialog_follows_the_cursor(qtbot, window, train_to):
    train_to(window, 200)
    action = next(a for a in window.actions() if "looking" in a.text())
    assert action.shortcut().toString() == "Shift+F1"
    action.trigger()
    dialog = window.help_dialog
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.shown_step == 200)
    assert not dialog.isModal()
    window.model.set_step(100)
    qtbot.waitUntil(lambda: dialog.shown_step == 100)
    assert "at step 100" in dialog.browser.toPlainText()
    dialog.close()


def test_tour_of_another_preset_asks_before_discarding_work(qtbot, window, train_to, monkeypatch):
    from featlearn_gui import prompts
    from featlearn_gui.guide import start_tour

    train_to(window, 100)
    run = window.model.selected
    run.saved = False  # trained and unsaved: worth asking about
    asked = []
    monkeypatch.setattr(prompts, "ask_discard", lambda parent, what: asked.append(what) or False)
    assert not start_tour(window, "three-stage")  # declined: the run stays, no tour
    assert asked == ["load the preset 'three-stage'"] and window.model.selected is run and not window.tour.active
    monkeypatch.setattr(prompts, "ask_discard", lambda parent, what: True)
    assert start_tour(window, "three-stage")
    assert window.model.selected.preset_name == "three-stage" and window.tour.active
    assert window.tour.caption.isVisible() and window.model.step == 0
    window.files.load_preset("paper")  # another experiment on screen: the tour is over
    assert not window.tour.active and not window.tour.caption.isVisible()
