"""The window's process never imports torch: a run's step 0 and a branch's first state come from a training
process, so the app starts without torch's seconds of import (featlearn_gui.worker_pool.WorkerPool.call)."""

from __future__ import annotations

import os
import subprocess
import sys

# A user's session in a fresh interpreter: open the paper preset, train 200 steps, branch at step 100 with Ctrl+B.
SESSION = """
import sys, time
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest
from featlearn_gui.app import apply_style
from featlearn_gui.application import App
from featlearn_gui.settings import Settings

def wait(condition):
    deadline = time.monotonic() + 60
    while not condition() and time.monotonic() < deadline:
        QTest.qWait(10)
    assert condition()

app = QtWidgets.QApplication([])
apply_style(app)
settings = Settings(QtCore.QSettings(sys.argv[1], QtCore.QSettings.Format.IniFormat))
window = App(settings, interactive=False).new_window(renderer="projected", restore=False)
window.files.load_preset("paper")
window.show()
window.activateWindow()
wait(lambda: QtWidgets.QApplication.activeWindow() is window)
window.session.train_to(200)
wait(lambda: window.model.status == "finished" and window.model.step == 200)
window.model.set_step(100)
QTest.keyClick(window, QtCore.Qt.Key.Key_B, QtCore.Qt.KeyboardModifier.ControlModifier)
dialog = window.brancher.dialog
dialog.set_value("optim.lr", "0.05")
dialog.accept()
wait(lambda: len(window.model.runs) == 2)
child = window.model.runs[1]
print("torch" in sys.modules, child.history.lineage.step, child.count, child.config.optim.lr)
for run in window.model.runs:
    run.saved = True
window.close()
"""


def test_the_window_trains_and_branches_without_importing_torch(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", SESSION, str(tmp_path / "settings.ini")], capture_output=True,
                         text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    torch_imported, step, count, lr = out.stdout.split()
    assert torch_imported == "False"
    assert (int(step), int(count), float(lr)) == (100, 6, 0.05)  # the parent's snapshots 0..80, then its own at 100


def test_calls_answer_as_the_engine_does_and_say_why_they_fail(small_config):
    import numpy as np
    import pytest

    from engine.config import ConfigError
    from engine.trainer import train
    from featlearn_gui.branching import parent_until
    from featlearn_gui.worker_pool import CallFailed, pool

    history, failure = pool().call("start_history", small_config())
    expected = train(small_config(), until=0)
    assert failure == "" and len(history) == 1
    np.testing.assert_array_equal(history.view()["student_w"], expected.view()["student_w"])
    with pytest.raises(ConfigError, match="nearest recorded step is 80"):  # a BranchError, said as a ConfigError
        pool().call("branch_history", parent_until(train(small_config()), 90), 90, small_config())
    with pytest.raises(CallFailed, match="unknown-name"):
        pool().call("unknown-name")


def test_a_call_whose_process_dies_is_answered_here(small_config):
    import signal
    import threading

    from featlearn_gui.worker_pool import pool

    workers = pool()
    workers.fill()
    for worker in list(workers._idle):
        workers.discard(worker)
    workers.fill()
    starting = workers._idle[0]  # importing torch for a second or more: it cannot answer before it is killed
    threading.Timer(0.2, lambda: os.kill(starting.process.pid, signal.SIGKILL)).start()
    history, failure = workers.call("start_history", small_config())
    assert failure == "" and len(history) == 1
    assert starting not in workers._all and workers._idle and workers._idle[0].alive  # replaced
