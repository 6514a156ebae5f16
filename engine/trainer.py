"""Gradient descent on L_λ, as a generator of frozen snapshots (docs/theory.md §4–5).

The loss is the population loss (full-batch GD on the closed form), the loss on n fixed samples (full-batch GD,
or minibatch SGD with `loss.batch`), or online SGD on fresh samples every step. Every snapshot records the
training loss and, beside it, the exact population loss, so a finite-sample run shows whether it generalizes.

    trainer = Trainer(config)
    for snap in trainer.run():          # step 0, every record.every steps, and the last step
        history.append(snap)

The trainer holds no threads: a GUI worker or the CLI iterates it and may stop whenever it likes; calling
`run(until=...)` again continues from where it stopped.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator

import numpy as np
import torch

from .batches import Minibatches, OnlineBatches
from .config import ConfigError, RunConfig
from .empirical import EmpiricalObjective, samples_value_and_grad, second_moments
from .history import RunHistory, Snapshot
from .initial import draw_samples, init_student, make_teacher, resolve_device
from .kernels import pair_kernel
from .objective import PopulationObjective, regularizer

# A loss this many times its start (or above it, for tiny starts) means GD has left the basin for good.
EXPLOSION_FACTOR = 1e6


class Diverged(RuntimeError):
    """Training produced a non-finite or exploding loss; the history up to the last finite state is kept."""

    def __init__(self, step: int, loss: float, lr: float, advice: str | None = None) -> None:
        self.step, self.loss = step, loss
        advice = advice or f"try a smaller optim.lr (now {lr:g})"
        super().__init__(f"training diverged at step {step} (loss = {loss:.3g}); {advice}")


def initial_state_advice(cfg: RunConfig) -> str:
    """What to change when the loss is already non-finite at initialization: the step size is not to blame."""
    s = cfg.student
    scales = f"student.init_scale = {s.init_scale:g}" + (
        f" or student.output_scale = {s.output_scale:g}" if s.output_scale else ""
    )
    return f"the initial state overflows {cfg.dtype}: lower {scales}"


def weight_decay_advice(cfg: RunConfig, lam: float) -> str | None:
    """When the decay itself explodes: each step multiplies the weights by 1 − lr·λ, which grows once lr·λ > 2,
    whatever the loss does; a smaller optim.lr would be the wrong advice only in name."""
    product = cfg.optim.lr * lam
    # A weight decay above 1 is the mistake itself; with a modest one and a huge step, the step is to blame.
    if lam <= 1.0 or (math.isfinite(product) and product <= 2.0):
        return None
    return (f"optim.lr x the weight decay is {product:.3g} > 2, so each step's decay (1 - lr x lambda) itself "
            f"explodes: lower optim.weight_decay (now {cfg.optim.weight_decay:g}) below 2 / optim.lr = "
            f"{2 / cfg.optim.lr:.3g}")


def weight_decay_at(cfg: RunConfig, step: int) -> float:
    """λ(t): weight_decay · decay_factor^⌊t / decay_every⌋, floored at weight_decay_min."""
    o = cfg.optim
    lam = o.weight_decay * o.decay_factor ** (step // o.decay_every)
    return max(lam, o.weight_decay_min)


def stage1_lr(cfg: RunConfig) -> float:
    """η₁ of the three-stage procedure: given, or √m·d, which gave first-layer norms of order 1."""
    return cfg.optim.stage1_lr or math.sqrt(cfg.student.width) * cfg.teacher.dim


class Trainer:
    """One teacher–student run: the teacher, the student parameters on the device, and the objective.

    Parameters
    ----------
    config : the validated run configuration; teacher and initialization are drawn from `config.seed`.
    """

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        gen = torch.Generator().manual_seed(config.seed)
        self.teacher = make_teacher(config, gen)
        W0, a0 = init_student(config, gen)
        self.device = resolve_device(config.device)
        self.dtype = torch.float32 if config.dtype == "float32" else torch.float64
        self.W = self._to_device(W0)  # (m, d)
        self.a = self._to_device(a0)  # (m,)
        tw = self._to_device(self.teacher.w)  # (k, d)
        ta = self._to_device(self.teacher.a)  # (k,)
        act, loss = config.model.activation, config.loss
        self.population = PopulationObjective(tw, ta, act)
        # The training loss over all its data (recorded at snapshots), and where a stochastic step's samples come from.
        self.objective: PopulationObjective | EmpiricalObjective = self.population
        self.batches: OnlineBatches | Minibatches | None = None
        if loss.kind == "empirical":
            # No copy when the run is float64 on the CPU: the samples are the largest thing a run holds.
            X = torch.from_numpy(draw_samples(config, gen)).to(dtype=self.dtype, device=self.device)
            self.objective = EmpiricalObjective(tw, ta, act, X)
            if 0 < loss.batch < loss.samples:
                self.batches = Minibatches(config.seed, loss.batch, X, self.objective.y)
        elif loss.kind == "online":
            self.batches = OnlineBatches(config.seed, loss.batch, config.teacher.dim, tw, ta, act)
        self.step = 0
        self._last_yielded = -1
        self._start_loss: float | None = None

    @classmethod
    def resume(cls, history: RunHistory) -> Trainer:
        """A trainer that continues a recorded run from its last snapshot, e.g. one loaded from a run file.

        The teacher, the initialization and any samples are drawn again from the config's seed; a history whose
        teacher does not match them (edited by hand, or from another featlearn) is refused with a ValueError.
        """
        trainer = cls(history.config)
        if not np.allclose(trainer.teacher.w, history.teacher.w) or not np.allclose(
            trainer.teacher.a, history.teacher.a
        ):
            raise ValueError("the run's teacher does not match its config and seed, so it cannot be continued")
        last = history.snapshot(-1)
        trainer.start_at(last.step, last.student_w, last.student_a, float(history.view()["loss"][0]))
        trainer._last_yielded = last.step
        return trainer

    def start_at(self, step: int, W: np.ndarray, a: np.ndarray, start_loss: float | None = None) -> None:
        """Put the students at (W, a) at absolute step `step` (a resumed run, a branch); the schedule, stages and
        per-step samples are those of that step. `start_loss`: the step-0 loss the explosion check compares with.
        The next `run()` yields step `step` itself (unless it was already yielded)."""
        self.W, self.a = self._to_device(np.asarray(W)), self._to_device(np.asarray(a))
        self.step, self._last_yielded, self._start_loss = step, step - 1, start_loss

    def _to_device(self, array: np.ndarray) -> torch.Tensor:
        # Always a copy: training updates in place, and `array` may be a history's (read-only) buffer.
        return torch.tensor(np.asarray(array), dtype=self.dtype, device=self.device)

    def new_history(self) -> RunHistory:
        """An empty history for this run's snapshots, stored in the run's dtype."""
        dtype = np.float32 if self.dtype == torch.float32 else np.float64
        return RunHistory(self.config, self.teacher, dtype=dtype)

    def stage_at(self, step: int) -> int:
        if self.config.optim.mode == "plain":
            return 0
        return 1 if step <= 1 else 2 if step == 2 else 3

    def weight_decay_now(self) -> float:
        if self.config.optim.mode == "plain":
            return weight_decay_at(self.config, self.step)
        if self.step == 0:
            return 1.0 / stage1_lr(self.config)  # stage 1: weight decay 1/η₁ makes the step w ← −η₁∇L
        if self.step == 1:
            return self.config.optim.ridge
        return weight_decay_at(self.config, self.step - 2)

    def _is_record_step(self, step: int, until: int) -> bool:
        boundary = self.config.optim.mode == "three_stage" and step <= 2
        return step % self.config.record.every == 0 or step == until or boundary

    def run(self, until: int | None = None) -> Iterator[Snapshot]:
        """Train up to step `until` (default optim.steps), yielding snapshots.

        Yields
        ------
        Snapshot at step 0, at every multiple of record.every, at the stage boundaries of three_stage mode, and
        at `until`. A snapshot already yielded by an earlier call is not repeated.

        Raises
        ------
        Diverged when the loss is non-finite or exceeds EXPLOSION_FACTOR times its start; the last snapshot
        yielded before it is finite (the exploded state itself when its loss is still finite).
        """
        until = self.config.optim.steps if until is None else until
        # Reading the loss synchronizes a GPU with the host: there, check it at recorded steps only.
        check_every_step = self.device.type == "cpu"
        while self.step <= until:
            lam = self.weight_decay_now()
            record = self._is_record_step(self.step, until)
            loss, grad_W, grad_a = self._value_and_grad(precise=record)
            if not (check_every_step or record):
                self._update(grad_W, grad_a, lam)
                self.step += 1
                continue
            loss_value = self._training_loss(loss) if record else float(loss)
            exploded = self._exploded(loss_value)
            if exploded and not math.isfinite(loss_value):
                raise self._diverged(loss_value)
            if self.step > self._last_yielded and (exploded or record):
                self._last_yielded = self.step
                yield self._snapshot(loss_value, lam)  # a huge but finite state is kept: it shows the blow-up
            if exploded:
                raise self._diverged(loss_value)
            if self.step == until:
                return
            self._update(grad_W, grad_a, lam)
            self.step += 1

    def _diverged(self, loss: float) -> Diverged:
        advice = initial_state_advice(self.config) if self.step == 0 else None
        advice = advice or weight_decay_advice(self.config, self.weight_decay_now())
        return Diverged(self.step, loss, self.config.optim.lr, advice)

    def _value_and_grad(self, precise: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """This step's loss and gradients: on all the training data, or on this step's batch; `precise` (a
        recorded step) asks the population objective for a loss exact to ~1e-9 relative."""
        if self.batches is None:
            if isinstance(self.objective, PopulationObjective):
                return self.objective.value_and_grad(self.W, self.a, precise=precise)
            return self.objective.value_and_grad(self.W, self.a)
        X, y = self.batches.at(self.step)
        return samples_value_and_grad(X, y, self.W, self.a, self.config.model.activation)

    def _training_loss(self, step_loss: torch.Tensor) -> float:
        """The loss a snapshot records: on all n samples even when the step saw a minibatch; online, the batch's."""
        if isinstance(self.batches, Minibatches):
            return float(self.objective.loss(self.W, self.a))
        return float(step_loss)

    def _population_loss(self, loss: float) -> float:
        """The exact population loss beside the training loss (the same number for population runs)."""
        return loss if self.config.loss.kind == "population" else float(self.population.loss(self.W, self.a))

    def _exploded(self, loss: float) -> bool:
        if self._start_loss is None:
            self._start_loss = loss
        return not math.isfinite(loss) or loss > EXPLOSION_FACTOR * max(self._start_loss, 1.0)

    def _update(self, grad_W: torch.Tensor, grad_a: torch.Tensor, lam: float) -> None:
        if self.config.optim.mode == "three_stage" and self.step == 0:
            self.W = -stage1_lr(self.config) * grad_W  # one step with weight decay 1/η₁: w ← −η₁ ∂L/∂w
        elif self.config.optim.mode == "three_stage" and self.step == 1:
            self.a = self._fit_second_layer()
        else:
            lr = self.config.optim.lr
            self.W.mul_(1.0 - lr * lam).add_(grad_W, alpha=-lr)
            self.a.mul_(1.0 - lr * lam).add_(grad_a, alpha=-lr)

    def _fit_second_layer(self) -> torch.Tensor:
        """Stage 2: the convex ridge fit a = (G + λ₂I)⁻¹ C a*, then rebalance so |a_j| = ‖w_j‖."""
        G, b = self._second_layer_system()
        a = torch.linalg.solve(G + self.config.optim.ridge * torch.eye(len(G), dtype=G.dtype, device=G.device), b)
        # (a, w) → (a/c, c·w) with c = √(|a|/‖w‖) leaves a 1-homogeneous network's function unchanged.
        norms = torch.linalg.vector_norm(self.W, dim=1)
        scale = torch.sqrt(torch.abs(a) / torch.clamp(norms, min=torch.finfo(a.dtype).tiny))
        self.W = self.W * scale[:, None]
        return a / torch.clamp(scale, min=torch.finfo(a.dtype).tiny)

    def _second_layer_system(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(G, C a*) of the loss as a quadratic in a: exact kernels, or sample moments (all n samples; online,
        this step's fresh batch)."""
        obj, act = self.objective, self.config.model.activation
        if isinstance(obj, EmpiricalObjective):
            return second_moments(obj.X, obj.y, self.W, act)
        if isinstance(self.batches, OnlineBatches):
            return second_moments(*self.batches.at(self.step), self.W, act)
        G = pair_kernel(self.W, self.W, act)
        C = pair_kernel(self.W, obj.teacher_w, act)
        return G, C @ obj.teacher_a

    def _snapshot(self, loss: float, lam: float) -> Snapshot:
        W = self.W.detach().cpu().numpy().copy()
        a = self.a.detach().cpu().numpy().copy()
        W.flags.writeable = False
        a.flags.writeable = False
        penalty = float(regularizer(self.W, self.a))
        return Snapshot(
            step=self.step,
            stage=self.stage_at(self.step),
            student_w=W,
            student_a=a,
            loss=loss,
            objective=loss + lam * penalty,
            weight_decay=lam,
            population_loss=self._population_loss(loss),
        )


def train(config: RunConfig, until: int | None = None) -> RunHistory:
    """Run to the end headless and return the history (raises Diverged with `.history` attached)."""
    trainer = Trainer(config)
    history = trainer.new_history()
    try:
        for snap in trainer.run(until):
            history.append(snap)
    except Diverged as exc:
        exc.history = history  # type: ignore[attr-defined]
        raise
    return history


def start_history(config: RunConfig) -> tuple[RunHistory, str]:
    """A run's history at step 0 and "", or its empty history and why step 0 failed (divergence, a device error).

    Step 0 is drawn on the CPU (the same seeded draws as on any device), so a window can show a run before its
    training process has set up the device. Raises ConfigError when the config cannot make a run at all.
    """
    try:
        trainer = Trainer(dataclasses.replace(config, device="cpu"))
    except RuntimeError as exc:
        raise ConfigError(f"cannot start the run: {exc}") from None
    history = RunHistory(config, trainer.teacher, capacity=1, dtype=trainer.new_history().view()["student_w"].dtype)
    try:
        history.append(next(trainer.run(until=0)))
    except RuntimeError as exc:  # Diverged included
        return history, f"cannot start the run: {exc}"
    return history, ""
