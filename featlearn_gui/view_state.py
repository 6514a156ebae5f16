"""What a picture shows: one frozen value, produced by a window (`MainWindow.view_state()`) or built by the command
line from run files or a comparison file, and rendered the same way by the Export… dialog and `featlearn export`.

    state = ViewState((Run("centred ReLU", history_a), Run("raw ReLU", history_b)),
                      options=ViewOptions(certificate="pre"), renderer="projected", camera=(30.0, 20.0))

Qt-free: the command line builds it before any QApplication exists.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from engine.history import RunHistory
from featlearn_gui.model import Run
from featlearn_gui.palette import CONTENTS, RENDERERS
from featlearn_gui.scene import ViewOptions

__all__ = ["COMPARISON_OPTIONS", "Run", "ViewState", "freeze", "slug"]

# A comparison draws whole paths: feature-learning neurons travel onto the teachers, lazy ones stay put.
COMPARISON_OPTIONS = {"trails": True, "trail_length": 1_000_000}


@dataclass(frozen=True)
class ViewState:
    """Everything a picture of the spheres depends on, besides its size and its step.

    runs : left to right: the app's one Run type, each holding a frozen history (see `freeze`), so that a run
        still training cannot change the picture.
    options : what the spheres draw (trails, certificate, colour, fold, ...).
    renderer : "auto" | "gl" | "projected" | "map" (resolved by featlearn_gui.views.sphere_view.resolve_renderer).
    camera : (azimuth, elevation) in degrees; None (either or both) for the view's own start, facing the teachers.
    content : "sphere" or "dashboard".
    title : the window's or the comparison's title ("" for a single run): it names the default file.
    overlay : the step, L and λ written on each sphere.
    captions : the guided tour's captions on the frames at its stops.
    """

    runs: tuple[Run, ...]
    options: ViewOptions = field(default_factory=ViewOptions)
    renderer: str = "auto"
    camera: tuple[float | None, float | None] | None = None
    content: str = "sphere"
    title: str = ""
    overlay: bool = True
    captions: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "runs", tuple(self.runs))
        if self.renderer not in RENDERERS:
            raise ValueError(f"renderer {self.renderer!r} is not one of: {', '.join(RENDERERS)}")
        if self.content not in CONTENTS:
            raise ValueError(f"content {self.content!r} is not one of: {', '.join(CONTENTS)}")

    def replace(self, **changes) -> ViewState:
        return dataclasses.replace(self, **changes)

    @property
    def file_stem(self) -> str:
        """A default file name (no extension): the title, or the single run's label, as a slug."""
        return slug(self.title or (self.runs[0].label if len(self.runs) == 1 else "") or "featlearn")


def slug(text: str) -> str:
    """'ReLU vs centred ReLU' → 'relu-vs-centred-relu': a file name without spaces or punctuation."""
    words = "".join(c if c.isalnum() else " " for c in text.lower()).split()
    return "-".join(words) or "featlearn"


def freeze(history: RunHistory, count: int | None = None) -> RunHistory:
    """A copy of the first `count` snapshots (all recorded so far by default): a picture of a run still training
    cannot see its later appends."""
    n = len(history.view()["step"]) if count is None else count
    copy = RunHistory(history.config, history.teacher, capacity=max(n, 1), dtype=history.view()["student_w"].dtype)
    for i in range(n):
        copy.append(history.snapshot(i))
    copy.lineage = history.lineage  # a branch's picture starts its story at its branch step
    return copy
