"""Words come from the same definitions as the pixels (issue 17): Help and the tour name the colours the sphere
paints in the current colour mode and the teacher markers it draws (folded or not), and every angle they quote is
the engine's threshold (near: CLOSE_DEG) or the certificate plot's (NEAR_PATH_DEG, 'of the path')."""

from __future__ import annotations

import dataclasses
import re

from engine.metrics import CLOSE_DEG
from featlearn_gui.plots import NEAR_PATH_DEG
from featlearn_gui.scene import COLOUR_MEANINGS, ViewOptions, build_scene


def _open_help(qtbot, window, train_to):
    train_to(window, 200)
    next(a for a in window.actions() if "looking" in a.text()).trigger()
    dialog = window.help_dialog
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.shown_step == 200)
    return dialog


def test_help_names_the_colours_and_markers_the_sphere_draws(qtbot, window, train_to):
    dialog = _open_help(qtbot, window, train_to)
    run = window.model.selected
    for options in (ViewOptions(), ViewOptions(colour="sign", fold=False)):
        window.model.options = options
        qtbot.waitUntil(lambda o=options: COLOUR_MEANINGS[o.colour] in dialog.browser.toPlainText())
        text = dialog.browser.toPlainText()
        scene = build_scene(run.history, run.index_at(200), options)
        assert all(entry in text for *_, entry in scene.legend)  # the legend's own words
        assert f"The {len(scene.teachers.positions)} large markers are the teachers" in text
        other = "sign" if options.colour == "role" else "role"
        assert COLOUR_MEANINGS[other] not in text
    assert "at ±w*" in text and len(scene.teachers.positions) == 2 * len(run.history.teacher.a)  # unfolded
    dialog.close()


def test_every_angle_in_the_help_is_a_threshold_the_pixels_use(qtbot, window, train_to):
    text = _open_help(qtbot, window, train_to).browser.toPlainText()
    quoted = re.findall(r"(?:within|more than|than) (\d+(?:\.\d+)?)° ?(of the path)?", text)
    assert quoted
    for value, of_path in quoted:
        assert float(value) == (NEAR_PATH_DEG if of_path else CLOSE_DEG), (value, of_path)
    assert f"within {NEAR_PATH_DEG:g}° of the path" in text
    assert window.certificate.students.opts["name"] == f"students within {NEAR_PATH_DEG:g}° of the path"


def test_the_tours_first_caption_names_the_colours_on_screen(qtbot, window):
    from featlearn_gui.guide import start_tour

    for colour in ("role", "sign"):
        window.model.options = dataclasses.replace(window.model.options, colour=colour)
        assert start_tour(window, "paper")
        assert COLOUR_MEANINGS[colour] in window.tour.caption.text()
        window.tour.leave()
