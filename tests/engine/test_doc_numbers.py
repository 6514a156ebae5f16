"""The numbers that docs/theory.md and README.md quote from runs, checked against the runs (issue 17).

Each claim formats what the run measures the way the document writes it and looks for that text, so a stale
number fails with the text the document should say. Preset numbers reuse the runs test_presets.py trains
(tests/engine/trained.py; docs/theory.md's preset rows are checked
there, by test_presets.py); a sweep's claim trains only the cells on either side of it, two at a time.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import statistics
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from engine.metrics import CLOSE_DEG, neuron_metrics

from .trained import trained

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
DOCS = {name: ROOT / name for name in ("docs/theory.md", "README.md")}
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def says(doc: str, text: str) -> None:
    body = DOCS[doc].read_text(encoding="utf-8")
    assert text in " ".join(body.split()), f"{doc} should say {text!r} (what the run measures)"


def power(x: float) -> str:
    """10⁻⁷: the nearest power of ten, as the documents write it."""
    return "10" + str(round(np.log10(x))).translate(SUPERSCRIPT)


def one_digit(x: float) -> str:
    """4·10⁻⁷: one significant digit."""
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}·10" + str(int(exponent)).translate(SUPERSCRIPT)


def final(name: str):
    history = trained(name)
    snap = history.snapshot(-1)
    return history, snap, neuron_metrics(snap.student_w, snap.student_a, history.teacher, history.config.is_even)


# --- presets (docs/theory.md §8 and the README's `featlearn info`) -------------------------------------------------


def test_paper_numbers():
    history, snap, met = final("paper")
    assert met.far_mass == 0
    captured = np.abs(met.captured)
    says("docs/theory.md", f"max active angle ≤ 2° (about {met.max_active_angle_deg:.1f}° in practice), far mass "
                           f"≤ 10⁻³ of the total (0 in practice), captured masses within 2 % of a* "
                           f"(≈ {captured.min():.3f}–{captured.max():.3f}), loss < 10⁻⁵ (≈ {one_digit(snap.loss)})")
    says("README.md", f"wrote paper.npz ({len(history)} snapshots, final loss {snap.loss:.3g})")


def test_readme_info_block_is_what_featlearn_info_prints(tmp_path):
    trained("paper").save(tmp_path / "paper.npz")
    printed = subprocess.run([sys.executable, "-m", "featlearn_gui.cli", "info", "paper.npz"], cwd=tmp_path,
                             capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    readme = DOCS["README.md"].read_text(encoding="utf-8")
    block = readme.split("$ featlearn info paper.npz\n", 1)[1].split("$ ", 1)[0].split("```", 1)[0]
    assert block == printed


def test_lazy_numbers():
    history = trained("lazy")
    start, end = (neuron_metrics(history.snapshot(i).student_w, history.snapshot(i).student_a, history.teacher, True)
                  for i in (0, -1))
    moved = np.degrees(np.arccos(np.clip(np.sum(start.directions * end.directions, axis=1), -1, 1)))
    says("docs/theory.md", f"the directions move less than 2° on average (about {moved.mean():.1f}°)")


def test_tour_stops_of_paper_are_where_theory_says():
    from featlearn_gui.tour_stops import tour_stops

    stops = tour_stops(trained("paper"))
    first = {key: next(step for step, caption in stops if key in caption)
             for key in ("Early alignment", "far mass has vanished", "Every active neuron", "The end")}
    assert [step for step, caption in stops if caption.startswith("λ")][:2] == [2000, 4000]
    says("docs/theory.md", f"within {CLOSE_DEG:g}° of a teacher); each decrease of λ")
    says("docs/theory.md", f"On `paper` these come at about steps {first['Early alignment']:,}, "
                           f"{first['far mass has vanished']:,}, 2,000 (and every 2,000 after), "
                           f"{first['Every active neuron']:,} and {first['The end']:,}.")


# --- sweeps (README): only the cells on either side of each claim ---------------------------------------------------


def _cell(point):
    """(summary row, first loss, last loss) of one sweep point (sweep name, config), in a worker process."""
    import torch

    from engine.sweep import builtin, grid
    from engine.sweep.summary import summarize
    from engine.trainer import train

    torch.set_num_threads(1)
    name, config = point
    history = train(config)
    loss = history.view()["loss"]
    return summarize(history, grid.load(builtin.find(name)).thresholds), float(loss[0]), float(loss[-1])


def sweep_cells(name: str, wanted) -> dict[tuple, list]:
    """{cell: [(row, first loss, last loss) per seed]} for the points of sweep `name` whose `wanted(values)` is a
    cell key (None: not needed), trained two at a time."""
    from engine.sweep import builtin, grid

    points = [(wanted(p.values), p.config) for p in grid.load(builtin.find(name)).points]
    points = [(key, config) for key, config in points if key is not None]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_cell, [(name, config) for _key, config in points]))
    cells: dict[tuple, list] = {}
    for (key, _config), result in zip(points, results):
        cells.setdefault(key, []).append(result)
    return cells


def test_weight_decay_sweep_claim():
    from engine.sweep import builtin, grid

    boundary = {("relu_centered", 0.0), ("relu_centered", 1e-3), ("relu", 0.0), ("relu", 1e-2), ("relu", 3e-2)}
    cells = sweep_cells("weight-decay", lambda v: (key if (key := (v["model.activation"], v["optim.weight_decay"]))
                                                   in boundary else None))
    recovered = {key: [row["recovered"] for row, *_ in runs] for key, runs in cells.items()}
    assert all(recovered[("relu_centered", 1e-3)]) and not any(recovered[("relu_centered", 0.0)])
    assert all(recovered[("relu", 3e-2)]) and not all(recovered[("relu", 1e-2)]) and not any(recovered[("relu", 0.0)])

    def median(key, column):
        return statistics.median(row[column] for row, *_ in cells[key])

    angle = grid.load(builtin.find("weight-decay")).thresholds.max_angle_deg
    raw_far = 100 * median(("relu", 0.0), "far_fraction")
    centred_far = 100 * median(("relu_centered", 0.0), "far_fraction")
    centred_angle = median(("relu_centered", 0.0), "max_active_angle_deg")
    says("README.md", f"every active neuron ends within {angle:g}° of a teacher, with the right captured mass and no "
                      "far mass, for the centred ReLU from λ₀ = 1e-3 on, but for raw ReLU only at λ₀ = 3e-2; without "
                      f"weight decay neither recovers (raw ReLU keeps {raw_far:.1f} % of its mass on far neurons, "
                      f"centred ReLU {centred_far:.2f} % but with a neuron {centred_angle:.0f}° away)")


def test_lazy_sweep_claim():
    cells = sweep_cells("lazy", lambda v: (round(v["student.init_scale"], 2), v["optim.lr"])
                        if v["student.init_scale"] < 0.02 or (v["student.init_scale"] > 3 and v["optim.lr"] == 0.005)
                        else None)
    (lazy, first, last), = cells[(3.16, 0.005)]
    moved = [row["direction_change_deg"] for key, runs in cells.items() if key[0] == 0.01 for row, *_ in runs]
    says("README.md", f"from init scale 3.16 at lr 0.005 the directions move {lazy['direction_change_deg']:.2f}° on "
                      f"average while the loss falls {first / last:.0f}-fold, {first:.2g} to {last:.2g} (lazy); from "
                      f"0.01 they move {min(moved):.0f}–{max(moved):.0f}° (feature learning)")


def test_numbers_are_not_left_unchecked():
    """The run-derived phrases this file checks are still in the documents (a rewrite must move the check too)."""
    theory = DOCS["docs/theory.md"].read_text(encoding="utf-8")
    for phrase in ("in practice", "of far mass", "up to about", "On `paper` these come at about steps"):
        assert phrase in theory
    assert re.search(r"keeps [\d.]+ % of its mass", DOCS["README.md"].read_text(encoding="utf-8"))
