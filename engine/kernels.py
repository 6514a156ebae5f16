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
import sys
from typing import NamedTuple

import numpy as np

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


def _lib(u):
    """torch for a tensor, numpy otherwise. This module never imports torch: where torch is not loaded nothing is
    a tensor, and the app's window, which draws numpy snapshots, runs without it."""
    torch = sys.modules.get("torch")
    return torch if torch is not None and isinstance(u, torch.Tensor) else np


def _clip(u):
    # Rounding gives cosines like 1.0000000000000002 on the diagonal, and arccos of that is NaN.
    lib = _lib(u)
    return np.clip(u, -1.0, 1.0) if lib is np else lib.clamp(u, -1.0, 1.0)


def kappa(u, activation: str):
    """κ(u) = E[σ(ŵᵀx)σ(v̂ᵀx)] for unit vectors with cosine u.

    From a cosine alone, √(1−u²) is taken as √((1−u)(1+u)), which keeps the digits 1 − u*u loses near ±1; the
    vectors themselves say more there (`sine_and_angle`, used by the objective and `pair_kernel`).
    """
    lib, u = _lib(u), _clip(u)
    alpha, beta, gamma = COEFFICIENTS[activation]
    relu = (lib.sqrt((1.0 - u) * (1.0 + u)) + (math.pi - lib.arccos(u)) * u) / TWO_PI
    return alpha * relu + beta * u + gamma


def kappa_from_parts(u, sine, angle, activation: str):
    """κ(u) given √(1−u²) (`sine`) and arccos u (`angle`) computed elsewhere, e.g. by `sine_and_angle`."""
    alpha, beta, gamma = COEFFICIENTS[activation]
    return alpha * (sine + (math.pi - angle) * u) / TWO_PI + beta * u + gamma


# Above this |cosine| the Gram entry û·v̂ has lost the digits that √(1−u²) and arccos u need (1 − u is below
# 1e-3, so ~3 of 16 digits are gone, and all of them for u within 1e-16 of ±1): take them from û − v̂ instead.
NEAR = 0.999


def sine_and_angle(rows, V, U):
    """(√(1−U²), arccos U) for U = rows Vᵀ of unit rows, to float64's precision even when rows nearly coincide.

    Where |u| > NEAR they come from the vectors by the half-angle form: with D = ‖û−v̂‖ and S = ‖û+v̂‖,
    arccos u = 2·atan2(D, S) and √(1−u²) = sin θ = 2DS / (D² + S²), both exact to rounding at u = ±1.
    """
    lib = _lib(U)
    sine, angle = lib.sqrt((1.0 - U) * (1.0 + U)), lib.arccos(U)
    near = lib.abs(U) > NEAR
    i, j = np.nonzero(near) if lib is np else lib.nonzero(near, as_tuple=True)
    if len(i):
        x, y = rows[i], V[j]
        D, S = _norm(lib, x - y), _norm(lib, x + y)
        angle[i, j] = 2.0 * lib.arctan2(D, S)
        sine[i, j] = 2.0 * D * S / (D * D + S * S)
    return sine, angle


def _norm(lib, x):
    return lib.sqrt((x * x).sum(-1))


def unit_rows(W):
    """(‖w_j‖ (m,), ŵ_j (m, d)) for the rows of W, exact for any norm: rows are scaled by their largest entry
    first, so a neuron of norm 1e-170 (whose squares underflow to 0) still gets a unit direction. A zero row
    has norm 0 and direction 0."""
    lib = _lib(W)
    top = np.abs(W).max(-1) if lib is np else W.abs().amax(-1)
    scaled = W / lib.where(top > 0, top, 1.0)[:, None]
    n = _norm(lib, scaled)
    return top * n, scaled / lib.where(n > 0, n, 1.0)[:, None]


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
    root = np.maximum(root, 1.0 / cap) if lib is np else lib.clamp(root, min=1.0 / cap)
    return alpha / (TWO_PI * root)


def pair_kernel(w, v, activation: str):
    """K(w, v) = ‖w‖‖v‖ κ(ŵᵀv̂) for rows of w (m, d) and v (n, d) → (m, n); numpy or torch."""
    nw, wu = unit_rows(w)
    nv, vu = unit_rows(v)
    U = _clip(wu @ vu.T)
    sine, angle = sine_and_angle(wu, vu, U)
    return nw[:, None] * nv[None, :] * kappa_from_parts(U, sine, angle, activation)


def activation_fn(z, norms, activation: str):
    """σ applied to pre-activations z = xᵀw (n, m) of neurons with norms ‖w‖ (m,); torch."""
    if activation == "relu":
        return z.relu()
    if activation == "abs":
        return z.abs()
    return 0.5 * z.abs() - norms / math.sqrt(TWO_PI)
