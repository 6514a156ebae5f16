"""The initial state of a run: teacher, student initialization and samples, drawn on the CPU from the seed in float64.

Drawing on the CPU and only then casting and moving makes a CUDA run start from exactly the state a CPU run
starts from, and float32 from the rounded float64 state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .config import ConfigError, RunConfig

if TYPE_CHECKING:  # torch loads only where a run is drawn: `featlearn info` and `presets` never import it
    import torch


@dataclass(frozen=True)
class Teacher:
    """Unit directions w_i* (k, d) and output weights a_i* (k,), as float64 numpy arrays."""

    w: np.ndarray
    a: np.ndarray


def angle_matrix_deg(u: np.ndarray, v: np.ndarray, modulo_sign: bool) -> np.ndarray:
    """Angles in degrees between the rows of unit-vector arrays u (m, d) and v (k, d); modulo ± if asked."""
    cos = u @ v.T
    if modulo_sign:
        cos = np.abs(cos)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def unit_rows_exact(w: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length without overflow or underflow: [1e308, 1e308] and [1e-320, 0] both work."""
    w = w / np.max(np.abs(w), axis=1, keepdims=True)  # entries in [-1, 1] first, so squaring cannot overflow
    return w / np.linalg.norm(w, axis=1, keepdims=True)


def make_teacher(cfg: RunConfig, gen: torch.Generator) -> Teacher:
    t = cfg.teacher
    a = np.array(cfg.teacher_signs(), dtype=np.float64) * np.array(cfg.teacher_weights(), dtype=np.float64)
    if t.directions:
        return Teacher(unit_rows_exact(np.array(t.directions, dtype=np.float64)), a)
    return Teacher(_random_directions(cfg, gen), a)


def _random_directions(cfg: RunConfig, gen: torch.Generator, tries: int = 10_000) -> np.ndarray:
    """k uniform directions, pairwise at least min_angle_deg apart (modulo ± for even σ), by rejection."""
    import torch

    t = cfg.teacher
    chosen: list[np.ndarray] = []
    for _ in range(tries):
        v = torch.randn(t.dim, generator=gen, dtype=torch.float64).numpy()
        v /= np.linalg.norm(v)
        if all(angle_matrix_deg(v[None], c[None], cfg.is_even)[0, 0] >= t.min_angle_deg for c in chosen):
            chosen.append(v)
            if len(chosen) == t.width:
                return np.stack(chosen)
    raise ConfigError(
        f"teacher.min_angle_deg = {t.min_angle_deg:g} is not allowed: could not place {t.width} random directions "
        f"that far apart in dimension {t.dim}; lower it, or give teacher.directions"
    )


def init_student(cfg: RunConfig, gen: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Initial (W (m, d), a (m,)) as float64 arrays.

    balanced: random directions, ‖w_j‖ = init_scale, |a_j| = output_scale (init_scale if 0), random signs.
    symmetric (and three_stage): pairs (a, w), (−a, w), so the network starts as f ≡ 0; three_stage uses
    |a_j| = 1/√m as in docs/theory.md §5.
    """
    import torch

    s, d = cfg.student, cfg.teacher.dim
    m = s.width
    out_scale = s.output_scale or s.init_scale
    symmetric = s.init == "symmetric" or cfg.optim.mode == "three_stage"
    if cfg.optim.mode == "three_stage":
        out_scale = 1.0 / math.sqrt(m)
    n_dirs = m // 2 if symmetric else m
    dirs = torch.randn(n_dirs, d, generator=gen, dtype=torch.float64).numpy()
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    signs = torch.randint(0, 2, (n_dirs,), generator=gen).numpy() * 2.0 - 1.0
    if symmetric:
        dirs = np.repeat(dirs, 2, axis=0)
        signs = np.repeat(signs, 2) * np.tile([1.0, -1.0], n_dirs)
    return s.init_scale * dirs, out_scale * signs


def draw_samples(cfg: RunConfig, gen: torch.Generator) -> np.ndarray:
    """n standard Gaussian inputs (n, d) for the empirical loss."""
    import torch

    return torch.randn(cfg.loss.samples, cfg.teacher.dim, generator=gen, dtype=torch.float64).numpy()


def resolve_device(name: str) -> torch.device:
    """'auto' → cuda when available, else cpu; 'cuda' without a GPU is a ConfigError."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device = 'cuda' is not allowed: no CUDA device is available here; use 'auto' or 'cpu'")
    return torch.device(name)
