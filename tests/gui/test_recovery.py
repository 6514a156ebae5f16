"""Nothing the app trained is lost: recovery copies while it runs, removed on a clean exit, offered after a crash;
Ctrl+C in the terminal closes the app as its window would; questions have keyboard mnemonics."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from PySide6 import QtWidgets

from engine.history import RunHistory
from featlearn_gui import prompts, recovery


def test_unsaved_runs_are_copied_while_they_train_and_the_copies_go_on_a_clean_exit(qtbot, window, train_to, tmp_path):
    keeper = recovery.RecoveryKeeper(window.model, window, root=tmp_path, interval_s=3600)
    assert keeper.keep() == []  # nothing trained yet: nothing to keep
    train_to(window, 100)
    (copy,) = keeper.keep()
    kept = RunHistory.load(copy)
    assert len(kept) == window.model.count and kept.config == window.model.config
    assert keeper.keep() == []  # unchanged since: not written again
    window.files.save_run(tmp_path / "saved.npz")
    keeper.keep()
    assert not copy.exists()  # saved by the person: the copy is no longer needed
    keeper.close()
    assert not keeper.folder.exists()


def test_copies_of_a_process_that_is_gone_are_offered_and_restored_as_unsaved(qtbot, window, train_to, tmp_path):
    train_to(window, 100)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    folder = tmp_path / f"{int(dead.stdout)}-abc"
    folder.mkdir()
    window.model.selected.history.save(folder / "0-paper.npz")
    ours = tmp_path / f"{os.getpid()}-def"  # this process is alive: its copies are not leftovers
    ours.mkdir()
    window.model.selected.history.save(ours / "0-paper.npz")
    kept = recovery.leftover_runs(tmp_path)
    assert kept == [folder / "0-paper.npz"]
    assert window.restore_runs(kept)
    (run,) = window.model.runs
    assert run.label == "paper" and run.count == 6 and run.has_unsaved_work and run.path is None
    recovery.discard(kept)
    assert not folder.exists() and ours.exists()


def test_ctrl_c_in_the_terminal_closes_the_app_like_its_window(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    app = subprocess.Popen([sys.executable, "-m", "featlearn_gui", "--preset", "circle"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(6)  # the window is up
    app.send_signal(signal.SIGINT)
    _out, err = app.communicate(timeout=30)
    assert app.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def test_the_save_question_answers_to_alt_keys(qtbot, monkeypatch, app):
    seen = {}

    def exec_(box):
        seen.update({b.text(): box.standardButton(b) for b in box.buttons()})
        return 0

    monkeypatch.setattr(app, "interactive", True)  # someone at the screen, answering at once
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", exec_)
    prompts.ask_save(None)
    assert set(seen) == {"&Save", "&Discard", "&Cancel"}
