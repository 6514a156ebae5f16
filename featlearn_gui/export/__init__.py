"""Export runs as animations (MP4, GIF, PNG frames), pictures, vector plots (SVG/PDF) and data (CSV, run file).

    job = ExportJob(out="paper.mp4", size=(800, 608), steps=(0, 4000), spacing="log")
    run_export(job, [Run("paper", history)], progress=lambda done, total: ...)

Modules: `job` (the request, validated), `frames` (which steps become frames), `render` (frames of one or more
runs side by side), `dashboard` (the loss and certificate panels), `writers` (atomic sinks), `figures`
(matplotlib plots), `data` (CSV, run file), `runner` (carries a job out), `command` (the CLI), `dialog` (the
Export… dialog), `bench` (export speed against matplotlib), `scripting` (`render_run`: the export as a function,
for scripts and notebooks).
"""

from .job import ExportCancelled, ExportError, ExportInputError, ExportJob

__all__ = ["AnimationExport", "ExportCancelled", "ExportError", "ExportInputError", "ExportJob", "Run", "render_run",
           "run_export"]


def __getattr__(name: str):
    # Lazy: `featlearn --help` imports export.command, and should not pay for Qt and pyqtgraph.
    if name == "Run":
        from .render import Run

        return Run
    if name == "render_run":  # not "render": that name is the module export/render.py
        from .scripting import render_run

        return render_run
    if name in ("AnimationExport", "run_export"):
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
