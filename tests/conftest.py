"""Shared test settings: one torch thread (the suite runs beside other work on 2 cores), offscreen Qt."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import torch  # noqa: E402

torch.set_num_threads(1)


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """The app's recovery copies and the CLI's unsaved runs go to a temporary cache, never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def preset_run():
    """preset_run(name): the built-in preset trained to its end as shipped, once per test session. Every test that
    checks what a preset shows (its description, docs/theory.md's numbers) reads these runs: never modify one."""
    from tests.engine.trained import trained  # one cache, shared with the tests that import it directly

    return trained


@pytest.fixture(scope="session", autouse=True)
def no_training_process_left():
    """At the end of the session: the app's training processes end, and none (nor a shared-memory file) is left."""
    yield
    import multiprocessing
    from pathlib import Path

    from featlearn_gui import worker_pool

    if worker_pool._POOL is not None:
        worker_pool._POOL.shutdown()
    assert not multiprocessing.active_children(), "a training process outlived the test session"
    shm = Path("/dev/shm")
    leftovers = list(shm.glob(worker_pool.shared_prefix() + "*")) if shm.is_dir() else []
    assert not leftovers, f"shared-memory files left behind: {leftovers}"
