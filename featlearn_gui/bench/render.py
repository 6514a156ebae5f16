"""Frame render time of the sphere view: set_frame + repaint for a synthetic run of m neurons (for `featlearn bench`).

The run is synthetic (students drifting from their initialization toward the teachers) so the benchmark measures
drawing, not training; the teacher and initialization come from the `paper` preset with the student widened to m.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from engine import presets
from engine.history import RunHistory, Snapshot
from engine.trainer import Trainer
from featlearn_gui.scene import ViewOptions


def synthetic_history(m: int, frames: int, seed: int = 0) -> RunHistory:
    """A run of `frames` snapshots whose m students move steadily from their initialization onto the teachers."""
    base = presets.load("paper")
    config = replace(base, seed=seed, student=replace(base.student, width=m))
    trainer = Trainer(config)  # the preset's teacher and a real initialization at width m
    w0, a0 = trainer.W.cpu().numpy(), trainer.a.cpu().numpy()
    teacher = trainer.teacher
    rng = np.random.default_rng(seed)
    goal = teacher.w[rng.integers(len(teacher.a), size=m)] * np.linalg.norm(w0, axis=1, keepdims=True)
    history = RunHistory(config, teacher, capacity=frames)
    for t, s in enumerate(np.linspace(0.0, 0.95, frames)):
        w = (1 - s) * w0 + s * goal + 0.01 * rng.standard_normal(w0.shape)
        history.append(Snapshot(step=t * 20, stage=0, student_w=w, student_a=a0 * (1 + s), loss=1.0 / (t + 1),
                                objective=1.0 / (t + 1), weight_decay=1e-2))
    return history


def frame_times(renderer: str, m: int = 2000, frames: int = 60, options: ViewOptions | None = None) -> dict:
    """Milliseconds per frame of SphereView.set_frame followed by a synchronous repaint, at 800 × 800 pixels.

    Parameters
    ----------
    renderer : "gl", "projected", "map" (or "auto").
    m : student width.
    frames : frames timed (after two untimed warm-up frames).
    options : view options (default: plain, no trails, arrows or certificate).

    Returns
    -------
    dict with renderer (the one in use), m, frames, mean_ms, p95_ms, max_ms; or renderer and skipped (the reason)
    when OpenGL was asked for and is not available. Needs a QApplication.
    """
    from PySide6.QtWidgets import QApplication

    from featlearn_gui.views.sphere_view import SphereView, gl_available

    app = QApplication.instance()
    if app is None:
        raise RuntimeError("frame_times needs a QApplication (create one first)")
    if renderer == "gl" and not gl_available():
        return {"renderer": "gl", "skipped": f"OpenGL is not available on platform {app.platformName()!r}"}
    options = options or ViewOptions()
    history = synthetic_history(m, frames + 2)
    view = SphereView(renderer=renderer)
    try:
        view.resize(800, 800)
        view.show()
        app.processEvents()
        times = []
        for i in range(frames + 2):
            start = time.perf_counter()
            view.set_frame(history, i, options)
            view.repaint()
            app.processEvents()
            times.append((time.perf_counter() - start) * 1e3)
        ms = np.array(times[2:])
        return {"renderer": view.renderer, "m": m, "frames": frames, "mean_ms": float(ms.mean()),
                "p95_ms": float(np.percentile(ms, 95)), "max_ms": float(ms.max())}
    finally:
        view.close()
        view.deleteLater()
        app.processEvents()
