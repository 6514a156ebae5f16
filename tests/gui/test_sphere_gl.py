"""The OpenGL renderer, drawn under Xvfb in a subprocess (a GL crash must not take the test session with it).

Skipped cleanly when xvfb-run is missing or no OpenGL context can be made there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.gl

NO_GL_EXIT = 77  # the child's way of saying "no OpenGL context here"

CHILD = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import torch
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    NO_GL_EXIT = int(sys.argv[1])
    torch.set_num_threads(1)
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication([])
    from engine import presets
    from engine.config import apply_overrides
    from engine.trainer import train
    from featlearn_gui.scene import HEAT_OVER, HEAT_UNDER, NEGATIVE, POSITIVE, ViewOptions
    from featlearn_gui.views.sphere_view import SphereView, gl_available, gl_in_software, resolve_renderer

    if not gl_available():
        print("no OpenGL context on platform", app.platformName())
        sys.exit(NO_GL_EXIT)

    def has(image, rgba, tol=12):
        target = np.array(rgba[:3]) * 255
        return bool((np.abs(image[..., :3].astype(int) - target).max(axis=-1) <= tol).sum() >= 4)

    history = train(apply_overrides(presets.load("paper"), ["optim.steps=400"]))
    view = SphereView(renderer="gl")
    view.resize(480, 400)
    view.show()
    for _ in range(200):
        app.processEvents()
        if view.windowHandle() is not None and view.windowHandle().isExposed():
            break
    def garish(image):
        # Saturated red, blue, green or cyan: none of the palette's colours (the Okabe-Ito blue is (0, 114, 178)).
        # They appear when translucent pixels leave framebuffer alpha < 1 and Qt's premultiplied composition of the
        # QOpenGLWidget overflows: teacher holes turned blue/red, trails blue/green.
        r, g, b = (image[..., c].astype(int) for c in range(3))
        lo, hi = 60, 200
        return int(((r > hi) & (g < lo) & (b < lo)).sum() + ((b > hi) & (r < lo) & (g < lo)).sum()
                   + ((g > hi) & (r < lo) & (b < lo)).sum() + ((r < lo) & (g > hi) & (b > hi)).sum())

    def grabbed(widget):
        # What the screen shows: Qt composites the GL framebuffer (render_image reads it with alpha forced to 1).
        qimage = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGBA8888)
        rows = np.array(qimage.constBits(), dtype=np.uint8).reshape(qimage.height(), qimage.bytesPerLine())
        return rows[:, : 4 * qimage.width()].reshape(qimage.height(), qimage.width(), 4)

    view.set_frame(history, -1, ViewOptions(trails=True, arrows=True, colour="sign"))
    app.processEvents()
    image = view.render_image(320, 240)
    on_screen = grabbed(view._gl)
    gl_canvas, scene = view._gl, view._gl._scene
    front = np.flatnonzero(gl_canvas._visible(scene.students.positions))
    heaviest = front[-1]  # drawn last among the front ones
    at = gl_canvas.screen_positions(scene.students.positions[heaviest:heaviest + 1])[0]
    hover = gl_canvas.hover_text(*at)
    far_away = gl_canvas.hover_text(2.0, 2.0)
    x, y = np.rint(at).astype(int)
    patch = on_screen[y - 2:y + 3, x - 2:x + 3, :3].astype(int)
    student_rgb = np.array(scene.students.colors[heaviest][:3]) * 255
    where_drawn = bool((np.abs(patch - student_rgb).max(axis=-1) < 40).any())
    view.set_camera(200.0, -40.0)
    turned = view.render_image(320, 240)
    view.set_frame(history, 0, ViewOptions(certificate="live"))
    heat = view.render_image(320, 240)
    result = {
        "renderer": view.renderer,
        "shape": list(image.shape),
        "colours": int(len(np.unique(image.reshape(-1, 4), axis=0))),
        "positive": has(image, POSITIVE),
        "negative": has(image, NEGATIVE),
        "turned_differs": bool(np.abs(image.astype(int) - turned.astype(int)).mean() > 1.0),
        "heat_beyond_one": has(heat, HEAT_OVER, 30) or has(heat, HEAT_UNDER, 30),
        "garish": garish(image),
        "garish_on_screen": garish(on_screen),
        "on_screen_signs": has(on_screen, POSITIVE) and has(on_screen, NEGATIVE),
        "hover": hover,
        "hover_off": far_away,
        "where_drawn": where_drawn,
        "in_software": gl_in_software(),
        "auto": resolve_renderer("auto"),
    }
    view.close()
    print("RESULT", json.dumps(result))
    """
)


def test_gl_view_renders_teachers_and_students_under_xvfb(tmp_path):
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        pytest.skip("xvfb-run is not on PATH: no display for an OpenGL context")
    script = tmp_path / "gl_child.py"
    script.write_text(CHILD, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    command = [xvfb, "-a", "-s", "-screen 0 1280x1024x24", sys.executable, str(script), str(NO_GL_EXIT)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    if done.returncode == NO_GL_EXIT:
        pytest.skip(f"no OpenGL context under Xvfb: {done.stdout.strip()}")
    assert done.returncode == 0, f"GL child failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-3000:]}"
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    assert result["renderer"] == "gl"
    assert result["shape"] == [240, 320, 4]
    assert result["colours"] > 50, "the GL image is blank"
    assert result["positive"] and result["negative"], "teacher and student colours are missing"
    assert result["turned_differs"], "turning the camera did not change the picture"
    assert result["heat_beyond_one"], "the certificate's |η| > 1 regions are not visible"
    # Teacher ring holes are white and trails carry the students' colours, on screen too (not position-like garbage).
    assert result["garish"] == 0 and result["garish_on_screen"] == 0, f"wrong-coloured pixels: {result}"
    assert result["on_screen_signs"], "the on-screen GL picture lacks the sign colours"
    assert "Error while drawing item" not in done.stdout + done.stderr
    assert result["hover"].startswith("neuron ") and "‖w‖" in result["hover"], result["hover"]
    assert result["hover_off"] == ""
    assert result["where_drawn"], "the hover's screen positions are not where GL draws the students"
    # Xvfb has no GPU: Mesa draws on the CPU (~90 ms a frame), so "auto" takes the projected renderer, "gl" GL.
    assert result["in_software"] and result["auto"] == "projected"
