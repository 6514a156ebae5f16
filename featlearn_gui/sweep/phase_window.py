"""The phase-diagram window of a sweep: a heat map of a metric over two axes, live while the sweep writes.

    window = open_sweep("out/")                 # a sweep's output directory, or a SWEEP.toml
    window.runs_open_requested.connect(main_window.open_runs)   # list[Path] of run files
    window.show()

Combo boxes choose the metric and the two axes (other axes, e.g. seeds, are replicates); hovering a cell shows
its numbers, clicking it lists its runs, "Open in main window" emits their run files. The window re-reads
results.csv whenever it changes (polled), so it fills in while a sweep runs, here ("Run sweep…") or elsewhere.
"""

from __future__ import annotations

import contextlib
import tomllib
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from engine.config import ConfigError
from engine.sweep import builtin, grid
from engine.sweep.phase import METRICS, PhaseGrid, ResultsTable, aggregate
from engine.sweep.results import RESULTS, SWEEP_COPY
from featlearn_gui import prompts

from .heatmap import HeatMap
from .phase_figure import FIGURE_FORMATS, save_csv, save_figure
from .sweep_thread import SweepThread

POLL_MS = 500
NO_AXIS = "(none)"


def default_out(sweep_file: Path) -> Path:
    """Where a sweep file's results go when only the file is given: beside it, or here for a built-in sweep."""
    sweep_file = Path(sweep_file).resolve()
    if sweep_file.parent == builtin.resource_dir("sweeps").resolve():
        return Path.cwd() / f"{sweep_file.stem}-results"
    return sweep_file.parent / f"{sweep_file.stem}-results"


class PhaseWindow(QtWidgets.QMainWindow):
    """The phase diagram of the sweep whose results are (or will be) in `root`."""

    runs_open_requested = QtCore.Signal(list)  # list[Path]: run files to open in the main window

    def __init__(self, root: Path, sweep_file: Path | None = None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.root = Path(root)
        self.sweep_file = sweep_file if sweep_file is not None else self._copy_in_root()
        self.table = ResultsTable(self.root, [], [])
        self.grid: PhaseGrid | None = None
        self.selected: tuple[int, int] | None = None
        self.thread: SweepThread | None = None
        self._stamp: tuple[int, int] | None = None
        self.setWindowTitle(f"Phase diagram — {self.root}")
        self.resize(1000, 620)
        self._build()
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)
        self._timer.start()
        self.poll()

    def _copy_in_root(self) -> Path | None:
        copy = self.root / SWEEP_COPY
        return copy if copy.is_file() else None

    # --- layout ---------------------------------------------------------------------------------------------

    def _build(self) -> None:
        bar = self.addToolBar("phase")
        bar.setMovable(False)
        self.metric_box = QtWidgets.QComboBox()
        for key, metric in METRICS.items():
            self.metric_box.addItem(metric.label, key)
        self.x_box, self.y_box = QtWidgets.QComboBox(), QtWidgets.QComboBox()
        for label, box in (("metric", self.metric_box), ("x", self.x_box), ("y", self.y_box)):
            bar.addWidget(QtWidgets.QLabel(f" {label} "))
            bar.addWidget(box)
            box.currentIndexChanged.connect(self._on_choice_changed)
        bar.addSeparator()
        self.run_action = bar.addAction("Run sweep…", self._on_run_triggered)
        self.open_action = bar.addAction("Open in main window", self.open_selected)
        self.open_action.setEnabled(False)
        menu = self.menuBar().addMenu("&File")
        menu.addAction(self.run_action)
        menu.addAction(self.open_action)
        menu.addAction("Export diagram…", self._on_export_figure_triggered)
        menu.addAction("Export table…", self._on_export_table_triggered)
        menu.addSeparator()
        menu.addAction("Close", QtGui.QKeySequence.StandardKey.Close, self.close)
        self.heatmap = HeatMap()
        self.heatmap.cell_hovered.connect(self._on_cell_hovered)
        self.heatmap.cell_clicked.connect(self.select_cell)
        self.cell_label = QtWidgets.QLabel("Click a cell to list its runs.")
        self.cell_label.setWordWrap(True)
        self.run_list = QtWidgets.QListWidget()
        self.run_list.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.run_list.itemDoubleClicked.connect(lambda item: self.open_selected())
        side = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(side)
        layout.addWidget(self.cell_label)
        layout.addWidget(self.run_list)
        split = QtWidgets.QSplitter()
        split.addWidget(self.heatmap)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        self.setCentralWidget(split)
        self._build_status()

    def _build_status(self) -> None:
        self.hover_label = QtWidgets.QLabel("")
        self.progress = QtWidgets.QProgressBar()
        self.progress.setMaximumWidth(260)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_sweep)
        status = self.statusBar()
        status.addWidget(self.hover_label, 1)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel_button)
        self.progress.hide()
        self.cancel_button.hide()

    # --- data -----------------------------------------------------------------------------------------------

    def poll(self) -> None:
        """Re-read results.csv if it changed (it is replaced atomically after every finished run)."""
        try:
            st = (self.root / RESULTS).stat()
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp != self._stamp:
            self._stamp = stamp
            self.reload()

    def reload(self) -> None:
        self.table = ResultsTable.load(self.root)
        if not self.table.axes and self.sweep_file is not None:
            try:
                self.table.axes = grid.load(self.sweep_file).axis_keys
            except ConfigError as exc:
                prompts.show_error(self, "Cannot read the sweep", str(exc))
        self._fill_axis_boxes()
        self.refresh()

    def _fill_axis_boxes(self) -> None:
        axes = self.table.axes
        if [self.x_box.itemText(i) for i in range(self.x_box.count())] == axes:
            return
        varying = [a for a in axes if a != "seed"] or axes
        for box, items, choice in (
            (self.x_box, axes, varying[0] if varying else None),
            (self.y_box, [NO_AXIS, *axes], varying[1] if len(varying) > 1 else NO_AXIS),
        ):
            box.blockSignals(True)
            box.clear()
            box.addItems(items)
            if choice is not None:
                box.setCurrentText(choice)
            box.blockSignals(False)

    @property
    def metric(self) -> str:
        return self.metric_box.currentData()

    def set_choice(self, metric: str | None = None, x: str | None = None, y: str | None = None) -> None:
        """Choose the metric and axes as the combo boxes would (y = NO_AXIS for none)."""
        if metric is not None:
            self.metric_box.setCurrentIndex(self.metric_box.findData(metric))
        if x is not None:
            self.x_box.setCurrentText(x)
        if y is not None:
            self.y_box.setCurrentText(y)
        self.refresh()

    def _on_choice_changed(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        x, y = self.x_box.currentText(), self.y_box.currentText()
        y_axis = None if y == NO_AXIS else y
        if not self.table.rows or not x or x == y_axis:
            self.grid = None
            self.hover_label.setText("no results yet" if not self.table.rows else "choose two different axes")
            return
        self.grid = aggregate(self.table, self.metric, x, y_axis)
        self.heatmap.set_grid(self.grid)
        if self.selected is not None:
            self.select_cell(*self.selected)

    # --- cells ----------------------------------------------------------------------------------------------

    def _on_cell_hovered(self, iy: int, ix: int) -> None:
        if self.grid is not None:
            text = self.grid.cell_text(iy, ix)
            self.hover_label.setText(text.replace("\n", "  |  "))
            self.heatmap.setToolTip(text)

    def select_cell(self, iy: int, ix: int) -> None:
        """List the runs of a cell (what clicking it does)."""
        if self.grid is None or not (0 <= iy < len(self.grid.y_values) and 0 <= ix < len(self.grid.x_values)):
            return
        self.selected = (iy, ix)
        self.cell_label.setText(self.grid.cell_text(iy, ix))
        rows = {r["config_hash"]: r for r in self.table.rows}
        shown = [a for a in self.table.axes if a not in (self.grid.x, self.grid.y)]
        self.run_list.clear()
        for config_hash in self.grid.hashes[iy][ix]:
            row = rows[config_hash]
            others = ", ".join(f"{a} = {row[a]}" for a in shown)
            extra = f"recovered {row['recovered']}" if row["status"] != "failed" else row["message"]
            item = QtWidgets.QListWidgetItem(f"{config_hash}  {row['status']}  {others}  {extra}")
            path = self.table.run_path(config_hash)
            item.setData(QtCore.Qt.ItemDataRole.UserRole, str(path))
            if not path.is_file():
                item.setFlags(item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEnabled)
            self.run_list.addItem(item)
        self.open_action.setEnabled(bool(self.cell_paths()))

    def cell_paths(self) -> list[Path]:
        """Run files of the selected list entries, or of the whole selected cell when none is selected."""
        items = self.run_list.selectedItems() or [self.run_list.item(i) for i in range(self.run_list.count())]
        paths = [Path(item.data(QtCore.Qt.ItemDataRole.UserRole)) for item in items]
        return [p for p in paths if p.is_file()]

    def open_selected(self) -> None:
        paths = self.cell_paths()
        if paths:
            self.runs_open_requested.emit(paths)

    # --- running --------------------------------------------------------------------------------------------

    def _on_run_triggered(self) -> None:
        if self.sweep_file is None:
            prompts.show_error(self, "Run sweep", f"{self.root} has no {SWEEP_COPY} to run.")
            return
        workers, ok = QtWidgets.QInputDialog.getInt(
            self,
            "Run sweep",
            f"Run {self.sweep_file.name} into {self.root} with local workers:",
            QtCore.QThread.idealThreadCount(),
            1,
            256,
        )
        if ok:
            self.start_sweep(workers)

    def start_sweep(self, workers: int = 0) -> bool:
        """Run the sweep file into `root` in a background thread; False (with a message) if it cannot start."""
        if self.thread is not None or self.sweep_file is None:
            return False
        try:
            sweep = grid.load(self.sweep_file)
        except ConfigError as exc:
            prompts.show_error(self, "Cannot run the sweep", str(exc))
            return False
        self.thread = SweepThread(sweep, self.root, workers, self)
        self.thread.progress.connect(self._on_sweep_progress)
        self.thread.done.connect(self._on_sweep_done)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.run_action.setEnabled(False)
        self.thread.start()
        return True

    def cancel_sweep(self) -> None:
        if self.thread is not None:
            self.thread.cancel()
            self.cancel_button.setEnabled(False)

    def _on_sweep_progress(self, finished: int, failed: int, total: int, running: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(finished + failed)
        self.progress.setFormat(f"%v / %m runs ({failed} failed, {running} running)")
        self.poll()

    def _on_sweep_done(self, message: str, ok: bool) -> None:
        if self.thread is not None:
            self.thread.wait()
            self.thread = None
        self.progress.hide()
        self.cancel_button.hide()
        self.cancel_button.setEnabled(True)
        self.run_action.setEnabled(True)
        self.statusBar().showMessage(message)
        self.poll()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if self.thread is not None:
            self.thread.stop()
            self.thread = None
        self._timer.stop()
        super().closeEvent(event)

    # --- export ---------------------------------------------------------------------------------------------

    def export_figure(self, path: str | Path) -> Path:
        if self.grid is None:
            raise ValueError("no phase diagram to export yet")
        return save_figure(self.grid, path, title=self._title())

    def export_table(self, path: str | Path) -> Path:
        if self.grid is None:
            raise ValueError("no phase diagram to export yet")
        return save_csv(self.grid, path)

    def _title(self) -> str:
        title = ""
        if self.sweep_file is not None:
            with contextlib.suppress(OSError, tomllib.TOMLDecodeError):
                title = str(tomllib.loads(self.sweep_file.read_text(encoding="utf-8")).get("title", ""))
        return f"{title}: {METRICS[self.metric].label}" if title else METRICS[self.metric].label

    def _on_export_figure_triggered(self) -> None:
        filters = "Figures (" + " ".join(f"*{s}" for s in FIGURE_FORMATS) + ")"
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export diagram", str(self.root / "phase.png"), filters)
        if path:
            self._export(self.export_figure, path)

    def _on_export_table_triggered(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export table", str(self.root / "phase.csv"), "*.csv")
        if path:
            self._export(self.export_table, path)

    def _export(self, export, path: str) -> None:
        try:
            self.statusBar().showMessage(f"wrote {export(path)}")
        except (OSError, ValueError) as exc:
            prompts.show_error(self, "Export failed", str(exc))


def open_sweep(path: str | Path) -> PhaseWindow:
    """A phase window for a sweep's output DIR, a SWEEP.toml (results beside it) or a built-in sweep's name.

    The window is not shown; connect `runs_open_requested(list[Path])` and call `show()`.
    """
    path = Path(path)
    if path.is_dir():
        return PhaseWindow(path)
    sweep_file = builtin.find(path)
    return PhaseWindow(default_out(sweep_file), sweep_file=sweep_file)
