"""Closed-form Gaussian kernels of the three activations (docs/theory.md §3).

For unit vectors with cosine u, E[σ(ŵᵀx) σ(v̂ᵀx)] = κ(u), x ~ N(0, I). Every activation here is an affine
transform of the ReLU kernel κ_r,

    κ(u) = α κ_r(u) + β u + γ,      κ'(u) = α κ_r'(u) + β,

with κ_r(u) = (√(1−u²) + (π − arccos u) u) / 2π and κ_r'(u) = (π − arccos u) / 2π. The objective uses that form
to evaluate all three with one arccos and one square root per pair of neurons. Functions accept numpy arrays or
torch tensors and return the same kind.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

TWO_PI = 2.0 * math.pi


class KernelCoefficients(NamedTuple):
    """κ = alpha κ_r + beta u + gamma (see the module docstring)."""

    alpha: float
    beta: float
    gamma: float


COEFFICIENTS: dict[str, KernelCoefficients] = {
    "relu": KernelCoefficients(1.0, 0.0, 0.0),
    # |z|/2 − ‖w‖/√(2π): ReLU without its Hermite degree-0 and degree-1 parts.
    "relu_centered": KernelCoefficients(1.0, -0.25, -1.0 / TWO_PI),
    # κ_abs = 4 κ_c + 2/π = 4 κ_r − u.
    "abs": KernelCoefficients(4.0, -1.0, 0.0),
}


def _clip(u):
    # Rounding gives cosines like 1.0000000000000002 on the diagonal, and arccos of that is NaN.
    return torch.clamp(u, -1.0, 1.0) if isinstance(u, torch.Tensor) else np.clip(u, -1.0, 1.0)


def _lib(u):
    return torch if isinstance(u, torch.Tensor) else np


def kappa(u, activation: str):
    """κ(u) = E[σ(ŵᵀx)σ(v̂ᵀx)] for unit vectors with cosine u."""
    lib, u = _lib(u), _clip(u)
    alpha, beta, gamma = COEFFICIENTS[activation]
    relu = (lib.sqrt(1.0 - u * u) + (math.pi - lib.arccos(u)) * u) / TWO_PI
    return alpha * relu + beta * u + gamma


def kappa_prime(u, activation: str):
    """dκ/du."""
    lib, u = _lib(u), _clip(u)
    alpha, beta, _ = COEFFICIENTS[activation]
    return alpha * (math.pi - lib.arccos(u)) / TWO_PI + beta


def kappa_second(u, activation: str, cap: float = 1e12):
    """d²κ/du² = α / (2π √(1−u²)), capped where it is infinite (u = ±1)."""
    lib, u = _lib(u), _clip(u)
    alpha = COEFFICIENTS[activation].alpha
    root = lib.sqrt(1.0 - u * u)
    root = torch.clamp(root, min=1.0 / cap) if lib is torch else np.maximum(root, 1.0 / cap)
    return alpha / (TWO_PI * root)


def pair_kernel(w, v, activation: str):
    """K(w, v) = ‖w‖‖v‖ κ(ŵᵀv̂) for rows of w (m, d) and v (n, d) → (m, n); numpy or torch."""
    lib = _lib(w)
    nw = lib.linalg.norm(w, axis=1) if lib is np else torch.linalg.norm(w, dim=1)
    nv = lib.linalg.norm(v, axis=1) if lib is np else torch.linalg.norm(v, dim=1)
    wu = w / _safe(nw)[:, None]
    vu = v / _safe(nv)[:, None]
    return nw[:, None] * nv[None, :] * kappa(wu @ vu.T, activation)


def _safe(norms):
    # A neuron of zero norm has no direction; any unit-free placeholder works because its kernel row is 0.
    if isinstance(norms, torch.Tensor):
        return torch.clamp(norms, min=torch.finfo(norms.dtype).tiny)
    return np.maximum(norms, np.finfo(norms.dtype).tiny)


def activation_fn(z, norms, activation: str):
    """σ applied to pre-activations z = xᵀw (n, m) of neurons with norms ‖w‖ (m,); torch."""
    if activation == "relu":
        return torch.relu(z)
    if activation == "abs":
        return z.abs()
    return 0.5 * z.abs() - norms / math.sqrt(TWO_PI)
