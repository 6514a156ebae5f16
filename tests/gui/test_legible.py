"""Nothing on screen hides or cuts what it labels (issue 17): plot legends sit outside the data, run headers elide
with the whole text in a tooltip, and the table's columns fit a laptop's width."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from featlearn_gui.comparisons import file as comparison
from featlearn_gui.comparisons.file import Comparison, RunEntry

from .conftest import wait_done


def _plots(win):
    for panel in win.plots.values():
        yield from panel.plots
    yield win.certificate.plot


def test_plot_legends_sit_outside_the_data(qtbot, open_window):
    win = open_window(comparison.builtin("weight-decay-vs-none"))
    qtbot.keyClick(win, Qt.Key.Key_Space)
    wait_done(qtbot, win)
    win.flush_redraws()
    QApplication.processEvents()
    # Each dock names the runs once; the span dock draws no line in d = 3, where the teachers span R^3 (it says so).
    assert all(panel.plots[0].legend.items for key, panel in win.plots.items() if key != "span")
    for plot in _plots(win):
        legend, data = plot.legend, plot.getViewBox().sceneBoundingRect()
        assert legend.isVisible() == bool(legend.items)  # an empty legend takes no room
        overlap = legend.sceneBoundingRect().intersected(data)
        assert overlap.width() <= 0 or overlap.height() <= 0, plot.getAxis("left").labelText


def test_run_headers_elide_with_the_whole_text_in_a_tooltip(qtbot, open_window):
    label = "weight decay, halved every 2,000 steps down to a floor of 1e-4, from the paper"
    win = open_window(Comparison("long names", (RunEntry(label, preset="paper"),
                                                RunEntry("none", preset="no-weight-decay"))))
    win.resize(1000, 700)
    QApplication.processEvents()
    title = win.spheres.views[0].title
    assert title.text().endswith("…") and title.text() != label
    assert title.fontMetrics().horizontalAdvance(title.text()) <= title.contentsRect().width()
    assert title.toolTip() == label
    differs = win.spheres.views[0].differs
    assert differs.fontMetrics().horizontalAdvance(differs.text()) <= differs.contentsRect().width()
    assert differs.full_text in differs.toolTip()


def test_table_columns_fit_a_laptop_width_without_scrolling(qtbot, open_window):
    win = open_window(comparison.builtin("relu-weight-decay-vs-none"))
    win.resize(1366, 740)
    qtbot.keyClick(win, Qt.Key.Key_Space)
    wait_done(qtbot, win)
    win.table.refresh()
    QApplication.processEvents()
    table = win.table
    assert table.horizontalScrollBar().maximum() == 0
    header = table.horizontalHeader()
    last = table.columnCount() - 1  # the captured masses
    assert header.sectionViewportPosition(last) + header.sectionSize(last) <= table.viewport().width()
    assert "a* = +1 -1 +1" in table.horizontalHeaderItem(last).text()  # both runs have the same teacher: said once
