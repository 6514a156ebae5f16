"""Where a stochastic step's samples come from: a minibatch of the fixed samples, or fresh Gaussians (online).

The samples of step t are a pure function of (seed, t): each step seeds its own generator from the run's seed and
the step number. So a run is reproducible, and a resumed run (Trainer.resume) draws exactly the samples the
uninterrupted run would have drawn, without the run file having to carry a generator's state.
"""

from __future__ import annotations

import torch

from .empirical import teacher_outputs

_MASK64 = (1 << 64) - 1
# Tags keep the step streams apart from each other and from the initial draws (teacher, init, samples).
ONLINE_STREAM, MINIBATCH_STREAM = 1, 2


def step_seed(seed: int, stream: int, step: int) -> int:
    """A 63-bit seed for (run seed, stream, step), by SplitMix64 so neighbouring steps get unrelated seeds."""
    x = (seed * 0x9E3779B97F4A7C15 + stream * 0xD1B54A32D192ED03 + step * 0x8CB92BA72F3D8DD7) & _MASK64
    for shift, mult in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
        x = ((x ^ (x >> shift)) * mult) & _MASK64
    return (x ^ (x >> 31)) >> 1  # torch seeds must fit in a signed 64-bit integer


class OnlineBatches:
    """`batch` fresh standard Gaussian inputs per step and their teacher outputs, drawn on the CPU in float64.

    Drawing on the CPU in float64 and only then casting and moving makes CPU, GPU, float32 and float64 runs see
    the same samples, as for the initial state (engine.initial).
    """

    def __init__(self, seed: int, batch: int, dim: int, teacher_w: torch.Tensor, teacher_a: torch.Tensor, act: str):
        self.seed, self.batch, self.dim = seed, batch, dim
        self.teacher_w, self.teacher_a, self.activation = teacher_w, teacher_a, act
        self._gen = torch.Generator()

    def at(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(X (batch, d), y (batch,)) for step `step`."""
        self._gen.manual_seed(step_seed(self.seed, ONLINE_STREAM, step))
        X = torch.randn(self.batch, self.dim, generator=self._gen, dtype=torch.float64)
        X = X.to(dtype=self.teacher_w.dtype, device=self.teacher_w.device)
        return X, teacher_outputs(X, self.teacher_w, self.teacher_a, self.activation)


class Minibatches:
    """`batch` of the n fixed samples per step, drawn uniformly with replacement (so a step costs O(batch))."""

    def __init__(self, seed: int, batch: int, X: torch.Tensor, y: torch.Tensor) -> None:
        self.seed, self.batch, self.X, self.y = seed, batch, X, y
        self._gen = torch.Generator()

    def at(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        self._gen.manual_seed(step_seed(self.seed, MINIBATCH_STREAM, step))
        index = torch.randint(len(self.X), (self.batch,), generator=self._gen).to(self.X.device)
        return self.X[index], self.y[index]
