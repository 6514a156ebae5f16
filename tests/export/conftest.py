"""Export tests run headless: the offscreen platform needs no display and no OpenGL."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from engine import presets  # noqa: E402
from engine.config import apply_overrides  # noqa: E402
from engine.trainer import train  # noqa: E402
from tests.scripted_app import app  # noqa: E402, F401 (an autouse fixture)

SIZE = (160, 128)  # small frames keep the suite fast; both sides are multiples of 16


def short_run(preset: str, steps: int, every: int = 20):
    cfg = apply_overrides(presets.load(preset), [f"optim.steps={steps}", f"record.every={every}"])
    return train(cfg)


@pytest.fixture(scope="session")
def paper_history():
    return short_run("paper", 400)  # steps 0, 20, ..., 400: 21 snapshots


@pytest.fixture(scope="session")
def run_files(tmp_path_factory, paper_history):
    """Two run files: the paper run, and a no-weight-decay run recorded at another interval."""
    folder = tmp_path_factory.mktemp("runs")
    paper, other = folder / "paper.npz", folder / "no-wd.npz"
    paper_history.save(paper)
    short_run("no-weight-decay", 400, every=40).save(other)
    return paper, other


@pytest.fixture(scope="session")
def paper_view(paper_history):
    """The paper run, as a picture shows it with the default view options."""
    from featlearn_gui.view_state import Run, ViewState

    return ViewState((Run("paper", paper_history),))
