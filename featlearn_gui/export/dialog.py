"""File → Export…: a dialog with every export option, remembered between sessions, and a progress dialog with
Cancel while the app stays responsive.

Frames are painted by Qt widgets, which only the GUI thread may do, so a zero-interval timer renders one frame
per tick (a few tens of ms) while a background thread encodes; plots, CSV and the final flush of the encoder run
in a worker thread. A run still training is exported as recorded when Export is pressed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from engine.history import RunHistory

from .job import CAPTIONED, CONTENTS, RENDERERS, SPACINGS, ExportError, ExportInputError, ExportJob, figure_names
from .render import Run
from .runner import AnimationExport, export_image, export_static

FILTERS = "Video (*.mp4);;Animated GIF (*.gif);;PNG picture or frames (*.png);;Vector figure (*.svg *.pdf);;" \
          "Metrics table (*.csv);;Run file (*.npz)"
HistoryProvider = Callable[[], list]  # returns [(label, RunHistory)] or [Run]


def frozen(history: RunHistory) -> RunHistory:
    """A copy of the snapshots recorded so far: the export cannot see later appends of a run still training."""
    n = len(history.view()["step"])
    copy = RunHistory(history.config, history.teacher, capacity=n, dtype=history.view()["student_w"].dtype)
    for i in range(n):
        copy.append(history.snapshot(i))
    return copy


class ExportDialog(QtWidgets.QDialog):
    """Export the current run(s) as an animation, picture, figure or data.

    Parameters
    ----------
    history_provider : called when Export is pressed; returns the runs to export, left to right, as
        (label, RunHistory) pairs or Run objects (several runs are exported side by side).
    parent : parent widget (the main window).
    current_step : optional; the step under the app's cursor, offered as the default step of a picture.
    camera : optional; returns the view's (azimuth, elevation, ...) so the export starts from what is on screen.
    settings : where choices are remembered (default: QSettings() of the application).

    Signals
    -------
    export_finished(str) : the path written.
    export_failed(str) : a message for the user (also shown in a message box).
    """

    export_finished = QtCore.Signal(str)
    export_failed = QtCore.Signal(str)

    def __init__(self, history_provider: HistoryProvider, parent: QtWidgets.QWidget | None = None,
                 current_step: Callable[[], int] | None = None, camera: Callable[[], tuple] | None = None,
                 settings: QtCore.QSettings | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self._provider, self._current_step, self._camera = history_provider, current_step, camera
        self._settings = settings or QtCore.QSettings()
        self._export: AnimationExport | None = None
        self._future: Future | None = None
        self._progress: QtWidgets.QProgressDialog | None = None
        self._timer = QtCore.QTimer(self, interval=0)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._build()
        self._restore()

    # --- form ----------------------------------------------------------------------------------------------

    def _build(self) -> None:
        form = QtWidgets.QFormLayout()
        self.path_edit = QtWidgets.QLineEdit()
        browse = QtWidgets.QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.path_edit)
        row.addWidget(browse)
        form.addRow("File:", row)
        self.content = self._combo(CONTENTS)
        self.figure = self._combo(("(view)", *figure_names()))
        self.width_spin, self.height_spin = self._spin(16, 8192, 640, 16), self._spin(16, 8192, 640, 16)
        size = QtWidgets.QHBoxLayout()
        size.addWidget(self.width_spin)
        size.addWidget(QtWidgets.QLabel("×"))
        size.addWidget(self.height_spin)
        self.first_step, self.last_step = self._spin(-1, 10**9, -1), self._spin(-1, 10**9, -1)
        for spin, text in ((self.first_step, "start"), (self.last_step, "end")):
            spin.setSpecialValueText(text)  # -1 shows as "start"/"end": the run's own bounds
        steps = QtWidgets.QHBoxLayout()
        steps.addWidget(self.first_step)
        steps.addWidget(QtWidgets.QLabel("to"))
        steps.addWidget(self.last_step)
        self.spacing = self._combo(SPACINGS)
        self.frames = self._spin(1, 100_000, 150)
        self.fps = self._spin(1, 120, 30)
        self.azimuth, self.elevation = self._angle(-360, 360, 30), self._angle(-90, 90, 20)
        self.rotate = self._angle(-45, 45, 0)
        self.overlay = QtWidgets.QCheckBox("step, loss and λ on the picture")
        self.captions = QtWidgets.QCheckBox("the guided tour's captions on the picture")
        self.captions.setToolTip("Each frame shows the caption of the latest tour stop at or before its step")
        self.renderer = self._combo(RENDERERS)
        for label, widget in (("Content:", self.content), ("Plot (svg/pdf/png):", self.figure),
                              ("Size per run (px):", size), ("Steps:", steps), ("Spacing:", self.spacing),
                              ("Frames:", self.frames), ("Frames per second:", self.fps),
                              ("Azimuth (°):", self.azimuth), ("Elevation (°):", self.elevation),
                              ("Rotation (°/frame):", self.rotate), ("Overlay:", self.overlay),
                              ("Captions:", self.captions),
                              ("Renderer:", self.renderer)):
            form.addRow(label, widget)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("Export", QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._on_export_clicked)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    @staticmethod
    def _combo(items) -> QtWidgets.QComboBox:
        box = QtWidgets.QComboBox()
        box.addItems(list(items))
        return box

    @staticmethod
    def _spin(low: int, high: int, value: int, step: int = 1) -> QtWidgets.QSpinBox:
        spin = QtWidgets.QSpinBox()
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setValue(value)
        return spin

    @staticmethod
    def _angle(low: float, high: float, value: float) -> QtWidgets.QDoubleSpinBox:
        spin = QtWidgets.QDoubleSpinBox()
        spin.setRange(low, high)
        spin.setDecimals(1)
        spin.setValue(value)
        return spin

    def _fields(self) -> dict:
        return {"path": self.path_edit, "content": self.content, "figure": self.figure, "width": self.width_spin,
                "height": self.height_spin, "spacing": self.spacing, "frames": self.frames, "fps": self.fps,
                "azimuth": self.azimuth, "elevation": self.elevation, "rotate": self.rotate,
                "overlay": self.overlay, "captions": self.captions, "renderer": self.renderer}

    def _restore(self) -> None:
        s = self._settings
        for key, widget in self._fields().items():
            value = s.value(f"export/{key}")
            if value is None:
                continue
            if isinstance(widget, QtWidgets.QLineEdit):
                widget.setText(str(value))
            elif isinstance(widget, QtWidgets.QComboBox):
                widget.setCurrentText(str(value))
            elif isinstance(widget, QtWidgets.QCheckBox):
                widget.setChecked(str(value).lower() in ("true", "1"))
            else:
                widget.setValue(type(widget.value())(value))
        if s.value("export/overlay") is None:
            self.overlay.setChecked(True)
        if self._camera is not None:
            azimuth, elevation = self._camera()[:2]
            self.azimuth.setValue(azimuth)
            self.elevation.setValue(elevation)

    def _remember(self) -> None:
        for key, widget in self._fields().items():
            if isinstance(widget, QtWidgets.QLineEdit):
                value = widget.text()
            elif isinstance(widget, QtWidgets.QComboBox):
                value = widget.currentText()
            elif isinstance(widget, QtWidgets.QCheckBox):
                value = widget.isChecked()
            else:
                value = widget.value()
            self._settings.setValue(f"export/{key}", value)
        self._settings.sync()

    @QtCore.Slot()
    def _on_browse_clicked(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export to", self.path_edit.text(), FILTERS)
        if path:
            self.path_edit.setText(path)

    def job(self) -> ExportJob:
        """The ExportJob the form describes (ExportInputError when it cannot work)."""
        if not self.path_edit.text().strip():
            raise ExportInputError("choose a file to export to")
        first = self.first_step.value() if self.first_step.value() >= 0 else None
        last = self.last_step.value() if self.last_step.value() >= 0 else None
        frames = self.frames.value()
        picture = Path(self.path_edit.text()).suffix.lower() == ".png" and first is None and last is None
        if picture:  # no range: one picture, of what the cursor shows (else the last step), not a frame folder
            frames = 1
            if self._current_step is not None:
                first = last = self._current_step()
        figure = None if self.figure.currentText() == "(view)" else self.figure.currentText()
        job = ExportJob(out=Path(self.path_edit.text().strip()).expanduser(), fps=self.fps.value(),
                         size=(self.width_spin.value(), self.height_spin.value()), steps=(first, last),
                         spacing=self.spacing.currentText(), frames=frames,
                         content=self.content.currentText(), azimuth=self.azimuth.value(),
                         elevation=self.elevation.value(), rotate=self.rotate.value(),
                         overlay=self.overlay.isChecked(), renderer=self.renderer.currentText(), figure=figure)
        # Captions go on pictures and animations; a remembered tick does not turn a CSV or a figure into an error.
        return dataclasses.replace(job, captions=self.captions.isChecked() and job.kind in CAPTIONED)

    def _runs(self) -> list[Run]:
        runs = []
        for item in self._provider():
            label, history = (item.label, item.history) if isinstance(item, Run) else item
            runs.append(Run(label, frozen(history)))
        if not runs:
            raise ExportInputError("there is no run to export yet")
        return runs

    # --- running -------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._export is not None or self._future is not None

    @QtCore.Slot()
    def _on_export_clicked(self) -> None:
        try:
            job, runs = self.job(), self._runs()
            self._remember()
            if job.animated:
                self._start_animation(job, runs)
            elif job.kind == "image":
                self._done(export_image(job, runs))
            else:
                self._start_background(export_static, job, runs)
        except (ExportError, OSError) as exc:
            self._fail(str(exc))

    def _make_progress(self, text: str, maximum: int, cancellable: bool) -> None:
        self._progress = QtWidgets.QProgressDialog(text, "Cancel" if cancellable else "", 0, maximum, self)
        if not cancellable:
            self._progress.setCancelButton(None)
        self._progress.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        self._progress.setMinimumDuration(0)
        self._progress.setAutoClose(False)
        self._progress.setAutoReset(False)
        self._progress.setValue(0)

    def _start_animation(self, job: ExportJob, runs: list[Run]) -> None:
        self._export = AnimationExport(job, runs)
        self._make_progress(f"Exporting {job.target().name}…", len(self._export), cancellable=True)
        self._timer.start()

    def _start_background(self, function, *args) -> None:
        self._make_progress("Writing…", 0, cancellable=False)
        self._future = self._submit(function, *args)
        self._timer.start()

    @staticmethod
    def _submit(function, *args) -> Future:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="featlearn-export")
        future = pool.submit(function, *args)
        pool.shutdown(wait=False)  # the thread ends with its one task
        return future

    @QtCore.Slot()
    def _on_timer_timeout(self) -> None:
        try:
            if self._future is not None:
                self._poll_future()
            elif self._export is not None:
                self._step_animation()
        except (ExportError, OSError) as exc:
            self._fail(str(exc))

    def _step_animation(self) -> None:
        export = self._export
        if self._progress.wasCanceled():
            self.cancel()
            return
        more = export.step(block=False)
        self._progress.setValue(export.done)
        if not more and export.done == len(export):
            self._progress.setLabelText("Finishing…")
            self._progress.setCancelButton(None)
            self._future = self._submit(export.commit)  # flushing may take seconds (a long GIF)

    def _poll_future(self) -> None:
        if not self._future.done():
            return
        future, self._future = self._future, None
        self._close_export()
        self._done(future.result())

    def _close_export(self) -> None:
        if self._export is not None:
            self._export.close()
            self._export = None

    def cancel(self) -> None:
        """Stop a running export; nothing is left at the target path."""
        if self._export is not None and self._future is None:
            self._export.abort()
            self._export = None
        self._stop()

    def _stop(self) -> None:
        self._timer.stop()
        if self._progress is not None:
            self._progress.close()
            self._progress = None

    def _done(self, path: Path) -> None:
        self._stop()
        self.export_finished.emit(str(path))
        self.accept()

    def _fail(self, message: str) -> None:
        if self._export is not None:
            self._export.abort()
            self._export = None
        self._future = None
        self._stop()
        self.export_failed.emit(message)
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, "Export failed", message,
                                    QtWidgets.QMessageBox.StandardButton.Ok, self)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not exec(): the event loop (and any training) keeps running

    def done(self, result: int) -> None:  # Qt override: closing the dialog must not leave an export running
        if self._export is not None and self._future is None:
            self.cancel()
        if self._future is not None:
            self._future.result()  # the final flush is short; waiting keeps the file whole
            self._future = None
            self._close_export()
        self._stop()
        super().done(result)
