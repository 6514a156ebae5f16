"""Every preset's description is a tested claim: one test per preset trains it as shipped (once per session, shared
through the `preset_run` fixture) and checks the numbers its description and its row of docs/theory.md §8 state.
The words are checked too, so a description or a doc that changes its number fails here until the run agrees.
Full runs: marked slow."""

import math
import re
from pathlib import Path

import numpy as np
import pytest

from engine import presets
from engine.config import apply_overrides
from engine.metrics import neuron_metrics
from engine.sweep.grid import Thresholds
from engine.sweep.summary import certificate_max, recovered_step, recovery_series
from engine.trainer import train

pytestmark = pytest.mark.slow

THEORY = Path(__file__).resolve().parents[2] / "docs" / "theory.md"


def theory_row(name: str) -> str:
    """The preset's row of the table in docs/theory.md §8."""
    section = THEORY.read_text(encoding="utf-8").split("## 8. The presets", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith(f"| `{name}`")]
    assert len(rows) == 1, f"docs/theory.md has {len(rows)} rows for the preset {name}"
    return rows[0]


def says(name: str, description: tuple[str, ...] = (), docs: tuple[str, ...] = ()) -> None:
    """The preset's description and its docs row state these phrases: the claims the test then checks."""
    for phrase in description:
        assert phrase in presets.description(name), f"the description of {name} no longer says {phrase!r}"
    row = theory_row(name)
    for phrase in docs:
        assert phrase in row, f"docs/theory.md's row for {name} no longer says {phrase!r}"


def final(history):
    snap = history.snapshot(-1)
    return snap, neuron_metrics(snap.student_w, snap.student_a, history.teacher, history.config.is_even)


def span_at(history, index: int) -> float:
    snap = history.snapshot(index)
    return neuron_metrics(snap.student_w, snap.student_a, history.teacher, history.config.is_even).span_share


def floor_percent(share: float) -> int:
    """The whole percent a text states for a share ("99 %" for 0.993): rounded down, never overstated."""
    return math.floor(100 * share + 1e-9)


def assert_recovers(history, loss_below: float) -> None:
    """Every active neuron within 2° of a teacher, no far mass to speak of, captured masses within 2 % of a*."""
    snap, met = final(history)
    assert met.max_active_angle_deg <= 2.0
    assert met.far_mass <= 1e-3 * met.mass.sum()
    np.testing.assert_allclose(met.captured, history.teacher.a, rtol=0.02)
    assert snap.population_loss < loss_below


def test_paper(preset_run):
    history = preset_run("paper")
    says("paper", description=("weight decay cleans up every far neuron; all settle on the teachers",),
         docs=("max active angle ≤ 2° (about 0.1° in practice)", "far mass ≤ 10⁻³ of the total (0 in practice)",
               "captured masses within 2 % of a* (≈ 0.997–0.999)", "loss < 10⁻⁵ (≈ 4·10⁻⁷)"))
    assert_recovers(history, loss_below=1e-5)
    snap, met = final(history)
    assert met.max_active_angle_deg == pytest.approx(0.1, abs=0.05)
    assert met.far_mass == 0.0
    assert np.all((np.abs(met.captured) >= 0.9965) & (np.abs(met.captured) <= 0.9995))
    assert snap.loss == pytest.approx(4e-7, rel=0.25)


def test_paper_relu(preset_run):
    history, paper = preset_run("paper-relu"), presets.load("paper")
    says("paper-relu", description=("the same recovery, with 3x the weight decay",
                                    "(its pre-certificate exceeds 1 here)"),
         docs=("3× the weight decay (λ from 3·10⁻² to 3·10⁻⁴)", "pre-certificate exceeds 1"))
    cfg = history.config
    assert cfg.model.activation == "relu" and paper.model.activation == "relu_centered"
    assert cfg.optim.weight_decay == pytest.approx(3 * paper.optim.weight_decay)
    assert cfg.optim.weight_decay_min == pytest.approx(3 * paper.optim.weight_decay_min)
    assert certificate_max(history.teacher, "relu", even=False) > 1
    assert_recovers(history, loss_below=1e-5)
    says("paper-relu", docs=("with `paper`'s λ (from 10⁻²) one raw-ReLU neuron is still about 25° away at step "
                             "16,000",))
    assert "still about 25 degrees away at step 16,000" in presets.path("paper-relu").read_text(encoding="utf-8")
    lam = [f"optim.weight_decay={paper.optim.weight_decay}", f"optim.weight_decay_min={paper.optim.weight_decay_min}"]
    _, lingering = final(train(apply_overrides(presets.load("paper-relu"), lam)))
    assert lingering.max_active_angle_deg == pytest.approx(25, abs=2)


def test_no_weight_decay(preset_run):
    history, paper = preset_run("no-weight-decay"), preset_run("paper")
    says("no-weight-decay", description=("the loss still falls, but far-away neurons keep their mass",),
         docs=("more than 10× that of `paper` (about 58°)", "≈ 0.0011 of far mass"))
    snap, met = final(history)
    _, paper_met = final(paper)
    assert snap.loss < 1e-6 * history.view()["loss"][0]  # the loss still falls...
    assert met.far_mass > 0  # ...but mass stays far away
    assert met.max_active_angle_deg > 10 * max(paper_met.max_active_angle_deg, 1.0)
    assert met.max_active_angle_deg == pytest.approx(58, abs=1)
    assert met.far_mass == pytest.approx(0.0011, rel=0.1)


def test_relu_no_weight_decay(preset_run):
    history = preset_run("relu-no-weight-decay")
    says("relu-no-weight-decay", description=("about 0.2 of the mass stays on neurons far from every teacher",),
         docs=("loss below 10⁻⁷", "far mass ≈ 0.20 (0.15–0.25 checked)", "up to about 90°"))
    snap, met = final(history)
    assert snap.loss < 1e-7
    assert met.far_mass == pytest.approx(0.2, abs=0.05)  # docs/theory.md §8: ≈ 0.20 stays
    assert met.max_active_angle_deg == pytest.approx(90, abs=5)


def test_lazy(preset_run):
    history = preset_run("lazy")
    says("lazy", description=("The loss falls, directions barely move",),
         docs=("the loss falls by 100× or more while the directions move less than 2° on average (about 0.2°)",))
    loss = history.view()["loss"]
    assert loss[0] / loss[-1] >= 100
    start, end = (
        neuron_metrics(history.snapshot(i).student_w, history.snapshot(i).student_a, history.teacher, True)
        for i in (0, -1)
    )
    moved = np.degrees(np.arccos(np.clip(np.sum(start.directions * end.directions, axis=1), -1, 1)))
    assert moved.mean() < 2.0 and moved.mean() == pytest.approx(0.2, abs=0.05)


@pytest.mark.parametrize("name, dim, percent, at_start", [("three-stage", 10, 98, 50), ("high-dim", 30, 99, 29)])
def test_three_stage_presets(preset_run, name, dim, percent, at_start):
    history = preset_run(name)
    cfg = history.config
    assert cfg.teacher.dim == dim and cfg.optim.mode == "three_stage"
    says(name, description=(f"d = {dim}", f"puts {percent} % of the mass in the teacher span",
                            "a ridge fit and local convergence then recover every teacher"),
         docs=(f"puts {percent} % of the mass in the teacher span ({at_start} % at the start)", "loss ≤ 10⁻⁶",
               "every active neuron within 3°"))
    view = history.view()
    assert list(view["step"][:3]) == [0, 1, 2] and list(view["stage"][:3]) == [1, 1, 2]
    assert floor_percent(span_at(history, 1)) == percent  # after stage 1: the first large step
    assert floor_percent(span_at(history, 0)) == at_start
    series = recovery_series(history, Thresholds())  # the sweeps' rule: within 3°, far ≤ 10⁻³, captured within 2 %
    assert series["recovered"][-1]
    assert view["loss"][-1] <= 1e-6
    row = theory_row(name)
    first = recovered_step(series["step"], series["recovered"])
    stated = int(re.search(r"from step about ([\d,]+)", row).group(1).replace(",", ""))
    assert first == pytest.approx(stated, rel=0.1)
    angle = float(re.search(r"([\d.]+)° at the end", row).group(1))
    assert series["max_active_angle_deg"][-1] == pytest.approx(angle, abs=0.05)


def test_high_dim_finds_the_teacher_span_in_its_first_step(preset_run):
    assert span_at(preset_run("high-dim"), 1) >= 0.99  # issue 21: "99 % of the mass already lies in the span"


def test_circle(preset_run):
    history = preset_run("circle")
    says("circle", description=("d = 2",), docs=("d = 2", "max active angle ≤ 2°, captured within 2 %"))
    assert history.config.teacher.dim == 2
    _, met = final(history)
    assert met.max_active_angle_deg <= 2.0
    np.testing.assert_allclose(met.captured, history.teacher.a, rtol=0.02)


def test_few_samples(preset_run):
    history = preset_run("few-samples")
    says("few-samples", description=("Ten samples: the student fits them (training loss tiny) without finding the "
                                     "teachers (population loss stays high)",),
         docs=("n = 10", "training loss < 10⁻³", "population loss more than 50× the training loss and above 10⁻²",
               "a neuron more than 20° away", "some teacher's captured mass off by more than 0.5"))
    snap, met = final(history)
    assert history.config.loss.kind == "empirical" and history.config.loss.samples == 10
    assert snap.loss < 1e-3  # the ten samples are fitted...
    assert snap.population_loss > 50 * snap.loss and snap.population_loss > 1e-2  # ...the function is not learned
    assert met.max_active_angle_deg > 20.0
    assert np.max(np.abs(met.captured - history.teacher.a)) > 0.5  # some teacher is missed
    # docs/theory.md, "Loss kinds": the numbers of the same run in words.
    assert "ends with a training loss near 10⁻⁴ and a population loss about 300 times larger" in " ".join(
        THEORY.read_text(encoding="utf-8").split())
    assert snap.loss == pytest.approx(1e-4, rel=0.5) and snap.population_loss / snap.loss == pytest.approx(300, rel=0.1)


def test_online(preset_run):
    history = preset_run("online")
    says("online", description=("100 fresh samples every step",
                                "every neuron settles on a teacher as with the exact loss"),
         docs=("100 fresh samples every step", "max angle ≤ 2°, captured within 2 %", "population loss < 10⁻⁵"))
    assert history.config.loss.kind == "online" and history.config.loss.batch == 100
    assert_recovers(history, loss_below=1e-5)


def test_every_preset_has_its_test():
    tested = {"paper", "paper-relu", "no-weight-decay", "relu-no-weight-decay", "lazy", "three-stage", "high-dim",
              "circle", "few-samples", "online"}
    assert set(presets.names()) == tested, "a new preset needs a test of its description here"
