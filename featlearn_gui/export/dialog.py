"""File → Export…: a dialog with every export option, remembered between sessions, and a progress dialog with
Cancel while the app stays responsive.

Frames are painted by Qt widgets, which only the GUI thread may do, so a zero-interval timer renders one frame
per tick (a few tens of ms) while a background thread encodes; plots, CSV and the final flush of the encoder run
in a worker thread. A run still training is exported as recorded when Export is pressed.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from featlearn_gui import prompts
from featlearn_gui.view_state import ViewState

from .job import CAPTIONED, CONTENTS, RENDERERS, SPACINGS, ExportError, ExportInputError, ExportJob, figure_names
from .runner import AnimationExport, export_image, export_static

FILTERS = "Video (*.mp4);;Animated GIF (*.gif);;PNG picture or frames (*.png);;Vector figure (*.svg *.pdf);;" \
          "Metrics table (*.csv);;Run file (*.npz)"
DEFAULT_EXTENSION = ".mp4"


class ExportDialog(QtWidgets.QDialog):
    """Export what a window shows as an animation, picture, figure or data.

    Parameters
    ----------
    view_state : returns the window's frozen ViewState (its runs, view options, renderer, camera, title); called
        when the dialog opens (renderer, camera and file name start from it) and when Export is pressed.
    parent : parent widget (the main window).
    current_step : optional; the step under the app's cursor, offered as the default step of a picture.
    settings : where choices are remembered (default: QSettings() of the application).

    Signals
    -------
    export_finished(str) : the path written.
    export_failed(str) : a message for the user (the window's error reporter shows it).
    """

    export_finished = QtCore.Signal(str)
    export_failed = QtCore.Signal(str)

    def __init__(self, view_state: Callable[[], ViewState], parent: QtWidgets.QWidget | None = None,
                 current_step: Callable[[], int] | None = None, settings: QtCore.QSettings | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self._view_state, self._current_step = view_state, current_step
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
        self.captions.setToolTip("An animation pauses at each tour stop with its caption (whose numbers are that "
                                 "step's); a picture at a stop's step carries its caption")
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
        self._start_from(self._view_state())

    def _start_from(self, state: ViewState) -> None:
        """What the window shows: its renderer and camera, and a file named after its title (in the folder and of
        the kind used last time)."""
        self.renderer.setCurrentText(state.renderer)
        if state.camera is not None and None not in state.camera:
            self.azimuth.setValue(state.camera[0])
            self.elevation.setValue(state.camera[1])
        last = Path(self.path_edit.text().strip() or f"{state.file_stem}{DEFAULT_EXTENSION}").expanduser()
        self.path_edit.setText(str(last.with_name(state.file_stem + (last.suffix or DEFAULT_EXTENSION))))

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
        return ExportJob(out=Path(self.path_edit.text().strip()).expanduser(), fps=self.fps.value(),
                         size=(self.width_spin.value(), self.height_spin.value()), steps=(first, last),
                         spacing=self.spacing.currentText(), frames=frames, rotate=self.rotate.value(),
                         figure=figure)

    def view_state(self, job: ExportJob) -> ViewState:
        """The window's view state as it is now, with the choices of this form (which start from it)."""
        state = self._view_state()
        if not state.runs:
            raise ExportInputError("there is no run to export yet")
        # Captions go on pictures and animations; a remembered tick does not turn a CSV or a figure into an error.
        return state.replace(renderer=self.renderer.currentText(), content=self.content.currentText(),
                             camera=(self.azimuth.value(), self.elevation.value()),
                             overlay=self.overlay.isChecked(),
                             captions=self.captions.isChecked() and job.kind in CAPTIONED)

    # --- running -------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._export is not None or self._future is not None

    @QtCore.Slot()
    def _on_export_clicked(self) -> None:
        try:
            job = self.job()
            state = self.view_state(job)
            self._remember()
            if job.animated:
                self._start_animation(job, state)
            elif job.kind == "image":
                self._done(export_image(job, state))
            else:
                self._start_background(export_static, job, state)
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

    def _start_animation(self, job: ExportJob, state: ViewState) -> None:
        self._export = AnimationExport(job, state)
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
        prompts.confirm(self.parentWidget(), "Exported", f"Exported to {path}")  # where it went, to open it
        self.accept()

    def _fail(self, message: str) -> None:
        if self._export is not None:
            self._export.abort()
            self._export = None
        self._future = None
        self._stop()
        self.export_failed.emit(message)
        prompts.show_error(self, "Export failed", message)

    def done(self, result: int) -> None:  # Qt override: closing the dialog must not leave an export running
        if self._export is not None and self._future is None:
            self.cancel()
        if self._future is not None:
            self._future.result()  # the final flush is short; waiting keeps the file whole
            self._future = None
            self._close_export()
        self._stop()
        super().done(result)
