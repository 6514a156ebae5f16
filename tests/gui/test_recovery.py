"""Nothing the app trained is lost: recovery copies while it runs, removed on a clean exit, offered after a crash;
Ctrl+C in the terminal closes the app as its window would; questions have keyboard mnemonics."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from PySide6 import QtWidgets

from engine import lock
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


# --- never lost, never offered wrongly, never world-readable (issue: second hardening round) ---------------------


def test_copies_are_private(qtbot, window, train_to, tmp_path):
    keeper = recovery.RecoveryKeeper(window.model, window, root=tmp_path, interval_s=3600)
    train_to(window, 100)
    (copy,) = keeper.keep()
    assert copy.stat().st_mode & 0o777 == 0o600 and keeper.folder.stat().st_mode & 0o777 == 0o700
    keeper.close()


def test_a_live_windows_copies_are_not_offered_and_its_pid_does_not_matter(qtbot, window, train_to, tmp_path):
    train_to(window, 100)
    keeper = recovery.RecoveryKeeper(window.model, window, root=tmp_path, interval_s=3600)
    keeper.keep()
    assert recovery.leftover_runs(tmp_path) == []  # this window lives: its folder is locked
    # A crashed window whose PID now belongs to a live process (pid 1 lives forever): its lock is free.
    reused = tmp_path / "1-abc"
    keeper.folder.rename(reused)
    keeper._lock.release()
    assert recovery.leftover_runs(tmp_path) == [reused / "0-paper.npz"]


def test_a_folder_with_an_absurd_pid_does_not_stop_the_start(qtbot, window, train_to, tmp_path):
    train_to(window, 100)
    folder = tmp_path / f"{10**30}-abc"
    folder.mkdir()
    window.model.selected.history.save(folder / "0-paper.npz")
    assert recovery.leftover_runs(tmp_path) == [folder / "0-paper.npz"]


def test_restored_copies_stay_until_the_new_window_has_its_own(qtbot, window, train_to, tmp_path):
    train_to(window, 100)
    old = tmp_path / "old" / "1-abc"
    lock.FolderLock(old).acquire().release()  # written by a window that is gone
    window.model.selected.history.save(old / "0-paper.npz")
    kept = recovery.leftover_runs(tmp_path / "old")
    assert window.restore_runs(kept)
    (tmp_path / "full").write_text("a file where the cache folder should be: every copy fails")
    failing = recovery.RecoveryKeeper(window.model, window, root=tmp_path / "full", interval_s=3600)
    assert not recovery.hand_over(kept, failing) and old.exists()  # the new window has no copy: keep the old
    keeper = recovery.RecoveryKeeper(window.model, window, root=tmp_path / "new", interval_s=3600)
    assert recovery.hand_over(kept, keeper) and not old.exists()
    assert [p.name for p in keeper.folder.glob("*.npz")] == ["0-paper.npz"]
    keeper.close()


def test_a_full_disk_is_said_once_and_the_run_stays_unsaved(qtbot, window, train_to, tmp_path):
    train_to(window, 100)
    (tmp_path / "full").write_text("not a folder")
    keeper = recovery.RecoveryKeeper(window.model, window, root=tmp_path / "full", interval_s=3600)
    said = []
    keeper.failed.connect(said.append)
    keeper.keep()
    keeper.keep()
    assert len(said) == 1 and "cannot be written" in said[0]
    shown = []
    prompts_error = prompts.show_error
    prompts.show_error = lambda parent, title, text: shown.append(text)
    try:
        assert not window.files.save_run(tmp_path / "full" / "run.npz")
    finally:
        prompts.show_error = prompts_error
    assert len(shown) == 1 and "still open, unchanged" in shown[0]
    assert window.model.selected.has_unsaved_work
