"""Every key of a run file is checked on load: a damaged file is one RunFileError line naming the key (issue #11)."""

import numpy as np
import pytest

from engine import config
from engine.history import ADDED_KEYS, RUN_KEYS, RunFileError, RunHistory
from engine.trainer import train

PER_SNAPSHOT = ("step", "student_w", "student_a", "loss", "objective", "weight_decay", "stage")


@pytest.fixture(scope="module")
def good_arrays(tmp_path_factory):
    cfg = config.apply_overrides(config.RunConfig(), ["student.width=8", "optim.steps=40", "record.every=10"])
    path = tmp_path_factory.mktemp("runs") / "good.npz"
    train(cfg).save(path)
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def write(tmp_path, arrays, name="damaged.npz"):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def refused(path, key):
    with pytest.raises(RunFileError) as info:
        RunHistory.load(path)
    message = str(info.value)
    assert key in message and str(path) in message and "\n" not in message
    return message


def test_the_good_file_loads(good_arrays, tmp_path):
    history = RunHistory.load(write(tmp_path, good_arrays))
    assert list(history.steps) == [0, 10, 20, 30, 40]


def test_a_file_with_no_snapshots_is_refused(good_arrays, tmp_path):
    arrays = {k: (v[:0] if k in PER_SNAPSHOT else v) for k, v in good_arrays.items()}
    assert "at least one snapshot" in refused(write(tmp_path, arrays), "step")


def damage(key, value):
    return pytest.param(key, value, id=f"{key}-{str(value)[:20]}")


@pytest.mark.parametrize(
    "key, make",
    [
        damage("schema", lambda a: np.array("1")),
        damage("schema", lambda a: np.array([1, 1])),
        damage("schema", lambda a: np.array(1.0)),
        damage("config_toml", lambda a: np.array([str(a["config_toml"])])),
        damage("config_toml", lambda a: np.array("seed = 'x'")),
        damage("config_toml", lambda a: np.array("[optim\n")),
        damage("student_w", lambda a: np.where(np.arange(3) == 1, np.nan, a["student_w"])),
        damage("student_a", lambda a: a["student_a"].astype(np.complex128)),
        damage("loss", lambda a: np.full_like(a["loss"], np.inf)),
        damage("loss", lambda a: a["loss"].astype(str)),
        damage("objective", lambda a: a["objective"][:-1]),
        damage("weight_decay", lambda a: -a["weight_decay"]),
        damage("step", lambda a: np.array(0)),
        damage("step", lambda a: a["step"][::-1].copy()),
        damage("step", lambda a: a["step"].astype(np.float64)),
        damage("stage", lambda a: np.full_like(a["stage"], 7)),
        damage("teacher_a", lambda a: np.zeros_like(a["teacher_a"])),
        damage("teacher_w", lambda a: 2 * a["teacher_w"]),
        damage("teacher_w", lambda a: a["teacher_w"][:, :2].copy()),
        damage("teacher_w", lambda a: a["teacher_w"].astype(np.float16)),
    ],
)
def test_each_damaged_key_is_named(good_arrays, tmp_path, key, make):
    arrays = dict(good_arrays)
    arrays[key] = make(good_arrays)
    refused(write(tmp_path, arrays), key)


def test_files_missing_a_key_or_not_zip_are_refused(good_arrays, tmp_path):
    for key in (k for k in RUN_KEYS if k not in ADDED_KEYS):  # files written before a key existed still load
        refused(write(tmp_path, {k: v for k, v in good_arrays.items() if k != key}, f"no-{key}.npz"), key)
    folder = tmp_path / "folder.npz"
    folder.mkdir()
    refused(folder, "folder.npz")
