"""Fuzzing the config and run-file loaders: whatever the input, it is either accepted and valid, or refused with a
ConfigError / RunFileError (both ValueErrors) of one line; never another exception (issue #11).

Bounded: a fixed number of examples each, no deadline, derandomized so that a failure reproduces.
"""

import io
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine import config
from engine.config import SECTIONS, ConfigError, RunConfig
from engine.history import RUN_KEYS, RunFileError, RunHistory
from engine.trainer import train

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SCALARS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-3, max_value=60),
    st.sampled_from([10**400, -(10**400), 2**63, 2**64]),  # TOML integers can exceed what a float holds
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.booleans(),
    st.sampled_from(["relu", "abs", "cpu", "float32", "symmetric", "three_stage", "empirical", "balanced"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4), max_leaves=12)
KNOWN = {name: [f.name for f in cls.__dataclass_fields__.values()] for name, cls in SECTIONS.items()}


@st.composite
def config_dicts(draw):
    data = {}
    for name in draw(st.lists(st.sampled_from([*KNOWN, "seed", "device", "dtype", "extra"]), max_size=5)):
        if name in KNOWN and draw(st.booleans()):
            keys = st.sampled_from([*KNOWN[name], "bogus"])
            data[name] = draw(st.dictionaries(keys, VALUES, max_size=4))
        else:
            data[name] = draw(VALUES)
    return data


def assert_one_line_refusal(exc: BaseException, kind: type) -> None:
    assert isinstance(exc, kind) and isinstance(exc, ValueError), repr(exc)
    assert str(exc) and "\n" not in str(exc), repr(str(exc))


@FUZZ
@given(config_dicts())
def test_config_dicts_are_valid_or_refused_in_one_line(data):
    try:
        cfg = config.from_dict(data)
    except ConfigError as exc:
        assert_one_line_refusal(exc, ConfigError)
        return
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{data!r} raised {exc!r}")
    config.validate(cfg)
    assert config.loads(config.dumps(cfg)) == cfg


DOTTED = [f"{section}.{key}" for section, keys in KNOWN.items() for key in keys] + ["seed", "device", "dtype"]


@FUZZ
@given(st.sampled_from(DOTTED), VALUES)
@example("optim.lr", 10**400)  # values that once escaped as OverflowError, always tried
@example("teacher.weights", [10**400, 1, 1])
@example("teacher.directions", [[10**400, 0, 0], [0, 1, 0], [0, 0, 1]])
@example("seed", 2**64)
def test_any_value_of_any_key_is_valid_or_refused_in_one_line(key, value):
    section, _, name = key.rpartition(".")
    test_config_dicts_are_valid_or_refused_in_one_line.hypothesis.inner_test(
        {section: {name: value}} if section else {name: value}
    )


@FUZZ
@given(st.data())
def test_mutated_toml_text_is_valid_or_refused_in_one_line(data):
    text = config.dumps(config.apply_overrides(RunConfig(), ["teacher.directions=[[1,0,0],[0,1,0],[0,0,1]]"]))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 6))
        text = text[:at] + data.draw(st.text(max_size=4)) + text[at + cut :]
    try:
        cfg = config.loads(text, source="fuzz.toml")
    except ConfigError as exc:
        assert_one_line_refusal(exc, ConfigError)
        return
    config.validate(cfg)


@pytest.fixture(scope="module")
def good_arrays(tmp_path_factory):
    cfg = config.apply_overrides(RunConfig(), ["student.width=6", "optim.steps=30", "record.every=10"])
    path = tmp_path_factory.mktemp("runs") / "good.npz"
    train(cfg).save(path)
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


DTYPES = ["int8", "int64", "uint16", "float16", "float32", "float64", "complex64", "bool", "<U6", "S3"]
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -1.0, 1e308, 1e-320, 7.0]


@st.composite
def random_arrays(draw):
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    values = np.random.default_rng(draw(st.integers(0, 2**16))).normal(size=shape) * 3
    return values.astype(dtype) if dtype.kind not in "US" else values.astype(str).astype(dtype)


@st.composite
def mutations(draw, good):
    arrays = dict(good)
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(RUN_KEYS))
        how = draw(st.sampled_from(["drop", "replace", "cut", "special", "retype", "extra"]))
        if how == "drop":
            arrays.pop(key, None)
        elif how == "replace":
            arrays[key] = draw(random_arrays())
        elif how == "cut" and key in arrays and arrays[key].ndim:
            arrays[key] = arrays[key][: draw(st.integers(0, len(arrays[key])))]
        elif how == "special" and key in arrays and arrays[key].dtype.kind == "f" and arrays[key].size:
            changed = arrays[key].copy()
            changed.flat[draw(st.integers(0, changed.size - 1))] = draw(st.sampled_from(SPECIAL))
            arrays[key] = changed
        # (complex to real makes numpy warn while the input is built, before any loading)
        elif how == "retype" and key in arrays and arrays[key].dtype.kind not in "USc":
            arrays[key] = arrays[key].astype(draw(st.sampled_from(DTYPES)))
        elif how == "extra":
            arrays["population_loss"] = draw(random_arrays())
    return arrays


def to_bytes(arrays, compressed: bool) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


@st.composite
def run_file_bytes(draw, good):
    blob = to_bytes(draw(mutations(good)), compressed=draw(st.booleans()))
    damage = draw(st.sampled_from(["none", "truncate", "flip"]))
    if damage == "truncate":
        blob = blob[: draw(st.integers(0, len(blob)))]
    elif damage == "flip":
        flipped = bytearray(blob)
        for _ in range(draw(st.integers(1, 8))):
            flipped[draw(st.integers(0, len(blob) - 1))] ^= draw(st.integers(1, 255))
        blob = bytes(flipped)
    return blob


def load_or_refuse(path):
    try:
        return RunHistory.load(path)
    except RunFileError as exc:
        assert_one_line_refusal(exc, RunFileError)
        return None
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"loading raised {exc!r}")


def assert_valid(history: RunHistory) -> None:
    view = history.view()
    assert len(history) >= 1 and np.all(np.diff(view["step"]) > 0)
    for key in ("student_w", "student_a", "loss", "objective", "weight_decay"):
        assert np.isfinite(view[key]).all()
    assert np.all(history.teacher.a != 0)
    np.testing.assert_allclose(np.linalg.norm(history.teacher.w, axis=1), 1.0, atol=1e-6)
    history.snapshot(-1)


def test_fuzz_inputs_include_the_good_file(good_arrays, tmp_path):
    path = tmp_path / "good.npz"
    path.write_bytes(to_bytes(good_arrays, compressed=True))
    assert_valid(load_or_refuse(path))


def test_run_files_are_valid_or_refused_in_one_line(good_arrays, tmp_path):
    path = tmp_path / "fuzz.npz"

    @FUZZ
    @given(run_file_bytes(good_arrays))
    def check(blob):
        path.write_bytes(blob)
        history = load_or_refuse(path)
        if history is not None:
            assert_valid(history)

    check()


def test_a_zip_of_something_else_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("schema.npy", b"\x93NUMPY garbage")
    assert load_or_refuse(path) is None
