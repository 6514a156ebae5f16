"""Export runs as animations (MP4, GIF, PNG frames), pictures, vector plots (SVG/PDF) and data (CSV, run file).

    job = ExportJob(out="paper.mp4", size=(800, 608), steps=(0, 4000), spacing="log")
    run_export(job, ViewState((Run("paper", history),)), progress=lambda done, total: ...)

An export is a picture of a frozen view state (featlearn_gui.view_state: runs, view options, renderer, camera),
produced by a window or built from the command line. Modules: `job` (the request, validated), `frames` (which
steps become frames), `render` (frames of one or more runs side by side), `dashboard` (the plots beside the
sphere), `writers` (atomic sinks), `figures` (matplotlib plots), `data` (CSV, run file), `runner` (carries a job
out), `view_args` (the view state of the command line), `command` (the CLI), `dialog` (the Export… dialog), `scripting`
(`render_run`: the export as a function, for scripts and notebooks).
"""

from .job import ExportCancelled, ExportError, ExportInputError, ExportJob

__all__ = ["AnimationExport", "ExportCancelled", "ExportError", "ExportInputError", "ExportJob", "Run", "ViewState",
           "render_run", "run_export"]


def __getattr__(name: str):
    # Lazy: `featlearn --help` imports export.command, and should not pay for Qt and pyqtgraph.
    if name in ("Run", "ViewState"):
        from featlearn_gui import view_state

        return getattr(view_state, name)
    if name == "render_run":  # not "render": that name is the module export/render.py
        from .scripting import render_run

        return render_run
    if name in ("AnimationExport", "run_export"):
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
