"""Publication figures of the plots, drawn with matplotlib from the run history (SVG, PDF or PNG).

pyqtgraph 0.14's SVG exporter fails on current Qt, so vector output comes from here. The plots are the app's own
definitions (featlearn_gui.plots) in the app's palette: one colour per line for one run; with several runs, one
colour per run (as on screen) and the lines of a run told apart by their dash. Figures use matplotlib's object API
(no pyplot): no global state, no GUI backend, safe in a worker thread.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from featlearn_gui import palette
from featlearn_gui.plots import TIME_PLOTS, RunSeries, TimePlot, certificate_curves

from .writers import atomic_file

SINGLE_SIZE_IN, GRID_SIZE_IN = (6.4, 4.0), (15.0, 8.6)
DASHES = ("-", "--", ":", "-.")


def _mathtext(label: str) -> str:
    return label.replace("L_λ", r"$L_\lambda$").replace("λ", r"$\lambda$")


def plot_time(ax, spec: TimePlot, runs: list, step: int | None = None) -> None:
    """One of the app's plots against the training step, one curve per line of each run."""
    series = [RunSeries.of(run.history) for run in runs]
    several = len(runs) > 1
    for r, (run, data) in enumerate(zip(runs, series)):
        for i, line in enumerate(spec.lines(data)):
            colour = palette.run_colour(r) if several else line.colour
            label = f"{line.label} ({run.label})" if several else line.label
            style = {"ls": "", "marker": "o", "ms": 4} if line.symbols else {
                "ls": DASHES[i % len(DASHES)] if several or line.dash else "-"}
            ax.plot(line.x, line.y, color=colour, label=_mathtext(label), **style)
    note = spec.note(series)
    if note:
        ax.text(0.5, 0.5, note, ha="center", va="center", wrap=True, fontsize="small", transform=ax.transAxes)
    for guide in spec.guides(runs[0].history):
        ax.axhline(guide.y, color=guide.colour, lw=0.8, ls=":", alpha=0.8)
    if step is not None:
        ax.axvline(step, color=palette.CURSOR, lw=0.8, ls="--")
    ax.set(yscale="log" if spec.log(series) else "linear", xlabel="training step", ylabel=_mathtext(spec.y_label),
           title=_mathtext(spec.figure_title or spec.title))


def plot_certificate(ax, runs: list, step: int | None = None) -> None:
    for r, run in enumerate(runs):
        h = run.history
        curves = certificate_curves(h, h.index_at_step(step) if step is not None else len(h) - 1)
        colour = palette.run_colour(r) if len(runs) > 1 else palette.LIVE_CERTIFICATE
        name = r"$\eta_\lambda$" if curves.scaled else "residual (λ = 0)"
        tag = f" ({run.label})" if len(runs) > 1 else ""
        ax.plot(curves.x, curves.live, color=colour, label=f"{name} at step {curves.step:,}{tag}")
        if r == 0:
            ax.plot(curves.x, curves.pre, color=palette.PRE_CERTIFICATE, ls="--", label="pre-certificate")
            for i, pos in enumerate(curves.teacher_x):
                ax.axvline(pos, color=palette.teacher_colour(i), lw=0.8, alpha=0.6)
    for y in (-1, 1):
        ax.axhline(y, color="k", ls=":", lw=0.8)
    ax.set_ylim(-2, 2)
    ax.set(xlabel="position along the path through the teachers (degrees)", ylabel=r"$\eta(u)$",
           title="Certificate along the teacher path")


PLOTS = {key: (lambda ax, runs, step=None, spec=spec: plot_time(ax, spec, runs, step))
         for key, spec in TIME_PLOTS.items()}
PLOTS["certificate"] = plot_certificate


def _describe(ax, runs: list) -> None:
    ax.axis("off")
    lines = []
    for run in runs:
        c = run.history.config
        lines.append(
            f"{run.label}: d = {c.teacher.dim}, k = {c.teacher.width}, m = {c.student.width}, "
            f"σ = {c.model.activation}, {len(run.history)} snapshots to step {int(run.history.steps[-1]):,}"
        )
    ax.text(0.0, 1.0, "\n".join(lines), va="top", ha="left", fontsize="small", wrap=True, transform=ax.transAxes)


def make_figure(runs: list, which: str = "all", step: int | None = None,
                size_px: tuple[int, int] | None = None) -> tuple[Figure, float]:
    """A matplotlib Figure of one plot (`which` in PLOTS) or of all of them, and the dpi for `size_px`."""
    base_w, base_h = GRID_SIZE_IN if which == "all" else SINGLE_SIZE_IN
    fig_h = base_w * size_px[1] / size_px[0] if size_px else base_h
    fig = Figure(figsize=(base_w, fig_h), layout="constrained")
    if which == "all":
        axes = fig.subplots(2, (len(PLOTS) + 2) // 2).ravel()
        for ax, plot in zip(axes, PLOTS.values(), strict=False):
            plot(ax, runs, step)
        for ax in axes[len(PLOTS):]:
            ax.axis("off")
        _describe(axes[len(PLOTS)], runs)
    else:
        PLOTS[which](fig.subplots(), runs, step)
    for ax in fig.axes:
        if ax.get_label() == "twin" or not ax.axison:
            continue
        if ax.get_legend() is None and ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
        ax.grid(True, alpha=0.3)
    dpi = size_px[0] / base_w if size_px else 150.0
    return fig, dpi


def write_figure(runs: list, path: Path, which: str = "all", step: int | None = None,
                 size_px: tuple[int, int] | None = None) -> Path:
    """Save the figure as SVG, PDF or PNG (by the extension of `path`), atomically."""
    path = Path(path)
    fig, dpi = make_figure(runs, which, step, size_px)
    with atomic_file(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".").lower(), dpi=dpi)
    return path
