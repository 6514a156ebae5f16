"""Live updates of a dragged teacher (for `featlearn bench`): move the teacher, recompute the pre-certificate and
its max |η| away from the teachers, and redraw the view, as one drag event does; beside an ordinary frame.

The run is the paper preset at step 0 (d = 3, k = 3, m = 50); the teacher circles around its start.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from engine import presets
from engine.trainer import train
from featlearn_gui.moved_teacher import DraftHistory, move_teacher
from featlearn_gui.scene import ViewOptions


def drag_rate(renderer: str = "projected", updates: int = 60) -> dict:
    """Updates per second of a teacher drag (move_teacher + set_frame + repaint) and of an ordinary frame with the
    pre-certificate shown, at 800 × 800 pixels. Needs a QApplication."""
    from PySide6.QtWidgets import QApplication

    from featlearn_gui.views.sphere_view import SphereView

    app = QApplication.instance()
    history = train(replace(presets.load("paper")), until=0)
    options = ViewOptions(certificate="pre")
    view = SphereView(renderer=renderer)
    start_w = history.teacher.w[1]
    side = np.cross(start_w, history.teacher.w[0])
    side /= np.linalg.norm(side)
    try:
        view.resize(800, 800)
        view.show()
        view.set_frame(history, 0, options)
        view.set_camera(*view.camera())  # as in a drag: the camera stays where it is while the teacher moves
        app.processEvents()

        def timed(update) -> tuple[float, float]:
            """(updates per wall-clock second, per CPU second of this process: the rate on an idle machine)."""
            times = []
            for i in range(updates + 2):
                start = time.perf_counter(), time.process_time()
                update(i)
                view.repaint()
                app.processEvents()
                times.append((time.perf_counter() - start[0], time.process_time() - start[1]))
            wall, cpu = np.mean(times[2:], axis=0)
            return 1.0 / float(wall), 1.0 / float(cpu)

        def drag(i: int) -> None:
            angle = 0.4 * np.sin(i / 10)
            moved = move_teacher(history, 1, np.cos(angle) * start_w + np.sin(angle) * side)
            view.set_frame(DraftHistory(history, moved), 0, options)

        def frame(i: int) -> None:
            view.set_frame(history, 0, replace(options, trails=bool(i % 2)))  # a change, so the frame is rebuilt

        (drag_per_s, drag_cpu), (frame_per_s, frame_cpu) = timed(drag), timed(frame)
        return {"renderer": view.renderer, "drag_updates_per_s": drag_per_s, "frames_per_s": frame_per_s,
                "ratio": drag_per_s / frame_per_s, "drag_updates_per_cpu_s": drag_cpu, "frames_per_cpu_s": frame_cpu}
    finally:
        view.close()
        view.deleteLater()
        app.processEvents()
