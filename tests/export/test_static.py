"""CSV columns match the history; vector and raster plot figures are written and readable."""

import csv

import numpy as np
import pytest
from PIL import Image

from engine.metrics import history_metrics
from featlearn_gui.export import ExportJob, Run, ViewState, run_export


def test_csv_columns_match_the_history(tmp_path, paper_history, paper_view):
    out = tmp_path / "metrics.csv"
    run_export(ExportJob(out=out), paper_view)
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    k = len(paper_history.teacher.a)
    assert list(rows[0]) == ["step", "stage", "loss", "population_loss", "objective", "weight_decay", "far_mass",
                             "max_active_angle_deg", "span_share", *[f"captured_{i + 1}" for i in range(k)]]
    view, metrics = paper_history.view(), history_metrics(paper_history)
    assert [int(r["step"]) for r in rows] == view["step"].tolist()
    np.testing.assert_array_equal([float(r["loss"]) for r in rows], view["loss"])
    np.testing.assert_array_equal([float(r["far_mass"]) for r in rows], metrics["far_mass"])
    np.testing.assert_array_equal([float(r[f"captured_{k}"]) for r in rows], metrics["captured"][:, k - 1])
    np.testing.assert_array_equal([float(r["span_share"]) for r in rows], metrics["span_share"])


def test_csv_of_a_finite_sample_run_has_both_losses(tmp_path):
    from engine import presets
    from engine.config import apply_overrides
    from engine.trainer import train

    cfg = apply_overrides(presets.load("paper"), ["loss.kind=empirical", "loss.samples=30", "optim.steps=400"])
    history = train(cfg)
    out = tmp_path / "few.csv"
    run_export(ExportJob(out=out), ViewState((Run("few", history),)))
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    np.testing.assert_array_equal([float(r["population_loss"]) for r in rows], history.view()["population_loss"])
    # 30 samples: after 400 steps the training loss is below the population loss (the student fits its samples)
    assert float(rows[-1]["loss"]) < float(rows[-1]["population_loss"])


def test_csv_of_two_runs_names_each_row(tmp_path, paper_history):
    out = tmp_path / "both.csv"
    run_export(ExportJob(out=out), ViewState((Run("a", paper_history), Run("b", paper_history),)))
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * len(paper_history) and {r["run"] for r in rows} == {"a", "b"}


@pytest.mark.parametrize("ext, magic", [("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_vector_figures(tmp_path, paper_history, ext, magic, paper_view):
    out = tmp_path / f"plots.{ext}"
    run_export(ExportJob(out=out), paper_view)
    data = out.read_bytes()
    assert data.startswith(magic) and len(data) > 10_000


def test_svg_figure_keeps_its_text(tmp_path, paper_history, paper_view):
    out = tmp_path / "loss.svg"
    run_export(ExportJob(out=out, figure="certificate"), paper_view)
    assert "Certificate" in out.read_text() or "<path" in out.read_text()


def test_png_plot_has_the_requested_pixels(tmp_path, paper_history, paper_view):
    out = tmp_path / "far.png"
    run_export(ExportJob(out=out, figure="far", size=(640, 400)), paper_view)
    with Image.open(out) as image:
        assert image.size == (640, 400)


def test_run_file_copy_loads_back(tmp_path, paper_history, paper_view):
    from engine.history import RunHistory

    out = tmp_path / "copy.npz"
    run_export(ExportJob(out=out), paper_view)
    np.testing.assert_array_equal(RunHistory.load(out).steps, paper_history.steps)
