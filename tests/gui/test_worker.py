"""The training thread on its own: budgets, stop conditions, failures, throttled notifications, prompt stopping."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6 import QtCore

from engine.trainer import Trainer, train
from featlearn_gui.worker import TrainingWorker


class Listener(QtCore.QObject):
    """A GUI-thread receiver, as the session is: counts notifications and acknowledges them."""

    def __init__(self, worker: TrainingWorker) -> None:
        super().__init__()
        self.worker = worker
        self.progress = 0
        self.finished: list[str] = []
        self.failed: list[str] = []
        worker.progressed.connect(self._on_worker_progressed)
        worker.run_finished.connect(self._on_worker_run_finished)
        worker.run_failed.connect(self._on_worker_run_failed)

    @QtCore.Slot()
    def _on_worker_progressed(self) -> None:
        self.worker.acknowledge()
        self.progress += 1

    @QtCore.Slot(str)
    def _on_worker_run_finished(self, reason: str) -> None:
        self.finished.append(reason)

    @QtCore.Slot(str)
    def _on_worker_run_failed(self, message: str) -> None:
        self.failed.append(message)


@pytest.fixture
def make_worker(small_config):
    workers = []

    def make(*overrides: str, max_steps: int = 400, threshold: float = 0.0):
        trainer = Trainer(small_config(*overrides))
        history = trainer.new_history()
        worker = TrainingWorker(trainer, history, max_steps, threshold)
        listener = Listener(worker)
        workers.append(worker)
        worker.start()
        return worker, history, listener

    yield make
    for worker in workers:
        assert worker.stop(1000)


def test_free_running_matches_the_headless_engine(qtbot, make_worker, small_config):
    worker, history, listener = make_worker()
    worker.set_free_running(True)
    qtbot.waitUntil(lambda: bool(listener.finished), timeout=10000)
    reference = train(small_config())
    np.testing.assert_array_equal(history.steps, reference.steps)
    np.testing.assert_allclose(history.view()["student_w"], reference.view()["student_w"])
    assert "400" in listener.finished[0]


def test_a_budget_trains_that_many_steps_and_then_waits(qtbot, make_worker):
    worker, history, listener = make_worker()
    worker.grant(60)
    qtbot.waitUntil(lambda: worker.idle and worker.step == 60)
    with qtbot.assertNotEmitted(worker.progressed, wait=100):
        pass  # no budget left: nothing trains
    assert history.steps[-1] == 60
    worker.grant_snapshot()
    qtbot.waitUntil(lambda: worker.step == 80)


def test_hold_forgets_the_unspent_budget(qtbot, make_worker):
    worker, history, listener = make_worker("student.width=400", max_steps=100_000)
    worker.grant(100_000)
    qtbot.waitUntil(lambda: worker.step >= 20)
    worker.hold()
    step = worker.step
    qtbot.waitUntil(lambda: worker.idle)
    assert worker.step <= step + 20  # at most the snapshot in progress


def test_loss_threshold_stops_the_run(qtbot, make_worker, small_config):
    losses = train(small_config()).view()["loss"]
    worker, history, listener = make_worker(threshold=float(losses[5]))
    worker.set_free_running(True)
    qtbot.waitUntil(lambda: bool(listener.finished))
    assert history.steps[-1] == 100 and "threshold" in listener.finished[0]


def test_divergence_is_reported_with_its_step_and_the_history_is_kept(qtbot, make_worker):
    worker, history, listener = make_worker("optim.lr=400")
    worker.set_free_running(True)
    qtbot.waitUntil(lambda: bool(listener.failed), timeout=10000)
    assert "diverged at step" in listener.failed[0]
    assert len(history) >= 1 and np.isfinite(history.view()["loss"]).all()
    assert worker.idle


def test_notifications_are_throttled_and_latest_wins(qtbot, make_worker):
    worker, history, listener = make_worker("record.every=1", max_steps=3000)
    started = time.perf_counter()
    worker.set_free_running(True)
    qtbot.waitUntil(lambda: bool(listener.finished), timeout=20000)
    elapsed = time.perf_counter() - started
    assert len(history) == 3001
    assert listener.progress <= 60 * elapsed + 3  # ≤ 60 Hz (plus the final announcements)


def test_stop_ends_the_thread_within_a_second_while_training(qtbot, make_worker):
    worker, history, listener = make_worker(max_steps=10_000_000)
    worker.set_free_running(True)
    qtbot.waitUntil(lambda: len(history) > 3)
    started = time.perf_counter()
    assert worker.stop(1000)
    assert time.perf_counter() - started < 1.0
    assert not worker.isRunning()


def test_while_a_session_trains_the_garbage_collector_runs_only_in_the_gui_thread(qtbot, window):
    # Automatic collection runs in whichever thread allocates: the training thread would destroy Qt objects.
    import gc

    assert window.session.drivers and not gc.isenabled()
    garbage = []
    garbage.append(garbage)  # a cycle only the collector can free
    del garbage
    before = gc.get_count()[0]
    threshold = gc.get_threshold()
    gc.set_threshold(min(threshold[0], 100), *threshold[1:])  # an idle window allocates little: don't wait for 700
    try:
        window.session.train_to(100)
        qtbot.waitUntil(lambda: window.model.status == "finished", timeout=10000)
        qtbot.waitUntil(lambda: gc.get_count()[0] < before, timeout=2000)  # collected on the GUI's frame clock
    finally:
        gc.set_threshold(*threshold)
    window.session.shutdown()
    assert gc.isenabled()
