"""Bad input is one line and exit 2; commands that train nothing answer at once (issue #11)."""

import subprocess
import sys

import numpy as np
import pytest

from engine import config
from engine.trainer import train


def featlearn(*args, cwd=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "featlearn_gui.cli", *args], capture_output=True, text=True, timeout=timeout, cwd=cwd
    )


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("runs") / "run.npz"
    train(config.apply_overrides(config.RunConfig(), ["student.width=8", "optim.steps=40"])).save(path)
    return path


@pytest.mark.parametrize(
    "args, words",
    [
        (["--set", "seed=9223372036854775808"], "seed = 9223372036854775808 is not allowed"),
        (["--threads", "100000"], "--threads 100000 is not allowed"),
        (["--threads", "-5"], "--threads -5 is not allowed"),
        (["--set", "teacher.directions=[[1,0,0],[2,0,0],[0,1,0]]"], "rows 1 and 2 are parallel"),
        (["--set", "teacher.directions=[[1,0,0],[-1,0,0],[0,1,0]]"], "rows 1 and 2 are opposite"),
        (["--set", "optim.lr=1" + "0" * 400], "optim.lr"),
    ],
)
def test_bad_run_options_exit_2_with_one_line(tmp_path, args, words):
    result = featlearn("run", *args, "--out", "run.npz", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_toml_is_named_once_with_line_and_column(tmp_path):
    (tmp_path / "bad.toml").write_text("seed = 1\n[optim\nlr = 0.1\n")
    result = featlearn("run", "--config", "bad.toml", "--out", "run.npz", cwd=tmp_path)
    assert result.returncode == 2
    line = result.stderr.strip()
    assert line.count("bad.toml") == 1 and "is not valid TOML" in line and "line 2, column" in line


def test_info_of_a_run_file_without_snapshots_exits_2_naming_the_key(run_file, tmp_path):
    with np.load(run_file) as npz:
        arrays = {k: npz[k] for k in npz.files}
    for key in ("step", "student_w", "student_a", "loss", "objective", "weight_decay", "stage"):
        arrays[key] = arrays[key][:0]
    empty = tmp_path / "empty.npz"
    np.savez(empty, **arrays)
    result = featlearn("info", str(empty))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "step" in result.stderr


def test_info_into_a_closed_pipe_ends_quietly(run_file):
    proc = subprocess.Popen([sys.executable, "-m", "featlearn_gui.cli", "info", str(run_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # as `| head -0` does, before featlearn writes a byte
    stderr = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 0 and stderr == ""


@pytest.mark.parametrize("argv", [["presets"], ["info", "{run}"], ["--help"]])
def test_commands_that_train_nothing_do_not_import_torch(run_file, argv):
    code = (
        "import sys\nfrom featlearn_gui import cli\n"
        "try:\n    cli.main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'PySide6', 'pyqtgraph', 'matplotlib'})\n"
        "print('HEAVY', *heavy, file=sys.stderr)"
    )
    args = [a.format(run=run_file) for a in argv]
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    assert result.stderr.strip().splitlines()[-1] == "HEAVY", result.stderr
    assert result.stdout  # it did answer


def test_info_of_a_blown_up_state_prints_numbers_not_warnings(run_file, tmp_path):
    with np.load(run_file) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["student_w"] = arrays["student_w"] * 1e200  # finite, but its squares overflow
    huge = tmp_path / "huge.npz"
    np.savez(huge, **arrays)
    result = featlearn("info", str(huge))
    assert result.returncode == 0 and result.stderr == ""
    assert "max angle" in result.stdout and "nan" not in result.stdout.split("far mass")[1].split("\n")[0]
