"""The loss L(θ) = ½ E_x[(f(x; θ) − f*(x))²] and its gradients (docs/theory.md §3).

`PopulationObjective` is the closed form with analytic gradients, the engine's workhorse. It stacks students and
teachers into one signed measure, c = (a_j‖w_j‖ ; −a_i*) on directions V = (ŵ_j ; w_i*), so that

    L = ½ cᵀ κ(V Vᵀ) c,
    ∂L/∂a_j = ‖w_j‖ h_j,                              h = κ(V Vᵀ) c
    ∂L/∂w_j = a_j (s_j ŵ_j + t_j),                    s = ((κ − uκ')(V Vᵀ)) c,  t = κ'(V Vᵀ)(c ⊙ V).

Only two (n × n) matrices are needed, √(1−u²) and arccos u, since κ_r − uκ_r' = √(1−u²)/2π. At recorded steps
(`precise`), where directions nearly coincide both come from the vectors by the half-angle form
(kernels.sine_and_angle), so the recorded loss of a converged run keeps its digits. For large widths
they are built in row blocks that stay in cache: the step is memory-bound otherwise.

`autograd_population_loss` and `AutogradEmpiricalObjective` are independent computations (autograd of the pairwise
kernel sum; autograd on Monte Carlo samples) used by tests and the benchmark. The loss on samples that training
uses, with analytic gradients, is `engine.empirical.EmpiricalObjective` (re-exported here).
"""

from __future__ import annotations

import numpy as np
import torch

from .empirical import EmpiricalObjective
from .kernels import COEFFICIENTS, TWO_PI, KernelCoefficients, activation_fn, kappa, sine_and_angle, unit_rows

__all__ = ["AutogradEmpiricalObjective", "AutogradPopulationObjective", "EmpiricalObjective", "PopulationObjective"]

# Rows per block: 256 rows x 5,000 columns x 4 bytes = 5 MB per matrix; small widths take one block.
BLOCK_ELEMENTS = 1 << 18
# Up to this many neurons (students + teachers) a CPU step runs in numpy: it is dispatch-bound there, and numpy
# dispatches a small-array operation about three times faster than torch (measured by `featlearn bench`).
NUMPY_MAX_NEURONS = 256


class PopulationObjective:
    """Closed-form population loss and gradients for a fixed teacher.

    Parameters
    ----------
    teacher_w : (k, d) tensor of unit teacher directions.
    teacher_a : (k,) tensor of teacher output weights a_i*.
    activation : "relu", "relu_centered" or "abs".
    """

    def __init__(self, teacher_w: torch.Tensor, teacher_a: torch.Tensor, activation: str) -> None:
        self.teacher_w = teacher_w
        self.teacher_a = teacher_a
        self.coef = COEFFICIENTS[activation]
        self.activation = activation
        self._m = -1

    def _buffers(self, m: int) -> None:
        # V and c keep the teachers in their last k rows; only the student rows change each step.
        k, d = self.teacher_w.shape
        like = self.teacher_w
        self.V = torch.empty(m + k, d, dtype=like.dtype, device=like.device)
        self.c = torch.empty(m + k, dtype=like.dtype, device=like.device)
        self.V[m:] = self.teacher_w
        self.c[m:] = -self.teacher_a
        self.use_numpy = like.device.type == "cpu" and m + k <= NUMPY_MAX_NEURONS
        self._m = m

    def value_and_grad(
        self, W: torch.Tensor, a: torch.Tensor, precise: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return (L, ∂L/∂W, ∂L/∂a) for students W (m, d), a (m,); L is a 0-d tensor on W's device.

        `precise`: nearly coincident directions get √(1−u²) and arccos u from the half-angle form (see
        `_block_sums`): a converged run's loss to ~1e-9 relative instead of ~1e-7, at about three times the cost
        of a step. The trainer asks for it at recorded steps only.
        """
        if W.shape[0] != self._m:
            self._buffers(W.shape[0])
        if self.use_numpy:  # zero-copy views: CPU tensors and numpy arrays share memory
            loss, gW, ga = _value_and_grad(
                np, W.detach().numpy(), a.detach().numpy(), self.V.numpy(), self.c.numpy(), self.coef, precise
            )
            return torch.tensor(loss, dtype=W.dtype), torch.from_numpy(gW), torch.from_numpy(ga)
        return _value_and_grad(torch, W, a, self.V, self.c, self.coef, precise)

    def loss(self, W: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """L, precisely (the value a snapshot records)."""
        return self.value_and_grad(W, a, precise=True)[0]


def _value_and_grad(lib, W, a, V, c, coef: KernelCoefficients, precise: bool = False):
    """The step's arithmetic, written once for numpy and torch (`lib`); V, c are the stacked buffers."""
    m = W.shape[0]
    r, W_hat = unit_rows(W)  # exact for tiny norms; zero-norm neurons get direction 0, not NaN
    V[:m] = W_hat
    c[:m] = a * r
    h, s, t = _contract(lib, V, c, coef, precise)
    loss = 0.5 * (c @ h)
    grad_a = r * h[:m]
    grad_W = a[:, None] * (t[:m] + s[:m, None] * W_hat)
    return loss, grad_W, grad_a


def _contract(lib, V, c, coef: KernelCoefficients, precise: bool = False):
    """h = κ(U)c, s = (κ − uκ')(U)c, t = κ'(U)(c⊙V) for U = VVᵀ, built block by block.

    With R = √(1−U²), A = arccos U and g = Vᵀc, the ReLU kernel's pieces are κ_r'(U)(c⊙V) = g/2 − A(c⊙V)/2π
    and κ_r(U)c = (Rc − rowdot(V, A(c⊙V)))/2π + Vg/2; so only Rc and A(c⊙V) need the (n × n) matrices.
    """
    alpha, beta, gamma = coef
    n = V.shape[0]
    cV = c[:, None] * V  # (n, d)
    rows = max(1, BLOCK_ELEMENTS // n)
    parts = [_block_sums(lib, V[start : start + rows], V, c, cV, precise) for start in range(0, n, rows)]
    Rc, Ac = parts[0] if len(parts) == 1 else [lib.concatenate(p) if lib is np else torch.cat(p) for p in zip(*parts)]
    g = V.T @ c  # (d,)
    scale = alpha / TWO_PI
    linear = alpha / 2 + beta  # κ's coefficient of u once the ReLU pieces are gathered
    h = linear * (V @ g) + scale * (Rc - (V * Ac).sum(-1))
    s = scale * Rc
    if gamma:
        offset = gamma * c.sum()  # an array, not a float: no device sync per step
        h = h + offset
        s = s + offset
    t = linear * g - scale * Ac  # (n, d)
    return h, s, t


def _block_sums(lib, rows, V, c, cV, precise: bool = False):
    """(√(1−U²) c, arccos(U) (c⊙V)) for the block U = rows Vᵀ, clipped against rounding past ±1.

    √((1−u)(1+u)) keeps digits that √(1−u²) loses near ±1; `precise` takes both matrices from the vectors by the
    half-angle form where directions nearly coincide (converged runs: students on their teacher)."""
    U = lib.clip(rows @ V.T, -1.0, 1.0)  # (B, n)
    if precise:
        sine, angle = sine_and_angle(rows, V, U)
        return sine @ c, angle @ cV
    return lib.sqrt((1.0 - U) * (1.0 + U)) @ c, lib.arccos(U) @ cV




def autograd_population_loss(
    W: torch.Tensor, a: torch.Tensor, teacher_w: torch.Tensor, teacher_a: torch.Tensor, activation: str
) -> torch.Tensor:
    """L = ½(aᵀGa − 2aᵀCa* + a*ᵀG*a*) from pairwise kernels, differentiable by autograd (a reference)."""
    # Cosines are kept off ±1 because d√(1−u²)/du is infinite there (autograd would give NaN).
    eps = 1e-6 if W.dtype == torch.float32 else 1e-12
    r = torch.linalg.vector_norm(W, dim=1)
    W_hat = W / r[:, None]
    eye = torch.eye(W.shape[0], dtype=torch.bool, device=W.device)
    U = torch.clamp(W_hat @ W_hat.T, -1 + eps, 1 - eps).masked_fill(eye, 0.0)
    G = (r[:, None] * r[None, :]) * torch.where(
        eye, kappa(torch.ones((), dtype=W.dtype), activation), kappa(U, activation)
    )
    C = r[:, None] * kappa(torch.clamp(W_hat @ teacher_w.T, -1 + eps, 1 - eps), activation)
    G_star = kappa(teacher_w @ teacher_w.T, activation)
    return 0.5 * (a @ G @ a - 2 * a @ C @ teacher_a + teacher_a @ G_star @ teacher_a)


class AutogradPopulationObjective:
    """The same interface as PopulationObjective, with gradients by autograd (for tests and `featlearn bench`)."""

    def __init__(self, teacher_w: torch.Tensor, teacher_a: torch.Tensor, activation: str) -> None:
        self.teacher_w, self.teacher_a, self.activation = teacher_w, teacher_a, activation

    def value_and_grad(self, W: torch.Tensor, a: torch.Tensor):
        W = W.detach().requires_grad_(True)
        a = a.detach().requires_grad_(True)
        loss = autograd_population_loss(W, a, self.teacher_w, self.teacher_a, self.activation)
        gW, ga = torch.autograd.grad(loss, (W, a))
        return loss.detach(), gW, ga

    def loss(self, W: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        return autograd_population_loss(W, a, self.teacher_w, self.teacher_a, self.activation).detach()


class AutogradEmpiricalObjective:
    """L on n fixed Gaussian samples X (n, d): ½ mean over x of (f(x) − f*(x))², gradients by autograd.

    The reference for engine.empirical's analytic gradients, and the "autograd" column of `featlearn bench`.
    """

    def __init__(self, teacher_w: torch.Tensor, teacher_a: torch.Tensor, activation: str, X: torch.Tensor) -> None:
        self.X, self.activation = X, activation
        ones = torch.ones(teacher_w.shape[0], dtype=X.dtype, device=X.device)
        self.y = activation_fn(X @ teacher_w.T, ones, activation) @ teacher_a  # (n,)

    def predict(self, W: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        norms = torch.linalg.vector_norm(W, dim=1)
        return activation_fn(self.X @ W.T, norms, self.activation) @ a

    def loss(self, W: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return 0.5 * torch.mean((self.predict(W, a) - self.y) ** 2)

    def value_and_grad(self, W: torch.Tensor, a: torch.Tensor):
        W = W.detach().requires_grad_(True)
        a = a.detach().requires_grad_(True)
        loss = 0.5 * torch.mean((self.predict(W, a) - self.y) ** 2)
        gW, ga = torch.autograd.grad(loss, (W, a))
        return loss.detach(), gW, ga


def regularizer(W: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """½(‖a‖² + ‖W‖_F²), the weight-decay penalty per unit λ."""
    return 0.5 * (torch.sum(a * a) + torch.sum(W * W))
