"""Every size bounded, every address checked: hostile run files, huge integers, odd files given as configs, odd
angles and sizes. Each is one line and exit 2 (or, for the app, a usage error), never a traceback or a hang.
In-process (cli.main), so that each case costs milliseconds."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from engine import config
from engine.history import RunFileError, RunHistory
from engine.trainer import train
from featlearn_gui import cli


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    path = tmp_path_factory.mktemp("runs") / "good.npz"
    train(config.apply_overrides(config.RunConfig(), ["student.width=8", "optim.steps=40", "record.every=10"])).save(
        path
    )
    with np.load(path, allow_pickle=False) as npz:
        return path, {k: npz[k] for k in npz.files}


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def write_zip(path, members: dict[str, bytes], encrypted: str | None = None) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(f"{name}.npy", data)
    if encrypted is not None:  # zipfile cannot write one: set the "encrypted" flag in both headers by hand
        raw = bytearray(path.read_bytes())
        with zipfile.ZipFile(path) as z:
            offset = z.getinfo(f"{encrypted}.npy").header_offset
        raw[offset + 6] |= 0x1
        central = raw.index(b"PK\x01\x02")
        while raw[central + 46 : central + 46 + len(encrypted)] != encrypted.encode():
            central = raw.index(b"PK\x01\x02", central + 4)
        raw[central + 8] |= 0x1
        path.write_bytes(bytes(raw))


def members(arrays: dict[str, np.ndarray], **changes) -> dict[str, bytes]:
    return {k: changes.get(k, npy(v)) for k, v in arrays.items()}


def info(path, capsys) -> str:
    assert cli.main(["info", str(path)]) == 2
    return one_line(capsys.readouterr().err)


def test_an_encrypted_member_is_refused(good, tmp_path, capsys):
    write_zip(tmp_path / "r.npz", members(good[1]), encrypted="student_w")
    assert "student_w is encrypted" in info(tmp_path / "r.npz", capsys)


def test_a_plain_npy_named_npz_is_refused(good, tmp_path, capsys):
    with open(tmp_path / "r.npz", "wb") as f:
        np.save(f, good[1]["student_w"])
    assert "a plain .npy array" in info(tmp_path / "r.npz", capsys)


def test_a_header_declaring_more_data_than_the_file_holds_is_refused(good, tmp_path, capsys):
    cut = npy(good[1]["student_w"])[:-64]
    write_zip(tmp_path / "r.npz", members(good[1], student_w=cut))
    assert "student_w declares" in info(tmp_path / "r.npz", capsys)


@pytest.mark.parametrize("step", [np.array([0, 10, 2**63], dtype=np.uint64)[[0, 1, 1, 1, 2]],
                                  np.array([0, 10, 20, 30, 2**40])])
def test_steps_beyond_what_the_app_can_show_are_refused(good, tmp_path, capsys, step):
    write_zip(tmp_path / "r.npz", members(good[1], step=npy(step)))
    assert "step must start at 0 or later and increase, up to 2147483647" in info(tmp_path / "r.npz", capsys)


def test_unsigned_steps_in_range_are_read_as_the_same_numbers(good, tmp_path):
    write_zip(tmp_path / "r.npz", members(good[1], step=npy(good[1]["step"].astype(np.uint32))))
    history = RunHistory.load(tmp_path / "r.npz")
    assert history.steps.dtype == np.int64 and list(history.steps) == list(good[1]["step"])


def test_a_small_file_that_would_inflate_to_gigabytes_is_refused_before_inflating(good, tmp_path, capsys):
    """70,000 snapshots of 8 neurons declared by the step array (0.5 MB): the student arrays it implies would be
    far beyond the config's history bound, so nothing else is read (a zip of zeros would inflate to 2 GB)."""
    many = np.arange(70_000_000, dtype=np.int64)[::1000]
    cfg = config.loads(str(good[1]["config_toml"]))
    bomb = config.apply_overrides(cfg, ["student.width=5000"])
    arrays = dict(good[1], config_toml=np.array(config.dumps(bomb)))
    write_zip(tmp_path / "r.npz", members(arrays, step=npy(many)))
    started = time.monotonic()
    line = info(tmp_path / "r.npz", capsys)
    assert "declares 70000 snapshots" in line and time.monotonic() - started < 5


def test_the_fuzzed_loader_never_raises_anything_else(good, tmp_path):
    """Random byte flips in a good file: a RunFileError or a valid run, nothing else."""
    data = bytearray(good[0].read_bytes())
    rng = np.random.default_rng(0)
    for i in range(60):
        damaged = bytearray(data)
        for pos in rng.integers(0, len(data), size=1 + i % 4):
            damaged[pos] ^= 1 << int(rng.integers(0, 8))
        (tmp_path / "f.npz").write_bytes(bytes(damaged))
        try:
            RunHistory.load(tmp_path / "f.npz")
        except RunFileError as exc:
            assert "\n" not in str(exc)


@pytest.mark.parametrize("key", ["student.width", "loss.samples", "optim.steps", "teacher.dim"])
def test_400_digit_integers_are_one_line(tmp_path, capsys, key):
    section, name = key.split(".")
    (tmp_path / "c.toml").write_text(f"[{section}]\n{name} = 1{'0' * 400}\n")
    assert cli.main(["run", "--config", str(tmp_path / "c.toml"), "--out", str(tmp_path / "r.npz")]) == 2
    line = one_line(capsys.readouterr().err)
    assert f"{key} = 1000" in line and "(401 characters)" in line and len(line) < 400


def test_a_utf8_byte_order_mark_is_read_past(tmp_path, capsys):
    (tmp_path / "c.toml").write_bytes(b"\xef\xbb\xbf[student]\nwidth = 4\n[optim]\nsteps = 10\n")
    assert cli.main(["run", "--config", str(tmp_path / "c.toml"), "--quiet", "--out", str(tmp_path / "r.npz")]) == 0
    assert RunHistory.load(tmp_path / "r.npz").config.student.width == 4


def test_a_fifo_given_as_a_config_is_refused_at_once(tmp_path, capsys):
    os.mkfifo(tmp_path / "c.toml")
    assert cli.main(["run", "--config", str(tmp_path / "c.toml"), "--out", str(tmp_path / "r.npz")]) == 2
    assert "not a regular file" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize("command", [["run", "--preset", "../presets/paper", "--out", "r.npz"],
                                     ["sweep", "../sweeps/weight-decay", "--out", "o"]])
def test_a_preset_name_is_not_a_path(tmp_path, capsys, command, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(command) == 2
    line = one_line(capsys.readouterr().err)
    assert "does not exist" in line or "no such file" in line


@pytest.mark.parametrize("option, value", [("--azimuth", "nan"), ("--elevation", "inf"), ("--rotate", "-inf")])
def test_export_angles_must_be_finite(good, tmp_path, capsys, option, value):
    assert cli.main(["export", str(good[0]), "--out", str(tmp_path / "a.png"), f"{option}={value}"]) == 2
    assert f"{option} {value}: expected a finite angle" in one_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, words", [(["--run-steps", str(2**63)], "--run-steps 9223372036854775808"),
                                         (["--size", "100000x100000"], "between 200 and 8192 pixels")])
def test_the_apps_script_options_are_bounded(capsys, args, words):
    from featlearn_gui.app import parse_args

    with pytest.raises(SystemExit) as stop:
        parse_args(["--preset", "paper", *args])
    assert stop.value.code == 2 and words in capsys.readouterr().err


def test_a_decay_that_explodes_blames_the_weight_decay(tmp_path, capsys):
    out = tmp_path / "r.npz"
    assert cli.main(["run", "--set", "optim.weight_decay=1e308", "--set", "optim.steps=20", "--quiet",
                     "--out", str(out)]) == 3
    line = one_line(capsys.readouterr().err)
    assert "lower optim.weight_decay" in line and "smaller optim.lr" not in line


def test_python_dash_m_reports_a_subcommands_bad_input_in_one_line(tmp_path):
    """`python -m featlearn_gui.cli` runs the module as __main__: the sweep's InvalidInput must still be caught."""
    done = subprocess.run([sys.executable, "-m", "featlearn_gui.cli", "sweep", "weight-decay", "--out",
                           str(tmp_path / "o"), "--workers", "-1"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--workers -1: expected 0" in one_line(done.stderr)
