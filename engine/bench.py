"""Speed measurements of the engine, side by side in one process (reported by `featlearn bench`)."""

from __future__ import annotations

import subprocess
import sys
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


# --- the loss on samples: analytic vs autograd, online SGD, memory ------------------------------------------


def _sample_trainer(loss: list[str], m: int, dtype: str, device: str):
    from . import config, presets
    from .trainer import Trainer

    sets = [f"student.width={m}", f"dtype={dtype}", f"device={device}", "record.every=1000000", "optim.steps=10000000"]
    return Trainer(config.apply_overrides(presets.load("paper"), sets + loss))


def _timed_steps(trainer, seconds: float) -> tuple[int, float]:
    """Run `trainer` for about `seconds` (whole steps through Trainer.run); (steps, elapsed)."""
    start, first = time.perf_counter(), trainer.step
    chunk = 1
    while time.perf_counter() - start < seconds:
        for _ in trainer.run(until=trainer.step + chunk):
            pass
        chunk = min(chunk * 2, 64)
    _sync(str(trainer.device))
    return trainer.step - first, time.perf_counter() - start


def empirical_rates(
    n: int = 20_000, m: int = 50, dtype: str = "float64", device: str = "cpu", seconds: float = 1.0, rounds: int = 3
) -> dict[str, float | int | str]:
    """Training steps/s on n fixed samples (Trainer.run, full batch): analytic in numpy and in torch, and autograd.

    The three alternate in `rounds` short turns, so that load from other processes falls on all of them alike.
    """
    from . import empirical
    from .objective import AutogradEmpiricalObjective

    trainers = {
        name: _sample_trainer(["loss.kind=empirical", f"loss.samples={n}"], m, dtype, device)
        for name in ("numpy", "torch", "autograd")
    }
    reference = trainers["autograd"]
    obj = reference.objective
    reference.objective = AutogradEmpiricalObjective(
        obj.teacher_w, obj.teacher_a, reference.config.model.activation, obj.X
    )
    totals = {name: [0, 0.0] for name in trainers}
    try:
        for _ in range(rounds):
            for name, trainer in trainers.items():
                empirical.FORCE_BACKEND = "numpy" if name == "numpy" else "torch"
                steps, elapsed = _timed_steps(trainer, seconds / rounds)
                totals[name][0] += steps
                totals[name][1] += elapsed
    finally:
        empirical.FORCE_BACKEND = None
    rates = {f"{name}_steps_per_s": steps / elapsed for name, (steps, elapsed) in totals.items()}
    best = (
        max(rates["numpy_steps_per_s"], rates["torch_steps_per_s"]) if device == "cpu" else rates["torch_steps_per_s"]
    )
    return {"n": n, "m": m, "dtype": dtype, **rates, "ratio": best / rates["autograd_steps_per_s"]}


def online_rate(batch: int = 1000, m: int = 50, dtype: str = "float64", device: str = "cpu", seconds: float = 1.0):
    """Online SGD steps/s (fresh samples drawn, teacher outputs, analytic gradients, update) through Trainer.run."""
    trainer = _sample_trainer(["loss.kind=online", f"loss.batch={batch}"], m, dtype, device)
    steps, elapsed = _timed_steps(trainer, seconds)
    return {"batch": batch, "m": m, "dtype": dtype, "steps_per_s": steps / elapsed}


def _peak_rss_bytes(n: int, steps: int) -> int:
    """Peak resident memory of a fresh process that builds an empirical run with n samples and trains `steps`.

    Read from /proc/self/status (VmHWM, this process's own peak): ru_maxrss carries over the parent's peak
    through fork and exec, so under a large parent (pytest) every child reports the same number.
    """
    code = (
        "import resource, torch\n"
        "from engine.bench import _sample_trainer\n"
        "torch.set_num_threads(1)\n"  # as `featlearn run` does at m = 50: threads on small blocks only contend
        f"loss = ['loss.kind=empirical', 'loss.samples={n}', 'optim.steps={steps}']\n"
        "t = _sample_trainer(loss, 50, 'float64', 'cpu')\n"
        f"for _ in t.run(until={steps}): pass\n"
        "try:\n"
        "    line = next(x for x in open('/proc/self/status') if x.startswith('VmHWM:'))\n"
        "    print(int(line.split()[1]))\n"
        "except OSError:\n"
        "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1]) * 1024  # both are in KiB on Linux


def empirical_memory(n: int = 1_000_000, steps: int = 3) -> dict[str, float]:
    """Peak memory an empirical run with n samples adds over one with 1,000, against the bound validation promises."""
    from .config import SAMPLE_BYTES

    base, big = _peak_rss_bytes(1000, steps), _peak_rss_bytes(n, steps)
    bound = n * (3 + 1) * SAMPLE_BYTES
    return {"n": n, "peak_mib": big / 2**20, "added_mib": (big - base) / 2**20, "bound_mib": bound / 2**20}
