"""The `featlearn` command line as a user runs it: real processes, exit codes, messages."""

import subprocess
import sys

import numpy as np
import pytest

from engine.history import RunHistory


def featlearn(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "featlearn_gui.cli", *args], capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "paper.npz"
    result = featlearn("run", "--preset", "paper", "--set", "optim.steps=300", "--out", str(path))
    assert result.returncode == 0, result.stderr
    return path, result


def test_presets_lists_every_preset_with_its_purpose():
    result = featlearn("presets")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert {
        "paper",
        "paper-relu",
        "no-weight-decay",
        "relu-no-weight-decay",
        "lazy",
        "three-stage",
        "high-dim",
        "circle",
        "few-samples",
        "online",
    } <= set(names)
    assert "(default)" in next(line for line in result.stdout.splitlines() if line.startswith("paper "))


def test_run_writes_a_loadable_run_file_and_shows_progress(short_run):
    path, result = short_run
    history = RunHistory.load(path)
    assert history.steps[-1] == 300 and history.config.optim.steps == 300
    assert "step" in result.stderr and "loss" in result.stderr  # the progress bar on stderr


def test_info_summarizes_recovery(short_run):
    path, _ = short_run
    result = featlearn("info", str(path))
    assert result.returncode == 0
    for words in ("final loss", "objective", "max angle", "far mass", "teacher 1", "a* = +1.0000"):
        assert words in result.stdout


def test_info_says_how_much_mass_lies_in_the_teacher_span(short_run, tmp_path):
    paper = featlearn("info", str(short_run[0])).stdout
    assert "in span       1 by construction (the teachers span all of R^3)" in paper
    path = tmp_path / "high.npz"
    run = featlearn("run", "--preset", "high-dim", "--set", "optim.steps=20", "--out", str(path), "--quiet")
    assert run.returncode == 0
    history = RunHistory.load(path)
    q, _ = np.linalg.qr(history.teacher.w.T)  # the teacher span, independently of engine.metrics
    view = history.view()

    def share(i):
        w, a = view["student_w"][i], np.abs(view["student_a"][i])
        return np.sum(a * np.linalg.norm(w @ q, axis=1)) / np.sum(a * np.linalg.norm(w, axis=1))

    assert list(view["step"][:3]) == [0, 1, 2] and list(view["stage"][:3]) == [1, 1, 2]
    line = next(line for line in featlearn("info", str(path)).stdout.splitlines() if line.startswith("in span"))
    assert line == (f"in span       {share(-1):.4f} of the mass lies in the teacher span (3-D of R^30); "
                    f"{share(0):.4f} at the start, {share(1):.4f} after stage 1")


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "--preset", "paper", "--set", "optim.lr=-1", "--out", "x.npz"], "optim.lr = -1.0 is not allowed"),
        (["run", "--preset", "nope", "--out", "x.npz"], "preset 'nope' does not exist"),
        (["run", "--config", "missing.toml", "--out", "x.npz"], "cannot read config file missing.toml"),
        (["run", "--set", "optim.lrate=1", "--out", "x.npz"], "unknown key optim.lrate"),
        (["run", "--out", "/no/such/dir/x.npz"], "does not exist"),
        (["info", "missing.npz"], "no such file"),
        (
            ["run", "--set", "loss.kind=empirical", "--set", "loss.samples=1000000000", "--out", "x.npz"],
            "loss.samples = 1000000000 is not allowed",
        ),
        (["run", "--set", "student.width=10000000", "--out", "x.npz"], "student.width = 10000000 is not allowed"),
        (["run", "--set", "loss.kind=online", "--out", "x.npz"], "loss.batch = 0 is not allowed"),
    ],
)
def test_invalid_input_exits_2_with_one_clear_line(args, message, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "featlearn_gui.cli", *args], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_info_shows_the_population_loss_beside_the_training_loss(short_run, tmp_path):
    result = featlearn("info", str(short_run[0]))
    assert "population (exact closed form)" in result.stdout
    assert "the training loss is the population loss" in result.stdout
    path = tmp_path / "few.npz"
    sets = ["--set", "loss.kind=empirical", "--set", "loss.samples=10", "--set", "optim.steps=2000"]
    assert featlearn("run", "--preset", "paper", *sets, "--out", str(path), "--quiet").returncode == 0
    result = featlearn("info", str(path))
    history = RunHistory.load(path)
    snap = history.snapshot(-1)
    assert "empirical, n = 10 fixed samples, full batch" in result.stdout
    assert f"final loss    {snap.loss:.4g} (training)" in result.stdout
    assert f"population    {snap.population_loss:.4g} ({snap.population_loss / snap.loss:.3g}x" in result.stdout


def test_foreign_npz_is_rejected_by_info(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.ones(3))
    result = featlearn("info", str(path))
    assert result.returncode == 2 and "not a featlearn run file" in result.stderr


def test_divergence_exits_3_and_keeps_the_finite_history(tmp_path):
    path = tmp_path / "boom.npz"
    result = featlearn("run", "--preset", "paper", "--set", "optim.lr=500", "--out", str(path), "--quiet")
    assert result.returncode == 3
    assert "diverged at step" in result.stderr and "optim.lr" in result.stderr
    history = RunHistory.load(path)
    assert np.isfinite(history.view()["student_w"]).all() and len(history) >= 1


def test_config_file_and_overrides_compose(tmp_path):
    cfg = tmp_path / "small.toml"
    cfg.write_text("seed = 3\n[student]\nwidth = 8\n[optim]\nsteps = 40\n")
    out = tmp_path / "small.npz"
    result = featlearn("run", "--config", str(cfg), "--set", "record.every=10", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    history = RunHistory.load(out)
    assert history.config.seed == 3 and history.config.student.width == 8
    assert list(history.steps) == [0, 10, 20, 30, 40]


def test_run_presets_and_info_load_no_qt():
    code = (
        "import sys\nfrom featlearn_gui import cli\ncli.main(['presets'])\n"
        "print('QT' if any(m.split('.')[0] in ('PySide6', 'pyqtgraph') for m in sys.modules) else 'NOQT')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().endswith("NOQT")
