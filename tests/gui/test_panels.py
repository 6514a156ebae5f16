"""Panels against the model alone: plots follow the history and the cursor, survive hundreds of repaints, and the
settings read back with types."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

from engine import presets
from engine.config import apply_overrides
from engine.metrics import neuron_metrics
from engine.trainer import train
from featlearn_gui.model import DEFAULT_SPEED, AppModel, Run
from featlearn_gui.panels._plotting import nice_ceiling, steady_range
from featlearn_gui.panels.certificate_panel import CertificatePanel
from featlearn_gui.panels.time_plot_panel import TimePlotPanel
from featlearn_gui.plots import DOCKS


def _panel_makers():
    return [lambda model, keys=keys: TimePlotPanel(model, keys) for _name, _title, keys in DOCKS] + [CertificatePanel]


def make_panels(qtbot, *histories):
    model = AppModel()
    panels = [make(model) for make in _panel_makers()]
    for panel in panels:
        qtbot.addWidget(panel)
        panel.resize(400, 260)
        panel.show()
    for i, history in enumerate(histories):
        model.runs.append(Run(f"run {i}", history, status="finished", colour=f"#00000{i}"))
    return model, panels


def test_plots_show_the_history_and_a_cursor_at_the_step_on_screen(qtbot, small_config):
    history = train(small_config())
    model, (loss, far, captured, decay, _span, certificate) = make_panels(qtbot, history)
    model.set_index(7)
    for panel in (loss, decay, far, captured, certificate):
        panel.draw_frame()
    curve = loss._curves[(0, 0)][0]
    x, y = curve.xData, curve.yData  # the data, not its log10 on screen
    np.testing.assert_array_equal(x, history.steps)
    np.testing.assert_allclose(y, history.view()["loss"])
    assert all(c.value() == 140 for p in (loss, decay, far, captured) for c in p.cursors)
    assert len(captured._curves[(0, 0)]) == 3 and len(captured._guides) == 3
    assert captured._guides[1][1].value() == -1
    assert "step 140" in certificate.plot.titleLabel.text


def test_span_plot_marks_the_stages_and_says_why_it_draws_nothing_in_three_dimensions(qtbot, small_config):
    three_stage = train(apply_overrides(presets.load("high-dim"), ["optim.steps=40", "record.every=20"]))
    model, (*_plots, span, _certificate) = make_panels(qtbot, three_stage)
    span.draw_now()
    line, ends = span._curves[(0, 0)]
    share = [neuron_metrics(s.student_w, s.student_a, three_stage.teacher, True).span_share
             for s in map(three_stage.snapshot, range(len(three_stage)))]
    np.testing.assert_allclose(line.yData, share, rtol=1e-9)
    np.testing.assert_array_equal(ends.xData, [1, 2])  # after the first large step, after the ridge fit
    assert ends.opts["pen"] is None and ends.opts["symbol"] == "o"
    assert share[0] < 0.5 < 0.99 < share[1]
    assert not span.plots[0].titleLabel.isVisible()
    model.runs[0] = Run("paper", train(small_config()), status="finished")  # d = k = 3
    span.draw_now()
    assert all(len(item.xData or []) == 0 for item in span._curves.get((0, 0), []))
    assert span.plots[0].titleLabel.isVisible() and "1 by construction" in span.plots[0].titleLabel.text


def test_metrics_table_gives_the_share_in_the_teacher_span(qtbot, small_config):
    from featlearn_gui.panels.metrics_table import MetricsTable

    high = train(apply_overrides(presets.load("high-dim"), ["optim.steps=20", "record.every=20"]))
    model = AppModel()
    model.runs.append(Run("high-dim", high, status="finished"))
    model.runs.append(Run("paper", train(small_config()), status="finished"))
    table = MetricsTable(model)
    qtbot.addWidget(table)
    last = high.snapshot(-1)
    q, _ = np.linalg.qr(high.teacher.w.T)  # the teacher span, by hand
    a = np.abs(last.student_a)
    share = np.sum(a * np.linalg.norm(last.student_w @ q, axis=1)) / np.sum(a * np.linalg.norm(last.student_w, axis=1))
    assert table.values(0)["in teacher span"] == f"{100 * share:.3g}%"
    assert table.values(1)["in teacher span"] == "1 by construction"


def test_every_plot_draws_one_curve_per_run_in_the_runs_colours(qtbot, small_config):
    short, other = train(small_config()), train(small_config("optim.lr=0.25", "optim.steps=100"))
    model, (loss, far, captured, decay, _span, _certificate) = make_panels(qtbot, short, other)
    for panel in (loss, far, captured, decay):
        panel.draw_frame()
        for p in range(len(panel.plots)):
            first, second = panel._curves[(p, 0)], panel._curves[(p, 1)]
            assert first[0].opts["pen"].color().name() == "#000000"
            assert second[0].opts["pen"].color().name() == "#000001"
    assert len(loss._curves[(0, 1)][0].xData) == len(other)  # each run its own length
    assert {item.text for _sample, item in loss.plots[0].legend.items} >= {"run 0", "run 1"}


def test_dragging_a_cursor_scrubs_to_the_nearest_recorded_step(qtbot, small_config):
    history = train(small_config())
    model, (loss, *_rest) = make_panels(qtbot, history)
    loss.cursors[0].setValue(133)
    loss.cursors[0].sigDragged.emit(loss.cursors[0])
    assert model.step == 120 and loss.cursors[0].value() == 120


def test_a_few_hundred_repaints_of_every_plot(qtbot, small_config):
    # PySide6 6.12.0 on Python 3.11 aborted after ~100 repaints; this would crash the process there.
    history = train(small_config("record.every=2"))
    model, panels = make_panels(qtbot, history)
    for frame in range(300):
        model.set_index(frame % model.count)
        for panel in panels:
            panel.draw_frame()
            panel.canvas.repaint()
    assert model.index == 299 % model.count


def test_far_mass_on_a_log_axis_never_plots_zero(qtbot, small_config):
    history = train(small_config())
    model, (_loss, far, *_rest) = make_panels(qtbot, history)
    far.draw_frame()
    y = far._curves[(0, 0)][0].yData
    assert (y > 0).all() and len(y) == len(history)


def test_settings_read_back_with_types_and_survive_bad_values(settings, tmp_path):
    from featlearn_gui.settings import Settings

    path = tmp_path / "bad.ini"
    raw = QtCore.QSettings(str(path), QtCore.QSettings.Format.IniFormat)
    raw.setValue("view/trails", "maybe")
    raw.setValue("view/trail_length", "many")
    raw.setValue("view/certificate", "sometimes")
    raw.setValue("playback/speed", 7)  # the old steps-per-frame key: dropped, not converted
    raw.setValue("experiment/last_preset", "gone")
    raw.setValue("files/recent", "{not json")
    raw.sync()
    bad = Settings(QtCore.QSettings(str(path), QtCore.QSettings.Format.IniFormat))
    options = bad.view_options()
    assert options.certificate == "off" and isinstance(options.trails, bool) and options.trail_length >= 1
    assert bad.speed() == DEFAULT_SPEED and bad.last_preset() == "paper" and bad.recent_files() == []
    bad.sync()
    assert not QtCore.QSettings(str(path), QtCore.QSettings.Format.IniFormat).contains("playback/speed")
    settings.set_view_options(options.__class__(trails=True, trail_length=12, certificate="live"))
    settings.set_speed(2000)
    assert settings.view_options().trails and settings.view_options().trail_length == 12 and settings.speed() == 2000
    settings.restore_defaults()
    assert not settings.view_options().trails and settings.speed() == DEFAULT_SPEED


def test_a_shown_panel_dies_with_its_last_reference_not_later_in_the_garbage_collector(qtbot, small_config):
    # A panel kept alive only by a reference cycle (e.g. a timer holding its bound method) stayed on screen
    # after its owner let go, until the cyclic GC destroyed it at a random moment: inside its own paint event, or
    # from the training thread. Both crash Qt ("Fatal Python error: Segmentation fault" in GraphicsView.paintEvent).
    import gc
    import weakref

    history = train(small_config())
    was_enabled = gc.isenabled()
    gc.disable()  # only reference counting may free them here
    try:
        for make in _panel_makers():
            model = AppModel()
            panel = make(model)
            panel.show()
            model.runs.append(Run("run", history, status="finished"))
            panel.draw_frame()
            qtbot.wait(20)
            ref = weakref.ref(panel)
            del panel, model
            assert ref() is None, f"{type(ref()).__name__} outlived its last reference"
    finally:
        if was_enabled:
            gc.enable()


def test_steady_ranges_hold_the_data_and_move_in_a_few_steps():
    # A loss falling over six decades, drawn 400 times: the range always shows all of it but changes a dozen times.
    current, changes = None, 0
    for hi_log, lo_log in zip(np.zeros(400), np.linspace(-0.1, -6, 400)):
        new = steady_range(lo_log, hi_log, current, log=True)
        assert new[0] <= lo_log and hi_log <= new[1]
        changes += new != current
        current = new
    assert changes <= 15
    assert steady_range(0.2, 0.9, None, log=False) == (0.2, 1.0)
    assert nice_ceiling(16000) == 20000 and nice_ceiling(20) == 20 and nice_ceiling(21) == 25


def test_while_training_flat_out_ranges_only_grow_and_left_axes_keep_their_width(qtbot, small_config):
    # Expand-only: a range that holds the data is kept however much wider it is, and a new one holds the old.
    assert steady_range(-2.0, -1.5, (-6.0, 0.0), log=True, expand_only=True) == (-6.0, 0.0)
    assert steady_range(-2.0, -1.5, (-6.0, 0.0), log=True) != (-6.0, 0.0)
    grown = steady_range(-7.2, -1.0, (-6.0, 0.0), log=True, expand_only=True)
    assert grown[0] <= -7.2 and grown[1] >= 0.0
    # A left axis reserves room for usual labels up front and does not shrink when its labels get shorter.
    history = train(small_config())
    model, panels = make_panels(qtbot, history)
    image = QtGui.QImage(8, 8, QtGui.QImage.Format.Format_ARGB32)
    for panel in panels:
        for plot in getattr(panel, "plots", None) or [panel.plot]:
            axis = plot.getAxis("left")
            width = axis.maximumWidth()
            axis.setRange(0.0, 1.0)
            axis.picture = None
            painter = QtGui.QPainter(image)
            axis.generateDrawSpecs(painter)  # measures the labels 0, 0.5, 1: narrower than the reserve
            painter.end()
            assert axis.maximumWidth() == width


def test_view_panel_edits_colour_mode_and_fold_and_settings_keep_them(qtbot, settings):
    from featlearn_gui.panels.view_options import ViewOptionsPanel

    model = AppModel()
    panel = ViewOptionsPanel(model)
    qtbot.addWidget(panel)
    assert panel.colour.currentData() == model.options.colour == "role" and panel.fold.isChecked()
    panel.colour.setCurrentIndex(panel.colour.findData("sign"))
    panel.colour.activated.emit(panel.colour.currentIndex())
    panel.fold.setChecked(False)
    assert model.options.colour == "sign" and not model.options.fold
    assert "map" in [panel.renderer.itemData(i) for i in range(panel.renderer.count())]
    settings.set_view_options(model.options)
    assert settings.view_options().colour == "sign" and not settings.view_options().fold
    settings._q.setValue("view/colour", "rainbow")
    assert settings.view_options().colour == "role"  # an unknown mode falls back to the default
