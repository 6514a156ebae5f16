"""Speed measurements of the engine, side by side in one process (reported by `featlearn bench`)."""

from __future__ import annotations

import time

import torch

from .numpy_reference import loss_and_grads
from .objective import AutogradPopulationObjective, PopulationObjective


def _problem(m: int, d: int, dtype: torch.dtype, device: str, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    W = 0.1 * torch.randn(m, d, generator=gen, dtype=torch.float64)
    a = 0.1 * torch.randn(m, generator=gen, dtype=torch.float64)
    tw = torch.randn(3, d, generator=gen, dtype=torch.float64)
    tw /= torch.linalg.vector_norm(tw, dim=1, keepdim=True)
    ta = torch.tensor([1.0, -1.0, 1.0], dtype=torch.float64)
    return [x.to(dtype=dtype, device=device) for x in (W, a, tw, ta)]


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def gd_steps_per_second(
    kind: str, m: int, d: int = 3, dtype: torch.dtype = torch.float64, device: str = "cpu", seconds: float = 0.5
) -> float:
    """GD steps/s (gradient + update, no recording) of the analytic or autograd population objective."""
    W, a, tw, ta = _problem(m, d, dtype, device)
    cls = PopulationObjective if kind == "analytic" else AutogradPopulationObjective
    objective = cls(tw, ta, "relu_centered")
    lr, lam = 0.1, 1e-3

    def step() -> None:
        _, gW, ga = objective.value_and_grad(W, a)
        W.mul_(1 - lr * lam).add_(gW, alpha=-lr)
        a.mul_(1 - lr * lam).add_(ga, alpha=-lr)

    step()  # warm-up: allocations, kernel selection
    _sync(device)
    count, start = 0, time.perf_counter()
    while count < 3 or time.perf_counter() - start < seconds:
        step()
        count += 1
    _sync(device)
    return count / (time.perf_counter() - start)


def numpy_steps_per_second(m: int, d: int = 3, seconds: float = 0.5) -> float:
    """Steps/s of the plain numpy implementation (engine.numpy_reference), float64."""
    W, a, tw, ta = (x.numpy() for x in _problem(m, d, torch.float64, "cpu"))
    count, start = 0, time.perf_counter()
    while count < 3 or time.perf_counter() - start < seconds:
        _, gW, ga = loss_and_grads(W, a, tw, ta, "relu_centered")
        W = W - 0.1 * gW
        a = a - 0.1 * ga
        count += 1
    return count / (time.perf_counter() - start)


def engine_table(widths=(50, 500, 2000, 5000), device: str = "cpu", seconds: float = 0.5) -> list[dict]:
    """Analytic vs autograd steps/s for each width and dtype, with the ratio."""
    rows = []
    for dtype in (torch.float32, torch.float64):
        for m in widths:
            analytic = gd_steps_per_second("analytic", m, dtype=dtype, device=device, seconds=seconds)
            autograd = gd_steps_per_second("autograd", m, dtype=dtype, device=device, seconds=seconds)
            rows.append(
                {
                    "m": m,
                    "dtype": str(dtype).removeprefix("torch."),
                    "analytic_steps_per_s": analytic,
                    "autograd_steps_per_s": autograd,
                    "ratio": analytic / autograd,
                    "analytic_s_per_step": 1.0 / analytic,
                }
            )
    return rows


def paper_numpy_seconds(steps: int = 16000, m: int = 50) -> float:
    """Estimated wall time of the paper preset's 16,000 steps in plain numpy (from its measured rate)."""
    return steps / numpy_steps_per_second(m, seconds=1.0)
