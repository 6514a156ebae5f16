"""An adaptive sweep's phase diagram as a publication figure (matplotlib: SVG, PDF or PNG) and its sampled points
as a CSV table. Qt-free. Draws what the window's BoundaryView draws: the metric at the sampled points with the
threshold and the crossings (one axis), or the interpolated map with the points and the boundary curve (two)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from engine.sweep import boundary
from engine.sweep.grid import Sweep

from ..export.writers import atomic_file
from .boundary_view import COLOURS, THRESHOLD_COLOUR, combo_label
from .phase_figure import FIGURE_FORMATS


def boundary_figure(sweep: Sweep, rows: list[dict], combo: int = 0, title: str = "") -> Figure:
    intervals = boundary.interval_axes(sweep)
    metric, threshold = sweep.adaptive.metric, sweep.adaptive.threshold
    fig = Figure(figsize=(6.4, 4.2), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    samples = boundary.samples(sweep, rows)
    if len(intervals) == 1:
        axis = intervals[0]
        ax.axhline(threshold, color=THRESHOLD_COLOUR, linestyle="--", linewidth=1, label=f"threshold {threshold:g}")
        for c, s in enumerate(samples):
            colour = COLOURS[c % len(COLOURS)]
            ax.plot(s.values[:, 0], s.mean, "o-", color=colour, markersize=4, label=combo_label(s.combo))
            for row in boundary.crossings(sweep, s):
                ax.axvline(row["boundary"], color=colour, linestyle=":", linewidth=1.2)
        ax.set_xscale("log" if axis.interval.scale == "log" else "linear")
        ax.set_xlabel(axis.key)
        ax.set_ylabel(f"{metric} (mean over seeds)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)  # beside the data
    else:
        s = samples[combo]
        gx, gy, z = boundary.unit_map(sweep, s)
        ax_x, ax_y = intervals
        xs = [ax_x.interval.from_unit(u) for u in gx]
        ys = [ax_y.interval.from_unit(u) for u in gy]
        mesh = ax.pcolormesh(xs, ys, np.ma.masked_invalid(z), cmap="viridis", shading="nearest")
        fig.colorbar(mesh, ax=ax, label=f"{metric} (mean over seeds, interpolated)")
        for line in boundary.curves(sweep, s):
            ax.plot(line[:, 0], line[:, 1], color="#d62728", linewidth=1.8)
        above = s.mean >= threshold
        ax.scatter(s.values[:, 0], s.values[:, 1], c=np.where(above, "black", "white"), edgecolors="black", s=18)
        ax.set_xscale("log" if ax_x.interval.scale == "log" else "linear")
        ax.set_yscale("log" if ax_y.interval.scale == "log" else "linear")
        ax.set_xlabel(ax_x.key)
        ax.set_ylabel(ax_y.key)
        title = f"{title} ({combo_label(s.combo)})" if s.combo else title
    ax.set_title(title or f"{metric}: boundary at {threshold:g}", fontsize=10)
    return fig


def save_boundary_figure(sweep: Sweep, rows: list[dict], path: str | Path, combo: int = 0, title: str = "") -> Path:
    path = Path(path)
    if path.suffix.lower() not in FIGURE_FORMATS:
        raise ValueError(f"{path.name}: a phase diagram is saved as {', '.join(FIGURE_FORMATS)}")
    fig = boundary_figure(sweep, rows, combo, title)
    with atomic_file(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lower().lstrip("."), dpi=150)
    return path


def samples_csv(sweep: Sweep, rows: list[dict]) -> str:
    """One line per sampled point: its list and interval axis values, the mean metric and the runs averaged."""
    lists = [a.key for a in boundary.list_axes(sweep)]
    intervals = [a.key for a in boundary.interval_axes(sweep)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*lists, *intervals, sweep.adaptive.metric, "runs_counted"])
    for s in boundary.samples(sweep, rows):
        for values, mean, runs in zip(s.values, s.mean, s.runs):
            writer.writerow([*s.combo.values(), *map(repr, map(float, values)), repr(float(mean)), int(runs)])
    return out.getvalue()


def save_samples_csv(sweep: Sweep, rows: list[dict], path: str | Path) -> Path:
    path = Path(path)
    with atomic_file(path) as tmp:
        tmp.write_text(samples_csv(sweep, rows), encoding="utf-8")
    return path
