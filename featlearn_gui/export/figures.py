"""Publication figures of the plots, drawn with matplotlib from the run history (SVG, PDF or PNG).

pyqtgraph 0.14's SVG exporter fails on current Qt, so vector output comes from here. Figures use matplotlib's
object API (no pyplot): no global state, no GUI backend, safe in a worker thread. Several runs are overlaid,
one colour per run (for captured mass, one colour per teacher and one line style per run).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from engine.certificate import live_certificate, pre_certificate, teacher_path
from engine.metrics import history_metrics

from .writers import atomic_file

RUN_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
TEACHER_COLORS = ("#ff7f0e", "#17becf", "#bcbd22", "#7f7f7f", "#e377c2", "#8c564b")
RUN_STYLES = ("-", "--", ":", "-.")
SINGLE_SIZE_IN, GRID_SIZE_IN = (6.4, 4.0), (15.0, 8.6)
TINY = 1e-30


def _tag(runs: list, run) -> str:
    return f" ({run.label})" if len(runs) > 1 else ""


def plot_loss(ax, runs: list, step: int | None = None) -> None:
    for r, run in enumerate(runs):
        v = run.history.view()
        color = RUN_COLORS[r % len(RUN_COLORS)]
        ax.plot(v["step"], np.maximum(v["loss"], TINY), color=color, label=f"$L${_tag(runs, run)}")
        ax.plot(v["step"], np.maximum(v["objective"], TINY), color=color, ls="--", alpha=0.8,
                label=rf"$L_\lambda${_tag(runs, run)}")
    ax.set(yscale="log", xlabel="training step", ylabel="loss", title=r"Loss $L$ and objective $L_\lambda$")


def plot_lambda(ax, runs: list, step: int | None = None) -> None:
    for r, run in enumerate(runs):
        v = run.history.view()
        none = not np.any(v["weight_decay"] > 0)  # a log axis would silently drop it: say so in the legend
        ax.plot(v["step"], v["weight_decay"], color=RUN_COLORS[r % len(RUN_COLORS)],
                label=f"{run.label} (λ = 0)" if none else run.label)
    positive = any(np.all(run.history.view()["weight_decay"] > 0) for run in runs)
    ax.set(yscale="log" if positive else "linear", xlabel="training step", ylabel=r"weight decay $\lambda$",
           title=r"Weight decay schedule $\lambda(t)$")


def plot_far(ax, runs: list, step: int | None = None) -> None:
    twin = ax.twinx()
    twin.set_label("twin")  # make_figure leaves its legend and grid to the main axes
    for r, run in enumerate(runs):
        m = history_metrics(run.history)
        color = RUN_COLORS[r % len(RUN_COLORS)]
        ax.plot(m["step"], m["far_mass"], color=color, label=f"far mass{_tag(runs, run)}")
        twin.plot(m["step"], m["max_active_angle_deg"], color=color, ls=":", label=f"max active angle{_tag(runs, run)}")
    ax.set(xlabel="training step", ylabel=r"far mass $\sum_{far}|a_j|\,\|w_j\|$", title="Far mass and max active angle")
    twin.set_ylabel("max active angle (degrees)")
    twin.set_ylim(bottom=0)
    ax.set_ylim(bottom=0)
    lines = ax.get_lines() + twin.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], fontsize="small")


def plot_captured(ax, runs: list, step: int | None = None) -> None:
    for r, run in enumerate(runs):
        m = history_metrics(run.history)
        style = RUN_STYLES[r % len(RUN_STYLES)]
        for i in range(m["captured"].shape[1]):
            ax.plot(m["step"], m["captured"][:, i], color=TEACHER_COLORS[i % len(TEACHER_COLORS)], ls=style,
                    label=f"teacher {i + 1}{_tag(runs, run)}")
    for i, a in enumerate(runs[0].history.teacher.a):
        ax.axhline(a, color=TEACHER_COLORS[i % len(TEACHER_COLORS)], lw=0.8, alpha=0.6)
    ax.set(xlabel="training step", ylabel=r"captured mass $\sum_{j\ near\ i} a_j\|w_j\|$",
           title=r"Captured mass vs $a_i^*$ (thin lines)")


def plot_certificate(ax, runs: list, step: int | None = None) -> None:
    for r, run in enumerate(runs):
        h = run.history
        index = h.index_at_step(step) if step is not None else len(h) - 1
        snap = h.snapshot(index)
        path = teacher_path(h.teacher.w)
        x = np.degrees(path.arclength)
        activation = h.config.model.activation
        values, scaled = live_certificate(path.points, snap.student_w, snap.student_a, h.teacher, activation,
                                          snap.weight_decay)
        color = RUN_COLORS[r % len(RUN_COLORS)]
        name = r"$\eta_\lambda$" if scaled else "residual (λ = 0)"
        ax.plot(x, values, color=color, label=f"{name} at step {snap.step:,}{_tag(runs, run)}")
        if r == 0:
            pre = pre_certificate(h.teacher, activation)(path.points)
            ax.plot(x, pre, color="gray", ls="--", label="pre-certificate")
            for pos in np.degrees(path.teacher_arclength):
                ax.axvline(pos, color="k", lw=0.8, alpha=0.4)
    for y in (-1, 1):
        ax.axhline(y, color="k", ls=":", lw=0.8)
    ax.set_ylim(-2, 2)
    ax.set(xlabel="position along the path through the teachers (degrees)", ylabel=r"$\eta(u)$",
           title="Certificate along the teacher path (vertical lines: teachers)")


PLOTS = {
    "loss": plot_loss,
    "lambda": plot_lambda,
    "far": plot_far,
    "captured": plot_captured,
    "certificate": plot_certificate,
}


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
        axes = fig.subplots(2, 3).ravel()
        for ax, plot in zip(axes, PLOTS.values(), strict=False):
            plot(ax, runs, step)
        _describe(axes[-1], runs)
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
