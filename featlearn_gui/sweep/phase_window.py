"""The phase-diagram window of a sweep: a heat map of a metric over two axes, live while the sweep writes.

    window = open_sweep("out/")                 # a sweep's output directory, or a SWEEP.toml
    window.runs_open_requested.connect(main_window.open_runs)   # list[Path] of run files
    window.show()

Combo boxes choose the metric (first the sweep file's `metric`) and the two axes (other axes, e.g. seeds, are
replicates); hovering a cell shows its numbers, clicking it frames it and lists its runs by their axis values,
"Open in main window" emits their run files. The sweep's title and description head the window. An adaptive sweep
is drawn as what it is (BoundaryView: the metric against its interval axes, the points and the boundary). The
window re-reads results.csv whenever it changes (polled), so it fills in while a sweep runs, here or elsewhere.
"""

from __future__ import annotations

import contextlib
import html
import tomllib
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from engine.config import ConfigError
from engine.sweep import builtin, grid
from engine.sweep.grid import Sweep, format_value
from engine.sweep.phase import METRICS, PhaseGrid, ResultsTable, aggregate, metric_key
from engine.sweep.results import RESULTS, SWEEP_COPY
from featlearn_gui import prompts

from .boundary_figure import save_boundary_figure, save_samples_csv
from .boundary_view import COLOURS, BoundaryView, combo_label
from .heatmap import HeatMap
from .phase_figure import FIGURE_FORMATS, TROUBLE_COLOURS, save_csv, save_figure
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

    # (run files to open in the main window, a title for them, a label per run: its axis values)
    runs_open_requested = QtCore.Signal(list, str, list)

    def __init__(self, root: Path, sweep_file: Path | None = None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.root = Path(root)
        self.sweep_file = sweep_file if sweep_file is not None else self._copy_in_root()
        self.info = self._read_info()
        self.sweep: Sweep | None = None  # loaded (validated) only for an adaptive sweep, whose axes it needs
        self.table = ResultsTable(self.root, [], [])
        self.grid: PhaseGrid | None = None
        self.selected: tuple[int, int] | None = None
        self.selected_where = ""
        self.thread: SweepThread | None = None
        self._stamp: tuple[int, int] | None = None
        self.setWindowTitle(f"Phase diagram — {self.root}")
        self.resize(1000, 620)
        self._build()
        adaptive = self.info.get("adaptive")
        metric = self.info.get("metric") or (adaptive.get("metric") if isinstance(adaptive, dict) else None)
        if metric:
            self.metric_box.setCurrentIndex(self.metric_box.findData(metric_key(str(metric))))
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)
        self._timer.start()
        self.poll()

    def _copy_in_root(self) -> Path | None:
        copy = self.root / SWEEP_COPY
        return copy if copy.is_file() else None

    def _read_info(self) -> dict:
        """The sweep file's keys as written (title, description, metric, adaptive); {} without a readable one."""
        if self.sweep_file is None:
            return {}
        with contextlib.suppress(OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return tomllib.loads(self.sweep_file.read_text(encoding="utf-8"))
        return {}

    @property
    def adaptive(self) -> bool:
        return "adaptive" in self.info

    # --- layout ---------------------------------------------------------------------------------------------

    def _build(self) -> None:
        bar = self.addToolBar("phase")
        bar.setMovable(False)
        self.metric_box = QtWidgets.QComboBox()
        for key, metric in METRICS.items():
            self.metric_box.addItem(metric.label, key)
        self.x_box, self.y_box = QtWidgets.QComboBox(), QtWidgets.QComboBox()
        self._axis_actions = []  # the x and y choosers: hidden for an adaptive sweep (its axes are fixed)
        for label, box in (("metric", self.metric_box), ("x", self.x_box), ("y", self.y_box)):
            actions = [bar.addWidget(QtWidgets.QLabel(f" {label} ")), bar.addWidget(box)]
            if box is not self.metric_box:
                self._axis_actions += actions
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
        self.combo_box = QtWidgets.QComboBox()  # an adaptive sweep over two axes: which combination is mapped
        self.combo_box.currentIndexChanged.connect(self._on_choice_changed)
        self.combo_action = bar.addWidget(self.combo_box)
        self.combo_action.setVisible(False)
        self.heatmap = HeatMap()
        self.heatmap.cell_hovered.connect(self._on_cell_hovered)
        self.heatmap.cell_clicked.connect(self.select_cell)
        self.boundary_view = BoundaryView()
        self.boundary_view.point_clicked.connect(self.select_point)
        self.plots = QtWidgets.QStackedWidget()
        self.plots.addWidget(self.heatmap)
        self.plots.addWidget(self.boundary_view)
        self.key_label = QtWidgets.QLabel(self._key_text())
        self.key_label.setWordWrap(True)
        self.cell_label = QtWidgets.QLabel("Click a point to list its runs." if self.adaptive
                                           else "Click a cell to list its runs.")
        self.cell_label.setWordWrap(True)
        self.run_list = QtWidgets.QListWidget()
        self.run_list.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.run_list.itemDoubleClicked.connect(lambda item: self.open_selected())
        side = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(side)
        layout.addWidget(self.key_label)
        layout.addWidget(self.cell_label)
        layout.addWidget(self.run_list)
        split = QtWidgets.QSplitter()
        split.addWidget(self.plots)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        central = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(central)
        column.addWidget(self._header())
        column.addWidget(split, 1)
        self.setCentralWidget(central)
        if self.adaptive:
            self.plots.setCurrentWidget(self.boundary_view)
            self.metric_box.setEnabled(False)  # the metric an adaptive sweep was placed for
            for action in self._axis_actions:
                action.setVisible(False)
        self._build_status()

    def _header(self) -> QtWidgets.QLabel:
        """The sweep's title and description (what it shows), above the diagram."""
        title = str(self.info.get("title", "")) or self.root.name
        description = " ".join(str(self.info.get("description", "")).split())
        header = QtWidgets.QLabel(f"<b>{html.escape(title)}</b>" + (f"<br>{html.escape(description)}" if description
                                                                      else ""))
        header.setWordWrap(True)
        header.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header = header
        return header

    def _key_text(self) -> str:
        if self.adaptive:
            return "Filled points: at or above the threshold."
        swatch = lambda colour, text: f"<span style='color:{colour}'>&#9633;</span> {text}"  # noqa: E731
        return "Dashed frames: " + ", ".join(swatch(c, f"runs {t}") for t, c in TROUBLE_COLOURS.items()) + \
            "; a white frame: the selected cell"

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
        if self.adaptive and self.sweep is None and self.sweep_file is not None:
            try:
                self.sweep = grid.load(self.sweep_file)
            except ConfigError as exc:
                self.statusBar().showMessage(str(exc))
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
        if self.adaptive:
            self._refresh_adaptive()
            return
        x, y = self.x_box.currentText(), self.y_box.currentText()
        y_axis = None if y == NO_AXIS else y
        if not self.table.rows or not x or x == y_axis:
            self.grid = None
            self.hover_label.setText("no results yet" if not self.table.rows else "choose two different axes")
            return
        self.grid = aggregate(self.table, self.metric, x, y_axis)
        self.heatmap.set_grid(self.grid)
        if self.hover_label.text() in ("no results yet", "choose two different axes"):
            self.hover_label.setText(f"{len(self.table.rows)} runs; hover a cell for its numbers")
        if self.selected is not None:
            self.select_cell(*self.selected)

    def _refresh_adaptive(self) -> None:
        if self.sweep is None or self.sweep.adaptive is None:
            return
        two = sum(a.interval is not None for a in self.sweep.axes) == 2
        self.boundary_view.set_data(self.sweep, self.table.rows, max(0, self.combo_box.currentIndex()))
        combos = [combo_label(s.combo) for s in self.boundary_view.samples]
        if two and [self.combo_box.itemText(i) for i in range(self.combo_box.count())] != combos:
            self.combo_box.blockSignals(True)
            self.combo_box.clear()
            self.combo_box.addItems(combos)
            self.combo_box.blockSignals(False)
        self.combo_action.setVisible(two and len(combos) > 1)
        if not two:
            self.key_label.setText(self._adaptive_key())
        a = self.sweep.adaptive
        self.hover_label.setText(f"{len(self.table.rows)} runs; boundary where {a.metric} crosses {a.threshold:g}")

    def _adaptive_key(self) -> str:
        lines = []
        for c, (s, found) in enumerate(zip(self.boundary_view.samples, self.boundary_view.crossings)):
            where = "; ".join(f"{format_value(r['boundary'])} ({r['direction']})" for r in found) or "no crossing yet"
            colour = COLOURS[c % len(COLOURS)]
            lines.append(f"<span style='color:{colour}'>&#9679;</span> {html.escape(combo_label(s.combo))}: "
                         f"boundary {where}")
        return "<br>".join(lines)
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
        self.heatmap.select(self.selected)
        self.cell_label.setText(self.grid.cell_text(iy, ix))
        rows = {r["config_hash"]: r for r in self.table.rows}
        shown = [a for a in self.table.axes if a not in (self.grid.x, self.grid.y)]
        self._list_runs([rows[h] for h in self.grid.hashes[iy][ix]], shown, self.grid.where(iy, ix))

    def select_point(self, combo: int, key: tuple) -> None:
        """List the runs of an adaptive sweep's sampled point (what clicking it does)."""
        if self.sweep is None:
            return
        intervals = [a.key for a in self.sweep.axes if a.interval is not None]
        s = self.boundary_view.samples[combo]
        wanted = {**{k: format_value(v) for k, v in s.combo.items()},
                  **{k: format_value(float(v)) for k, v in zip(intervals, key)}}
        runs = [r for r in self.table.rows if all(format_value(r.get(k)) == v for k, v in wanted.items())]
        where = ", ".join(f"{k} = {v}" for k, v in wanted.items())
        self.cell_label.setText(f"{where}\n{len(runs)} runs")
        self._list_runs(runs, [a for a in self.table.axes if a not in wanted], where)
        if len(intervals) == 1:
            self.boundary_view.select(self.sweep.axes[[a.key for a in self.sweep.axes].index(intervals[0])]
                                      .interval.to_unit(key[0]), float(s.mean[[tuple(v) for v in s.values].index(key)]))

    def _list_runs(self, rows: list[dict], shown: list[str], where: str) -> None:
        """The runs of a cell or point, each named by the axis values that tell them apart (hash in a tooltip)."""
        self.selected_where = where
        self.run_list.clear()
        for row in rows:
            name = ", ".join(f"{a} = {format_value(row[a])}" for a in shown) or "run"
            extra = f"recovered {row['recovered']}" if row["status"] != "failed" else row["message"]
            item = QtWidgets.QListWidgetItem(f"{name}  ({row['status']}; {extra})")
            item.setToolTip(f"{row['config_hash']}\n{where}, {name}")
            path = self.table.run_path(row["config_hash"])
            item.setData(QtCore.Qt.ItemDataRole.UserRole, str(path))
            item.setData(QtCore.Qt.ItemDataRole.UserRole + 1, name)
            if not path.is_file():
                item.setFlags(item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEnabled)
            self.run_list.addItem(item)
        self.open_action.setEnabled(bool(self.cell_paths()))

    def _chosen_items(self) -> list[QtWidgets.QListWidgetItem]:
        """The selected list entries with a run file, or every such entry of the cell when none is selected."""
        items = self.run_list.selectedItems() or [self.run_list.item(i) for i in range(self.run_list.count())]
        return [item for item in items if Path(item.data(QtCore.Qt.ItemDataRole.UserRole)).is_file()]

    def cell_paths(self) -> list[Path]:
        """Run files of the selected list entries, or of the whole selected cell when none is selected."""
        return [Path(item.data(QtCore.Qt.ItemDataRole.UserRole)) for item in self._chosen_items()]

    def open_selected(self) -> None:
        items = self._chosen_items()
        if items:
            title = str(self.info.get("title", "")) or self.root.name
            self.runs_open_requested.emit(
                [Path(item.data(QtCore.Qt.ItemDataRole.UserRole)) for item in items],
                f"{title}: {self.selected_where}",
                [item.data(QtCore.Qt.ItemDataRole.UserRole + 1) for item in items],
            )

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
        if self.adaptive and self.sweep is not None and self.table.rows:
            combo = max(0, self.combo_box.currentIndex())
            return save_boundary_figure(self.sweep, self.table.rows, path, combo, str(self.info.get("title", "")))
        if self.grid is None:
            raise ValueError("no phase diagram to export yet")
        return save_figure(self.grid, path, title=self._title())

    def export_table(self, path: str | Path) -> Path:
        if self.adaptive and self.sweep is not None and self.table.rows:
            return save_samples_csv(self.sweep, self.table.rows, path)
        if self.grid is None:
            raise ValueError("no phase diagram to export yet")
        return save_csv(self.grid, path)

    def _title(self) -> str:
        title = str(self.info.get("title", ""))
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
