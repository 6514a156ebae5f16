"""Branching a run: a child that starts from its parent's snapshot at a recorded step with changed settings.

    child = branch_history(parent, step=4000, config=with_lambda_zero, parent_name="paper.npz")
    trainer = Trainer.resume(child)          # continues from step 4000, like any run read from a file
    for snap in trainer.run(): child.append(snap)

Steps stay absolute: the child's history holds the parent's snapshots before the branch step, then its own from
the branch step on, so its weight-decay schedule, its stages and its per-step samples (engine.batches: a pure
function of the seed and the step) are those of the absolute step. A child with nothing changed and no kick
therefore retraces its parent bit for bit on the same device, dtype and thread count.

A child that trains on samples draws them as a fresh run of its own config would (from the seed), so a branch
that switches the loss to samples sees the samples that config always sees.

What a branch may change: any optim key, the loss (kind, samples, batch), the activation, the teacher (its
directions, signs, weights, width), the record interval and the device. What it may not: the keys that define the
students' state (seed, student.*, dtype, teacher.dim), refused in words (engine.lineage.check_changes).
"""

from __future__ import annotations

import numpy as np

from .config import ConfigError, RunConfig
from .history import RunHistory
from .lineage import NO_KICK, Kick, Lineage, check_changes
from .trainer import Trainer


class BranchError(ConfigError):
    """A branch that cannot start (a step that was not recorded, a refused key); the message says what to do."""


def recorded_index(history: RunHistory, step: int, name: str = "the run") -> int:
    """The index of recorded step `step`; BranchError naming the nearest recorded step otherwise."""
    steps = history.steps
    hits = np.flatnonzero(steps == step)
    if len(hits):
        return int(hits[0])
    nearest = int(steps[np.argmin(np.abs(steps - step))])
    raise BranchError(f"step {step} is not a recorded step of {name}; the nearest recorded step is {nearest}")


def branch_history(parent: RunHistory, step: int, config: RunConfig, kick: Kick = NO_KICK,
                   parent_name: str = "parent") -> RunHistory:
    """The child's history: the parent's snapshots before `step`, then the child's own snapshot at `step`.

    Raises
    ------
    BranchError (a ConfigError) for a step that was not recorded, a key a branch may not change, a bad kick, or
    an optim.steps before the branch step. Diverged when the kicked state's loss is already not finite.
    """
    index = recorded_index(parent, step, parent_name)
    check_changes(parent.config, config)
    kick.check(config.student.width)
    if config.optim.steps < step:
        raise BranchError(f"optim.steps = {config.optim.steps} is not allowed in a branch at step {step}: steps are "
                          f"absolute, so the child needs optim.steps >= {step}")
    trainer = Trainer(config)
    if config.teacher == parent.config.teacher and not (
        np.allclose(trainer.teacher.w, parent.teacher.w) and np.allclose(trainer.teacher.a, parent.teacher.a)
    ):
        raise BranchError(_teacher_mismatch(parent.config, config))
    snap = parent.snapshot(index)
    W, a = kick.apply(np.asarray(snap.student_w), np.asarray(snap.student_a))
    trainer.start_at(step, W, a, start_loss=float(parent.view()["loss"][0]))
    child = trainer.new_history()
    for i in range(index):
        child.append(parent.snapshot(i))
    child.append(next(trainer.run(until=step)))  # the child's own state at the branch step (kicked, its own λ)
    child.lineage = Lineage(parent_name, parent.config, step, kick)
    return child


def _teacher_mismatch(parent: RunConfig, child: RunConfig) -> str:
    if parent.model.activation != child.model.activation:
        # Random directions are drawn modulo ± for even activations: another σ draws another teacher.
        return (f"model.activation = {child.model.activation!r} would draw another random teacher from the seed; "
                "give teacher.directions (the parent's, to keep its teacher) to change the activation in a branch")
    return "the parent's teacher does not match its config and seed, so it cannot be branched"
