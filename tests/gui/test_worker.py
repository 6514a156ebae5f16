"""Training in its own process: pacing, stop conditions, failures, a process killed from outside, resuming, and
nothing left behind (no process, no shared-memory file) when runs are removed or windows close."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import numpy as np

from engine.history import RunHistory
from engine.trainer import train
from featlearn_gui.worker_pool import shared_prefix


def shared_files() -> list[Path]:
    return sorted(Path("/dev/shm").glob(shared_prefix() + "*")) if Path("/dev/shm").is_dir() else []


def driver_of(window):
    return window.session.drivers[window.model.selected]


def test_max_speed_matches_the_headless_engine(qtbot, window, small_config, train_to):
    train_to(window, 400)
    reference = train(small_config())
    history = window.model.history
    np.testing.assert_array_equal(history.steps, reference.steps)
    np.testing.assert_allclose(history.view()["student_w"], reference.view()["student_w"])
    assert "400" in window.model.message


def test_the_derived_metrics_come_from_the_training_process_and_match_the_engine(qtbot, window, train_to):
    from engine.metrics import history_metrics

    train_to(window, 200)
    run = window.model.selected
    expected = history_metrics(run.history)
    assert run.metrics is run.history.metrics  # shared beside the history, not recomputed here
    np.testing.assert_allclose(run.metrics.far_mass, expected["far_mass"], atol=1e-12)
    np.testing.assert_allclose(run.metrics.captured, expected["captured"], atol=1e-12)


def test_a_paced_run_trains_to_its_target_and_waits(qtbot, window):
    worker = driver_of(window).worker
    worker.pace(60)
    qtbot.waitUntil(lambda: worker.step == 60, timeout=15000)
    qtbot.wait(200)
    assert window.model.selected.last_step == 60  # no target left: nothing trains
    worker.grant_snapshot()
    qtbot.waitUntil(lambda: worker.step == 80)


def test_loss_threshold_stops_the_run(qtbot, window, small_config):
    losses = train(small_config()).view()["loss"]
    window.model.loss_threshold = float(losses[5])
    window.session.train_to(400)
    qtbot.waitUntil(lambda: window.model.status == "finished", timeout=15000)
    assert window.model.selected.last_step == 100 and "threshold" in window.model.message


def test_divergence_is_reported_with_its_step_and_the_history_is_kept(qtbot, window, small_config):
    window.session.restart(window.model.selected, small_config("optim.lr=400"))
    window.session.train_to(400)
    qtbot.waitUntil(lambda: window.model.status == "failed", timeout=15000)
    assert "diverged at step" in window.model.message
    history = window.model.history
    assert len(history) >= 1 and np.isfinite(history.view()["loss"]).all()


def test_a_killed_training_process_fails_its_run_and_the_recovery_copy_keeps_what_was_trained(qtbot, window):
    window.model.max_steps = 1_000_000
    window.model.speed = 0
    window.model.playing = True
    qtbot.waitUntil(lambda: window.model.count > 5, timeout=15000)
    process = driver_of(window).worker.worker.process
    os.kill(process.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: window.model.status == "failed", timeout=5000)
    assert "training process ended unexpectedly" in window.model.message
    assert window.isVisible()
    count = window.model.count
    [copy] = window.recovery.keep()
    assert len(RunHistory.load(copy)) == count >= 5
    assert not shared_files()


def test_removing_a_run_and_closing_the_window_leave_no_shared_file(qtbot, open_window):
    from featlearn_gui.comparisons import file as comparison

    win = open_window(comparison.builtin("relu-vs-centered"))
    win.session.train_to(100)
    qtbot.waitUntil(lambda: all(run.done for run in win.model.runs), timeout=20000)
    assert not shared_files()  # removed as soon as both processes mapped them
    win.session.remove(win.model.runs[1])
    assert len(win.model.runs) == 1 and len(win.session.drivers) == 1
    win.close()
    assert not win.session.drivers and not shared_files()


def test_a_run_resumed_from_its_file_continues_exactly(qtbot, window, small_config, tmp_path, train_to):
    train_to(window, 200)
    path = tmp_path / "half.npz"
    window.model.history.save(path)
    assert window.files.open_path(path)
    assert window.model.selected.last_step == 200
    window.model.max_steps = None
    train_to(window, 400)
    reference = train(small_config())
    np.testing.assert_allclose(window.model.history.view()["student_w"], reference.view()["student_w"])


def test_a_run_continued_past_its_planned_end_grows_its_shared_history(qtbot, window, train_to):
    capacity = window.model.history.capacity
    steps = 20 * (capacity + 5)
    train_to(window, steps, timeout=30000)
    history = window.model.history
    assert history.capacity > capacity and history.steps[-1] == steps
    assert np.all(np.diff(history.steps) == 20)
    assert not shared_files()


def test_a_device_error_fails_the_job_naming_the_step(small_config, monkeypatch):
    """The training process's own loop, run here in a thread: a device error (e.g. CUDA out of memory) ends
    training with a message naming the step, and the history up to there stays."""
    from multiprocessing import Pipe

    from engine.objective import PopulationObjective
    from featlearn_gui.shared_history import share
    from featlearn_gui.training_process import Job

    history, _note = share(train(small_config(), until=60), shared_prefix() + "test.g0")
    ours, theirs = Pipe()

    def broken(*args, **kwargs):
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(PopulationObjective, "value_and_grad", broken)
    job = Job(theirs, 1, history.config, history.teacher, history.block.path, history.block.layout, len(history),
              400, 0.0)
    thread = threading.Thread(target=job.run)
    thread.start()
    ours.send(("pace", 1, 0, True))
    messages = []
    while not any(m[1] == "failed" for m in messages):
        assert ours.poll(10)
        messages.append(ours.recv())
    ours.send(("stop", 1))
    thread.join(5)
    history.block.unlink()
    [failed] = [m for m in messages if m[1] == "failed"]
    assert "step 60" in failed[2] and "out of memory" in failed[2]
    assert len(history) == 4


def test_the_training_process_imports_no_qt(window):
    """A spawned training process imports torch and the engine, never the GUI toolkit."""
    worker = driver_of(window).worker.worker
    with open(f"/proc/{worker.process.pid}/maps") as maps:
        mapped = maps.read()
    assert "libtorch" in mapped and "Qt6" not in mapped


def test_without_room_in_dev_shm_the_history_is_shared_through_a_file_in_the_cache(small_config, tmp_path,
                                                                                   monkeypatch):
    from featlearn_gui import shared_history

    monkeypatch.setattr(shared_history, "SHM", tmp_path / "no-shm")  # as on macOS, or a full Docker /dev/shm
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = train(small_config(), until=60)
    history, note = shared_history.share(source, shared_prefix() + "fallback.g0")
    assert history.block.path.parent == tmp_path / "cache" / "featlearn" / "shared"
    assert "/dev/shm lacks room" in note and str(tmp_path / "cache") in note
    np.testing.assert_array_equal(history.view()["student_w"], source.view()["student_w"])
    history.block.unlink()


def test_a_recorded_run_that_cannot_continue_here_opens_read_only(qtbot, window, small_config):
    from engine.initial import Teacher

    source = train(small_config(), until=60)
    foreign = RunHistory(source.config, Teacher(-source.teacher.w, source.teacher.a))  # not the config's teacher
    for i in range(len(source)):
        foreign.append(source.snapshot(i))
    run = window.session.replace(window.model.selected, window.session.make_run(foreign, "foreign"))
    qtbot.waitUntil(lambda: run.status == "loaded", timeout=15000)
    assert "cannot be continued here" in run.message and run.device == "none (read only)"
    assert run.count == 4


def test_a_window_starts_at_most_its_cap_of_training_processes(qtbot, open_window, monkeypatch):
    from featlearn_gui import session
    from featlearn_gui.comparisons import file as comparison

    monkeypatch.setattr(session, "MAX_PROCESSES", 1)
    win = open_window(comparison.builtin("relu-vs-centered"))
    first, second = win.model.runs
    assert len(win.session.drivers) == 1 and first in win.session.drivers
    assert second.status == "loaded" and "at most 1 runs at once" in second.message
