"""The Export… dialog: exports with the app responsive, remembers choices, cancels cleanly, exports what a
still-training run has recorded so far."""

import pytest
from PIL import Image
from PySide6 import QtCore

from engine import presets
from engine.trainer import Trainer
from featlearn_gui.export.dialog import ExportDialog
from featlearn_gui.view_state import Run, ViewState, freeze


@pytest.fixture
def settings(tmp_path):
    return QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)


def _view(label, history):
    return lambda: ViewState((Run(label, history),))


def _dialog(qtbot, provider, settings, path, **fields):
    dialog = ExportDialog(provider, settings=settings)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(path))
    dialog.width_spin.setValue(160)
    dialog.height_spin.setValue(128)
    dialog.frames.setValue(fields.get("frames", 6))
    return dialog


def test_gif_export_from_the_dialog(qtbot, tmp_path, settings, paper_history):
    out = tmp_path / "dialog.gif"
    dialog = _dialog(qtbot, _view("paper", paper_history), settings, out)
    with qtbot.waitSignal(dialog.export_finished, timeout=30_000) as finished:
        dialog.export_button.click()
    assert finished.args == [str(out)]
    with Image.open(out) as gif:
        assert gif.n_frames == 6 and gif.size == (160, 128)
    again = ExportDialog(_view("paper", paper_history), settings=settings)
    qtbot.addWidget(again)
    assert again.width_spin.value() == 160 and again.frames.value() == 6
    # the same folder and kind of file, named after what is shown
    assert again.path_edit.text() == str(tmp_path / "paper.gif")


def test_cancel_from_the_progress_dialog_leaves_nothing(qtbot, tmp_path, settings, paper_history):
    dialog = _dialog(qtbot, _view("paper", paper_history), settings, tmp_path / "c.mp4", frames=20)
    dialog.export_button.click()
    assert dialog.running
    qtbot.waitUntil(lambda: dialog._export is not None and dialog._export.done >= 2, timeout=10_000)
    dialog._progress.cancel()
    qtbot.waitUntil(lambda: not dialog.running, timeout=10_000)
    assert list(tmp_path.glob("c*")) == [] and [p.name for p in tmp_path.iterdir()] == ["settings.ini"]


def test_a_run_still_training_exports_what_it_has_recorded(qtbot, tmp_path, settings):
    trainer = Trainer(presets.load("paper"))
    history = trainer.new_history()
    runner = trainer.run(until=1000)
    for _ in range(5):
        history.append(next(runner))
    out = tmp_path / "live.csv"
    # the window hands a frozen copy (MainWindow.view_state), taken when Export is pressed
    dialog = _dialog(qtbot, lambda: ViewState((Run("live", freeze(history)),)), settings, out)
    with qtbot.waitSignal(dialog.export_finished, timeout=30_000):
        dialog.export_button.click()
        history.append(next(runner))  # training goes on while the export runs
    assert len(out.read_text().splitlines()) == 1 + 5


def test_bad_path_reports_without_blocking(qtbot, tmp_path, settings, paper_history):
    dialog = _dialog(qtbot, _view("paper", paper_history), settings, tmp_path / "missing" / "x.mp4")
    with qtbot.waitSignal(dialog.export_failed, timeout=5_000) as failed:
        dialog.export_button.click()
    assert "does not exist" in failed.args[0]


def _boxes(icon) -> list:
    from PySide6 import QtWidgets

    return [w for w in QtWidgets.QApplication.topLevelWidgets()
            if isinstance(w, QtWidgets.QMessageBox) and w.isVisible() and w.icon() == icon]



def test_someone_at_the_screen_sees_where_the_export_went_and_why_one_failed(qtbot, tmp_path, settings,
                                                                             paper_history, app):
    from PySide6.QtWidgets import QMessageBox

    app.interactive = True  # dialogs, not stderr lines; neither blocks the event loop
    out = tmp_path / "picture.png"
    dialog = _dialog(qtbot, _view("paper", paper_history), settings, out)
    with qtbot.waitSignal(dialog.export_finished, timeout=30_000):
        dialog.export_button.click()
    (confirmation,) = _boxes(QMessageBox.Icon.Information)
    assert str(out) in confirmation.text() and out.is_file()
    confirmation.close()
    failing = _dialog(qtbot, _view("paper", paper_history), settings, tmp_path / "missing" / "x.png")
    failing.export_button.click()
    (error,) = _boxes(QMessageBox.Icon.Warning)
    assert "does not exist" in error.text() and error.windowTitle() == "Export failed"
    error.close()
