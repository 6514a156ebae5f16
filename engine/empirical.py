"""The loss on samples, L̂ = ½ mean over x of (f(x; θ) − f*(x))², with analytic gradients.

Every activation is σ(w; x) = p·φ(wᵀx) + q(w) with φ = relu or |·|, p ∈ {1, ½} and q(w) = −‖w‖/√(2π) only for the
centred ReLU. With Z = X Wᵀ, P = φ(Z) and the residual ρ = p·P a + qᵀa − y (one entry per sample),

    L̂      = ½ ρᵀρ / n,
    ∂L̂/∂a  = (p·Pᵀρ + q Σρ) / n,
    ∂L̂/∂W  = a ⊙ (p·(φ'(Z) ⊙ ρ)ᵀ X + q'(w) Σρ) / n,       q'(w) = −ŵ/√(2π).

Because φ is 1-homogeneous, Pᵀρ = rowdot(W, φ'(Z)ᵀ(ρ ⊙ X)): one (B × m) product serves both gradients. The
(n × m) matrices are never formed whole: samples are taken in row blocks of about BLOCK_ELEMENTS entries,
so memory stays bounded at any n and the blocks stay in cache (autograd allocates and faults in fresh n × m
buffers every step, which is where its time goes). φ'(0) is 0, the convention autograd uses, so both agree.

`AutogradEmpiricalObjective` (engine.objective) computes the same loss by autograd; the tests compare the two.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .kernels import TWO_PI, unit_rows

# Entries (rows x neurons) per block on the CPU: 2^16 float64 = 512 KiB stays in L2. Measured at n = 20,000,
# m = 50: blocks of 2^15 to 2^18 entries ran within 20 % of each other, whole (2^20) 3-5x slower. A GPU wants
# few large launches instead.
BLOCK_ELEMENTS = 1 << 16
BLOCK_ELEMENTS_CUDA = 1 << 24
# Up to this many entries (samples x neurons), and products of fewer multiply-adds, a CPU step runs in numpy: it
# dispatches small operations faster (measured at n = 200, m = 50: 11,000 steps/s against torch's 4,500).
# Not beyond: numpy's OpenBLAS starts threads for a matrix-vector product of >= 9,216 entries and a matrix
# product of >= 2^18 multiply-adds, whatever torch.set_num_threads says, and with the other cores busy that made
# steps up to 40x slower.
NUMPY_MAX_ENTRIES = 8192
NUMPY_MAX_FLOPS = 1 << 18
# "numpy" or "torch" overrides that choice (tests compare the two paths; the benchmark measures them).
FORCE_BACKEND: str | None = None
INV_SQRT_2PI = 1.0 / math.sqrt(TWO_PI)


def _scale(activation: str) -> float:
    """p of σ = p·φ + q: ½ for the centred ReLU (|z|/2 − ‖w‖/√(2π)), 1 otherwise."""
    return 0.5 if activation == "relu_centered" else 1.0


def _phi(lib, Z, activation: str):
    if activation != "relu":
        return lib.abs(Z)
    return torch.relu(Z) if lib is torch else np.maximum(Z, 0.0)


def _phi_prime_(lib, Z, activation: str):
    """φ'(Z), overwriting Z where that is faster (torch in place; numpy's in-place sign is 10x slower)."""
    # sign(0) = 0 and (0 > 0) = False: the zero subgradient, as autograd takes it.
    if lib is torch:
        return Z.sign_() if activation != "relu" else Z.gt_(0.0)
    return np.sign(Z) if activation != "relu" else np.greater(Z, 0.0, out=Z)


def _offsets(lib, W, activation: str):
    """(q (m,), ŵ (m, d)): the per-neuron constant of σ and the unit directions (0 for a dead neuron)."""
    r, W_hat = unit_rows(W)  # exact for tiny norms (a norm of 1e-170 squares to 0)
    q = -INV_SQRT_2PI * r if activation == "relu_centered" else 0.0 * r
    return q, W_hat


def _rows(n: int, m: int, device_type: str) -> int:
    budget = BLOCK_ELEMENTS_CUDA if device_type == "cuda" else BLOCK_ELEMENTS
    return max(1, min(n, budget // max(m, 1)))


def teacher_outputs(X: torch.Tensor, teacher_w: torch.Tensor, teacher_a: torch.Tensor, activation: str):
    """f*(x) for the rows of X (n,), block by block so that no (n × k) matrix is formed whole."""
    q, _ = _offsets(torch, teacher_w, activation)
    p, rows = _scale(activation), _rows(len(X), teacher_w.shape[0], X.device.type)
    out = torch.empty(len(X), dtype=X.dtype, device=X.device)
    for start in range(0, len(X), rows):
        P = _phi(torch, X[start : start + rows] @ teacher_w.T, activation)
        out[start : start + rows] = p * (P @ teacher_a) + q @ teacher_a
    return out


def sample_value_and_grad(lib, X, y, W, a, activation: str, rows: int):
    """(L̂, ∂L̂/∂W, ∂L̂/∂a) on samples X (n, d) with targets y (n,); numpy arrays or torch tensors (`lib`).

    Per block only Z = X Wᵀ, φ(Z) and φ'(Z) are (B × m): φ is 1-homogeneous, φ(z) = z φ'(z), so Pᵀρ needs no
    pass of its own, (Pᵀρ)_j = w_j · G_j with G = φ'(Z)ᵀ(ρ ⊙ X), the same G that ∂L̂/∂W needs.
    """
    n = X.shape[0]
    p = _scale(activation)
    q, W_hat = _offsets(lib, W, activation)
    WT = W.T.contiguous() if lib is torch else np.ascontiguousarray(W.T)  # a strided Wᵀ makes the product 2x slower
    base = q @ a  # Σ_j a_j q_j: the same for every sample
    sq = res_sum = 0.0
    GT = lib.zeros_like(WT)  # Gᵀ (d, m): (ρ ⊙ X)ᵀ φ'(Z) runs about 1.5x faster than φ'(Z)ᵀ (ρ ⊙ X)
    for start in range(0, n, rows):
        Xb = X[start : start + rows]
        Z = Xb @ WT  # (B, m)
        res = p * (_phi(lib, Z, activation) @ a) + (base - y[start : start + rows])  # (B,)
        sq = sq + res @ res
        res_sum = res_sum + res.sum()
        GT += (Xb * res[:, None]).T @ _phi_prime_(lib, Z, activation)
    G = GT.T
    grad_a = (p * (W * G).sum(-1) + q * res_sum) / n
    if activation == "relu_centered":
        G = p * G - (INV_SQRT_2PI * res_sum) * W_hat
    return 0.5 * sq / n, a[:, None] * G / n, grad_a


class EmpiricalObjective:
    """L̂ on fixed samples X (n, d), analytic gradients, blocked over the samples.

    Parameters
    ----------
    teacher_w, teacher_a : the teacher, on X's device and dtype.
    activation : "relu", "relu_centered" or "abs".
    X : (n, d) samples; the targets y = f*(X) are computed once here.
    """

    def __init__(self, teacher_w: torch.Tensor, teacher_a: torch.Tensor, activation: str, X: torch.Tensor) -> None:
        self.teacher_w, self.teacher_a, self.activation = teacher_w, teacher_a, activation
        self.X = X
        self.y = teacher_outputs(X, teacher_w, teacher_a, activation)

    def value_and_grad(self, W: torch.Tensor, a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(L̂, ∂L̂/∂W, ∂L̂/∂a) over all n samples."""
        return samples_value_and_grad(self.X, self.y, W, a, self.activation)

    def loss(self, W: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        return self.value_and_grad(W, a)[0]


def samples_value_and_grad(
    X: torch.Tensor, y: torch.Tensor, W: torch.Tensor, a: torch.Tensor, activation: str
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """L̂ and its gradients on the samples (X, y), in numpy for small CPU problems (zero-copy views), else torch."""
    n, m = X.shape[0], W.shape[0]
    rows = _rows(n, m, X.device.type)
    if _use_numpy(X.device.type, n, m, X.shape[1]):
        args = (X.numpy(), y.numpy(), W.detach().numpy(), a.detach().numpy())
        loss, gW, ga = sample_value_and_grad(np, *args, activation, rows)
        return torch.tensor(loss, dtype=W.dtype), torch.from_numpy(gW), torch.from_numpy(ga)
    loss, gW, ga = sample_value_and_grad(torch, X, y, W, a, activation, rows)
    return torch.as_tensor(loss), gW, ga


def _use_numpy(device_type: str, n: int, m: int, d: int) -> bool:
    if device_type != "cpu" or FORCE_BACKEND is not None:
        return device_type == "cpu" and FORCE_BACKEND == "numpy"
    return n * m <= NUMPY_MAX_ENTRIES and n * m * d < NUMPY_MAX_FLOPS


def second_moments(
    X: torch.Tensor, y: torch.Tensor, W: torch.Tensor, activation: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """(FᵀF / n, Fᵀy / n) for the features F = σ(X Wᵀ): the loss as a quadratic in a, blocked over samples."""
    n, m = X.shape[0], W.shape[0]
    q, _ = _offsets(torch, W, activation)
    p, rows = _scale(activation), _rows(n, m, X.device.type)
    G = torch.zeros(m, m, dtype=W.dtype, device=W.device)
    b = torch.zeros(m, dtype=W.dtype, device=W.device)
    for start in range(0, n, rows):
        F = p * _phi(torch, X[start : start + rows] @ W.T, activation) + q
        G += F.T @ F
        b += F.T @ y[start : start + rows]
    return G / n, b / n
