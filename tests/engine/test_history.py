import numpy as np
import pytest

from engine import config, presets
from engine.history import RUN_KEYS, RunFileError, RunHistory
from engine.trainer import train


@pytest.fixture(scope="module")
def short_run():
    return train(config.apply_overrides(presets.load("paper"), ["optim.steps=105"]))


def test_snapshot_steps_are_zero_every_and_last(short_run):
    assert list(short_run.steps) == [0, 20, 40, 60, 80, 100, 105]


def test_run_file_round_trip_with_exact_keys(short_run, tmp_path):
    path = tmp_path / "run.npz"
    short_run.save(path)
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(RUN_KEYS)
        assert npz["student_w"].shape == (7, 50, 3) and npz["step"].dtype.kind == "i"
    loaded = RunHistory.load(path)
    assert loaded.config == short_run.config
    for key, value in short_run.view().items():
        np.testing.assert_array_equal(loaded.view()[key], value)
    np.testing.assert_array_equal(loaded.teacher.w, short_run.teacher.w)


def test_pickled_content_is_rejected(short_run, tmp_path):
    path = tmp_path / "evil.npz"
    data = dict(short_run.view())
    data.update(
        schema=np.array(1),
        config_toml=np.array([{"x": 1}], dtype=object),
        teacher_w=short_run.teacher.w,
        teacher_a=short_run.teacher.a,
    )
    np.savez(path, **data)
    with pytest.raises(RunFileError, match="evil.npz"):
        RunHistory.load(path)


def test_foreign_and_corrupt_files_are_clear_errors(short_run, tmp_path):
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, x=np.arange(3))
    with pytest.raises(RunFileError, match="not a featlearn run file: it lacks schema"):
        RunHistory.load(foreign)
    good = tmp_path / "good.npz"
    short_run.save(good)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:300])
    with pytest.raises(RunFileError, match="truncated.npz"):
        RunHistory.load(truncated)
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(RunFileError):
        RunHistory.load(text)
    with pytest.raises(RunFileError, match="no such file"):
        RunHistory.load(tmp_path / "missing.npz")


def test_save_leaves_no_partial_file_on_failure(short_run, tmp_path):
    with pytest.raises(OSError):
        short_run.save(tmp_path / "no-such-dir" / "run.npz")
    assert list(tmp_path.iterdir()) == []


def test_history_grows_and_index_at_step(short_run):
    h = RunHistory(short_run.config, short_run.teacher, capacity=1)
    for i in range(len(short_run)):
        h.append(short_run.snapshot(i))
    assert len(h) == len(short_run)
    assert h.index_at_step(59) == 2 and h.index_at_step(60) == 3 and h.index_at_step(10_000) == len(h) - 1
    with pytest.raises(ValueError):
        h.append(short_run.snapshot(0))


def _without_population_loss(history, path):
    """Write `history` as a run file from before population_loss was recorded."""
    from engine import config as config_mod

    data = {k: v for k, v in history.view().items() if k != "population_loss"}
    np.savez(
        path,
        schema=np.array(1),
        config_toml=np.array(config_mod.dumps(history.config)),
        teacher_w=history.teacher.w,
        teacher_a=history.teacher.a,
        **data,
    )


def test_older_run_files_without_population_loss_still_load(short_run, tmp_path, monkeypatch):
    import torch

    from engine import history as history_mod
    from engine.objective import autograd_population_loss

    _without_population_loss(short_run, tmp_path / "old.npz")
    loaded = RunHistory.load(tmp_path / "old.npz")
    np.testing.assert_array_equal(loaded.view()["population_loss"], short_run.view()["loss"])

    cfg = config.apply_overrides(presets.load("paper"), ["loss.kind=empirical", "loss.samples=50", "optim.steps=60"])
    finite = train(cfg)
    _without_population_loss(finite, tmp_path / "old-empirical.npz")
    loaded = RunHistory.load(tmp_path / "old-empirical.npz")
    snap = loaded.snapshot(-1)
    exact = autograd_population_loss(
        torch.tensor(snap.student_w), torch.tensor(snap.student_a), torch.tensor(loaded.teacher.w),
        torch.tensor(loaded.teacher.a), cfg.model.activation,
    )
    assert snap.population_loss == pytest.approx(float(exact), rel=1e-9) and snap.population_loss != snap.loss
    monkeypatch.setattr(history_mod, "POPULATION_BACKFILL_MAX", 0)  # too large to compute on load: marked NaN
    assert np.isnan(RunHistory.load(tmp_path / "old-empirical.npz").view()["population_loss"]).all()
