import pytest

from engine.config import ConfigError, RunConfig
from engine.history import RunHistory
from engine.trainer import train
from featlearn_gui.comparisons import file as comparison
from featlearn_gui.comparisons.file import Comparison, RunEntry


def test_builtin_comparisons_name_existing_presets():
    names = comparison.builtin_names()
    assert {"weight-decay-vs-none", "relu-weight-decay-vs-none", "feature-learning-vs-lazy", "relu-vs-centered"} <= set(
        names
    )
    for name in names:
        cmp = comparison.builtin(name)
        assert len(cmp.runs) >= 2 and cmp.title and cmp.description
        assert all(isinstance(entry.load(cmp.base), RunConfig) for entry in cmp.runs)


def test_save_and_reopen_round_trip_with_relative_paths(tmp_path):
    history = train(RunConfig(), until=40)
    history.save(tmp_path / "a.npz")
    (tmp_path / "b.toml").write_text("[optim]\nlr = 0.25\n")
    cmp = Comparison(
        "mine",
        (RunEntry("recorded", run="a.npz"), RunEntry("config", config="b.toml"), RunEntry("paper", preset="paper")),
        "three sources",
    )
    comparison.save(cmp, tmp_path / "cmp.toml")
    again = comparison.load(tmp_path / "cmp.toml")
    assert again == cmp
    loaded = [entry.load(again.base) for entry in again.runs]
    assert isinstance(loaded[0], RunHistory) and loaded[0].steps[-1] == 40
    assert loaded[1].optim.lr == 0.25


@pytest.mark.parametrize(
    "text, message",
    [
        ('title = "x"\n[[runs]]\npreset = "paper"\n', "at least two"),
        ('[[runs]]\npreset = "paper"\nrun = "a.npz"\n[[runs]]\npreset = "lazy"\n', "exactly one"),
        ('colour = 1\n[[runs]]\npreset = "paper"\n[[runs]]\npreset = "lazy"\n', "unknown key colour"),
    ],
)
def test_bad_comparison_files_are_clear_errors(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        comparison.load(path)


def test_a_comparison_can_say_what_its_spheres_show(tmp_path):
    cmp = comparison.builtin("relu-vs-centered")
    assert cmp.view == {"certificate": "pre", "renderer": "map"}  # both recover: the contrast is the certificate
    path = tmp_path / "c.toml"
    comparison.save(cmp, path)
    assert comparison.load(path).view == cmp.view  # the map: the region beyond 1 shows whole, not a rim sliver
    for bad, message in (('certificate = "maybe"', "expected one of off, live, pre"),
                         ('renderer = "globe"', "expected one of auto, gl, projected, map"),
                         ("trails = 3", "expected a bool"), ("zoom = 2", "is not a view option")):
        path.write_text(f'title = "t"\n[view]\n{bad}\n[[runs]]\npreset = "paper"\n[[runs]]\npreset = "lazy"\n')
        with pytest.raises(ConfigError, match=message):
            comparison.load(path)
