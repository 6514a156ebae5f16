"""The phase diagram as a publication figure (matplotlib: SVG, PDF or PNG) and as a CSV table. Qt-free.

matplotlib's object API (no pyplot): no global state, no GUI backend. Each cell shows its value and, below it,
the number of runs it is over (and its diverged and failed runs, framed in their colour); empty cells are grey.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from engine.sweep.phase import METRICS, PhaseGrid

from ..export.writers import atomic_file

FIGURE_FORMATS = (".svg", ".pdf", ".png")
# The frame colours of cells with diverged or failed runs (the window's heat map and key use them too).
TROUBLE_COLOURS = {"diverged": "#ff9f1c", "failed": "#e63946"}


def shown_values(grid: PhaseGrid) -> tuple[np.ndarray, bool]:
    """The values to colour, and whether on a log scale: zeros of a log metric (no far mass at all) are drawn at
    a tenth of the smallest positive value, so they read as "lowest", not as "no data"."""
    metric = METRICS[grid.metric]
    value = grid.value.astype(float)
    finite = value[np.isfinite(value)]
    positive = finite[finite > 0]
    if not (metric.log and len(positive)):
        return value, False
    floor = positive.min() / 10
    return np.where(np.isfinite(value), np.maximum(value, floor), np.nan), True


def _norm(grid: PhaseGrid, shown: np.ndarray, log: bool) -> Normalize:
    if METRICS[grid.metric].how == "fraction":
        return Normalize(0.0, 1.0)
    finite = shown[np.isfinite(shown)]
    lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    if log:
        return LogNorm(lo, hi if hi > lo else lo * 10)
    return Normalize(lo, hi if hi > lo else lo + 1.0)


def phase_figure(grid: PhaseGrid, title: str = "") -> Figure:
    metric = METRICS[grid.metric]
    ny, nx = grid.value.shape
    fig = Figure(figsize=(1.8 + 1.15 * nx, 1.4 + 0.75 * max(ny, 2)), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    shown, log = shown_values(grid)
    norm = _norm(grid, shown, log)
    image = ax.imshow(np.ma.masked_invalid(shown), origin="lower", cmap="viridis", norm=norm, aspect="auto")
    ax.set_facecolor("#dddddd")
    for iy, ix in np.ndindex(grid.value.shape):
        dark = bool(np.isfinite(shown[iy, ix]) and norm(shown[iy, ix]) < 0.6)
        label = grid.cell_label(iy, ix)
        ax.text(ix, iy, label, ha="center", va="center", fontsize=8, color="white" if dark else "black")
        trouble = grid.trouble(iy, ix)
        if trouble:  # framed as in the window: runs of this cell diverged or failed
            ax.add_patch(Rectangle((ix - 0.46, iy - 0.46), 0.92, 0.92, fill=False, linestyle="--", linewidth=1.5,
                                   edgecolor=TROUBLE_COLOURS[trouble]))
    ax.set_xticks(range(nx), [_tick(v) for v in grid.x_values])
    ax.set_yticks(range(ny), [_tick(v) for v in grid.y_values] if grid.y else [""])
    ax.set_xlabel(grid.x)
    ax.set_ylabel(grid.y or "")
    fig.colorbar(image, ax=ax, label=f"{metric.label}\n({metric.units})")
    ax.set_title(title or metric.label, fontsize=10)
    return fig


def _tick(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def save_figure(grid: PhaseGrid, path: str | Path, title: str = "") -> Path:
    """Write the diagram to .svg, .pdf or .png, atomically."""
    path = Path(path)
    if path.suffix.lower() not in FIGURE_FORMATS:
        raise ValueError(f"{path.name}: a phase diagram is saved as {', '.join(FIGURE_FORMATS)}")
    fig = phase_figure(grid, title)
    with atomic_file(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lower().lstrip("."), dpi=150)
    return path


def grid_csv(grid: PhaseGrid) -> str:
    """One line per cell: the two axis values, the metric, and the cell's run counts."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([grid.x, grid.y or "y", grid.metric, "runs_counted", "runs_finished", "runs_failed"])
    for iy, ix in np.ndindex(grid.value.shape):
        value = grid.value[iy, ix]
        writer.writerow(
            [
                grid.x_values[ix],
                "" if grid.y is None else grid.y_values[iy],
                "" if np.isnan(value) else repr(float(value)),
                grid.count[iy, ix],
                grid.finished[iy, ix],
                grid.failed[iy, ix],
            ]
        )
    return out.getvalue()


def save_csv(grid: PhaseGrid, path: str | Path) -> Path:
    path = Path(path)
    with atomic_file(path) as tmp:
        tmp.write_text(grid_csv(grid), encoding="utf-8")
    return path
