"""Dragging a teacher on the OpenGL globe puts it under the pointer (under Xvfb, in a subprocess like
test_sphere_gl: a GL crash must not take the test session with it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.gl

NO_GL_EXIT = 77

CHILD = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from PySide6.QtCore import QCoreApplication, QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication([])
    from engine import presets
    from engine.trainer import train
    from featlearn_gui.scene import ViewOptions
    from featlearn_gui.views.sphere_view import SphereView, gl_available

    if not gl_available():
        sys.exit(int(sys.argv[1]))
    history = train(presets.load("paper"), until=0)
    view = SphereView(renderer="gl")
    view.resize(480, 400)
    view.show()
    for _ in range(200):
        app.processEvents()
        if view.windowHandle() is not None and view.windowHandle().isExposed():
            break
    view.set_frame(history, 0, ViewOptions())
    app.processEvents()
    canvas = view._gl
    moves = []
    view.teacher_moved.connect(lambda i, u, done: moves.append((i, None if u is None else list(u), done)))
    start = canvas.screen_positions(history.teacher.w[:1])[0]
    end = start + np.array([35.0, -20.0])
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    events = [(QEvent.Type.MouseButtonPress, left, left, start)]
    events += [(QEvent.Type.MouseMove, none, left, start + (end - start) * k / 6) for k in range(1, 7)]
    events += [(QEvent.Type.MouseButtonRelease, left, none, end)]
    for kind, button, buttons, pos in events:
        point = QPointF(*pos)
        app.sendEvent(canvas, QMouseEvent(kind, point, canvas.mapToGlobal(point), button, buttons,
                                          Qt.KeyboardModifier.NoModifier))
    i, u, done = moves[-1]
    landed = canvas.screen_positions(np.array([u]))[0]
    print("RESULT " + json.dumps({"renderer": view.renderer, "count": len(moves), "teacher": i, "done": done,
                                  "error_px": float(np.hypot(*(landed - end)))}))
    """
)


def test_a_teacher_dragged_on_the_gl_globe_lands_under_the_pointer(tmp_path):
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        pytest.skip("xvfb-run is not on PATH: no display for an OpenGL context")
    script = tmp_path / "gl_drag.py"
    script.write_text(CHILD, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    command = [xvfb, "-a", "-s", "-screen 0 1280x1024x24", sys.executable, str(script), str(NO_GL_EXIT)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    if done.returncode == NO_GL_EXIT:
        pytest.skip("no OpenGL context under Xvfb")
    assert done.returncode == 0, f"GL child failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-3000:]}"
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    assert result["renderer"] == "gl" and result["teacher"] == 0 and result["done"] and result["count"] == 7
    assert result["error_px"] <= 3.0, result
