"""The loss L(θ) = ½ E_x[(f(x; θ) − f*(x))²] and its gradients (PAPER.md §4).

`PopulationObjective` is the closed form with analytic gradients, the engine's workhorse. It stacks students and
teachers into one signed measure, c = (a_j‖w_j‖ ; −a_i*) on directions V = (ŵ_j ; w_i*), so that

    L = ½ cᵀ κ(V Vᵀ) c,
    ∂L/∂a_j = ‖w_j‖ h_j,                              h = κ(V Vᵀ) c
    ∂L/∂w_j = a_j (s_j ŵ_j + t_j),                    s = ((κ − uκ')(V Vᵀ)) c,  t = κ'(V Vᵀ)(c ⊙ V).

Only two (n × n) matrices are needed, √(1−u²) and arccos u, since κ_r − uκ_r' = √(1−u²)/2π. For large widths
they are built in row blocks that stay in cache: the step is memory-bound otherwise.

`autograd_population_loss` and `EmpiricalObjective` are independent computations (autograd of the pairwise
kernel sum; Monte Carlo samples) used by tests, the benchmark and `loss.kind = "empirical"`.
"""

from __future__ import annotations

import torch

from .kernels import COEFFICIENTS, TWO_PI, activation_fn, kappa

# Rows per block: 256 rows x 5,000 columns x 4 bytes = 5 MB per matrix; small widths take one block.
BLOCK_ELEMENTS = 1 << 18


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
        self._m = m

    def value_and_grad(self, W: torch.Tensor, a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return (L, ∂L/∂W, ∂L/∂a) for students W (m, d), a (m,); L is a 0-d tensor on W's device."""
        m = W.shape[0]
        if m != self._m:
            self._buffers(m)
        r = torch.linalg.vector_norm(W, dim=1)  # (m,)
        W_hat = W / torch.clamp(r, min=torch.finfo(W.dtype).tiny)[:, None]  # zero-norm neurons: direction 0
        V, c = self.V, self.c
        V[:m] = W_hat
        torch.mul(a, r, out=c[:m])
        h, s, t = self._contract(V, c)
        loss = 0.5 * torch.dot(c, h)
        grad_a = r * h[:m]
        grad_W = a[:, None] * (s[:m, None] * W_hat + t[:m])
        return loss, grad_W, grad_a

    def loss(self, W: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        return self.value_and_grad(W, a)[0]

    def _contract(self, V: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """h = κ(U)c, s = (κ − uκ')(U)c, t = κ'(U)(c⊙V) for U = VVᵀ, built block by block."""
        alpha, beta, gamma = self.coef
        n = V.shape[0]
        cV = c[:, None] * V  # (n, d)
        rows = max(1, BLOCK_ELEMENTS // n)
        sqrt_c = torch.empty(n, dtype=V.dtype, device=V.device)  # √(1−U²) c
        t = torch.empty_like(V)  # (π − arccos U)/2π · (c⊙V) = κ_r'(U)(c⊙V)
        for start in range(0, n, rows):
            block = slice(start, min(n, start + rows))
            U = torch.clamp(V[block] @ V.T, -1.0, 1.0)  # (B, n)
            root = torch.sqrt(torch.clamp(1.0 - U * U, min=0.0))
            torch.mv(root, c, out=sqrt_c[block])
            ratio = torch.arccos_(U).mul_(-1.0 / TWO_PI).add_(0.5)  # reuses U's memory
            torch.mm(ratio, cV, out=t[block])
        # κ_r(U)c = √(1−U²)c/2π + ((π − arccos U)U/2π) c, and the second term is rowdot(V, t).
        relu_h = sqrt_c / TWO_PI + (V * t).sum(dim=1)
        total = c.sum()
        h = alpha * relu_h + beta * (V @ (V.T @ c)) + gamma * total
        s = alpha * sqrt_c / TWO_PI + gamma * total
        if alpha != 1.0:
            t = alpha * t
        if beta != 0.0:
            t = t + beta * cV.sum(dim=0)
        return h, s, t


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
    G = (r[:, None] * r[None, :]) * torch.where(eye, kappa(torch.ones((), dtype=W.dtype), activation), kappa(U, activation))
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


class EmpiricalObjective:
    """L on n fixed Gaussian samples X (n, d): ½ mean over x of (f(x) − f*(x))², gradients by autograd."""

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
