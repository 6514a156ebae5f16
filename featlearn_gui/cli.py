"""The `featlearn` command line: run, presets, info, bench, export, sweep.

Exit codes (featlearn_gui/exit_codes.py): 0 success; 1 failure (a run file that could not be written, kept
elsewhere); 2 invalid input (one clear line on stderr, no traceback); 3 training diverged (the run file is still
written with the finite history); 130 interrupted (Ctrl+C) and 143 terminated (SIGTERM), the history trained so
far saved; `sweep` exits 1 when some of its runs failed (they are listed). `run`, `presets`, `info` and `sweep`
never import Qt; `presets`, `info` and `--help` never import torch.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .exit_codes import (
    EXIT_DIVERGED,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_RUNS_FAILED,
    EXIT_TERMINATED,
    InvalidInput,
    Terminated,
    signal_exit_code,
    sigterm_raises,
)

__all__ = ["EXIT_DIVERGED", "EXIT_FAILURE", "EXIT_INTERRUPTED", "EXIT_INVALID", "EXIT_OK", "EXIT_RUNS_FAILED",
           "EXIT_TERMINATED", "InvalidInput", "main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="featlearn",
        description="Teacher-student training that shows late-stage feature learning (Zhou & Ge, NeurIPS 2024).",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="train headless and write a run file (.npz)")
    src = run.add_mutually_exclusive_group()
    src.add_argument("--preset", metavar="NAME", help="a built-in experiment (see `featlearn presets`)")
    src.add_argument("--config", metavar="FILE", help="a TOML config file")
    src.add_argument("--from", dest="parent", metavar="RUN.npz",
                     help="branch this run at --at STEP: the child starts from its snapshot with the --set changes")
    run.add_argument("--at", type=int, metavar="STEP", help="with --from: the recorded step to branch at")
    run.add_argument("--kick", type=float, default=0.0, metavar="SIZE",
                     help="with --from: Gaussian noise of this size on the students (or, with --kick-neurons, the "
                          "size the chosen neurons restart at)")
    run.add_argument("--kick-neurons", default="", metavar="J,K,...", help="with --kick: reset these neurons")
    run.add_argument("--kick-seed", type=int, default=0, metavar="N", help="the seed the kick is drawn from")
    run.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a key, e.g. optim.lr=0.1"
    )
    run.add_argument("--out", required=True, metavar="RUN.npz", help="where to write the run file")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: 1 for small widths, else all)")

    sub.add_parser("presets", help="list the built-in experiments")

    info = sub.add_parser("info", help="summarize a run file")
    info.add_argument("run_file", metavar="RUN.npz")

    bench = sub.add_parser("bench", help="measure speed: analytic vs autograd, GUI vs headless, export")
    bench.add_argument("--quick", action="store_true", help="fewer widths and shorter timings")
    bench.add_argument(
        "--only",
        choices=("engine", "gui", "export", "cli", "sweep", "boundary", "boundary-training"),
        action="append",
        help="run only these parts (repeatable)",
    )

    from .sweep.command import configure_parser as configure_sweep  # Qt-free

    configure_sweep(sub.add_parser("sweep", help="run a parameter sweep on Dask (locally or on a cluster)"))
    sub.add_parser("sweeps", help="list the built-in sweeps")

    export = sub.add_parser("export", help="export animations (mp4, gif, png), figures (svg, pdf) or data (csv)")
    from .export.command import configure_parser  # Qt-free at import; Qt loads only when exporting

    configure_parser(export)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with sigterm_raises():
        return _main(args)


def _main(args: argparse.Namespace) -> int:
    """Run the command; every error a user can cause or fix becomes one line and its exit code."""
    from engine.config import ConfigError
    from engine.history import RunFileError

    from .saving import DestinationError

    try:
        code = _dispatch(args)
        sys.stdout.flush()  # here, where a closed pipe can still be handled, not at interpreter exit
        return code
    except (ConfigError, RunFileError, InvalidInput, DestinationError) as exc:
        print(f"featlearn {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except (KeyboardInterrupt, Terminated) as exc:
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(f"featlearn {args.command}: {what}", file=sys.stderr)
        return signal_exit_code(exc)
    except BrokenPipeError:  # `featlearn info RUN | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        return _cmd_run(args)
    if args.command == "presets":
        return _cmd_presets()
    if args.command == "info":
        return _cmd_info(args)
    if args.command in ("sweep", "sweeps"):
        from .sweep.command import list_sweeps
        from .sweep.command import main as sweep_main

        return sweep_main(args) if args.command == "sweep" else list_sweeps()
    if args.command == "bench":
        from .bench import main as bench_main

        return bench_main(args)
    from .export.command import main as export_main

    return export_main(args)


def load_run_config(preset: str | None, config_file: str | None, overrides: list[str]):
    """The config named on a command line: a preset, a TOML file or the defaults, then --set overrides."""
    from engine import config, presets

    if config_file:
        cfg = config.load(config_file)
    elif preset:
        cfg = presets.load(preset)
    else:
        cfg = config.RunConfig()
    return config.apply_overrides(cfg, overrides)


def choose_threads(requested: int, width: int) -> int:
    """Torch threads for training: one for small widths, where thread start-up costs more than it saves."""
    if requested > 0:
        return requested
    return 1 if width < 1000 else (os.cpu_count() or 1)


def check_threads(requested: int) -> None:
    """--threads: 0 (automatic) up to the CPU count; more threads than CPUs only contend (and 100000 crashes)."""
    cpus = os.cpu_count() or 1
    if not 0 <= requested <= cpus:
        raise InvalidInput(f"--threads {requested} is not allowed: expected 0 (automatic) up to {cpus}, the CPUs here")


def _cmd_run(args) -> int:
    from .saving import check_destination, signals_held

    _check_branch_flags(args)
    if args.parent:
        from engine.config import apply_overrides
        from engine.history import RunHistory

        parent = RunHistory.load(args.parent)
        cfg = apply_overrides(parent.config, args.set)
    else:
        cfg = load_run_config(args.preset, args.config, args.set)
    check_threads(args.threads)
    out = check_destination(args.out, _run_file_bytes(cfg))
    import torch

    from engine.trainer import Diverged, Trainer

    torch.set_num_threads(choose_threads(args.threads, cfg.student.width))
    if args.parent:
        try:
            history = _branch(parent, cfg, args)
        except Diverged as exc:
            print(f"featlearn run: {exc}; nothing was trained, so nothing was written", file=sys.stderr)
            return EXIT_DIVERGED
        trainer = Trainer.resume(history)
    else:
        trainer = Trainer(cfg)
        history = trainer.new_history()
    code, message = _train(trainer, history, quiet=args.quiet)
    with signals_held() as held:  # a second Ctrl+C must not cost the run: it is taken once the file is complete
        return _finish_run(history, out, code, message, held, quiet=args.quiet)


def _check_branch_flags(args) -> None:
    """--at and the kick flags belong to --from, and --from needs --at; --out must not be the parent."""
    if args.parent is None:
        used = [flag for flag, given in (("--at", args.at is not None), ("--kick", args.kick != 0),
                                         ("--kick-neurons", bool(args.kick_neurons))) if given]
        if used:
            raise InvalidInput(f"{used[0]} is for branching: add --from RUN.npz (the run to branch)")
        return
    if args.at is None:
        raise InvalidInput("--from needs --at STEP: the recorded step of the parent to branch at")
    if Path(args.out).resolve() == Path(args.parent).resolve():
        raise InvalidInput(f"--out {args.out} is the parent run: give the branch a file of its own")
    if args.kick_neurons and not args.kick:
        raise InvalidInput("--kick-neurons needs --kick SIZE: the size the reset neurons restart at, e.g. 0.05")


def _branch(parent, cfg, args):
    """The child's history up to and including its own state at --at (engine.branch)."""
    from engine.branch import branch_history
    from engine.lineage import Kick

    try:
        neurons = tuple(int(j) for j in args.kick_neurons.split(",") if j.strip())
    except ValueError:
        raise InvalidInput(f"--kick-neurons {args.kick_neurons!r}: expected neuron numbers, e.g. 0,3,7") from None
    kind = "reset" if neurons else "noise" if args.kick else "none"
    kick = Kick(kind, args.kick, neurons, args.kick_seed)
    return branch_history(parent, args.at, cfg, kick, parent_name=Path(args.parent).name)


def _run_file_bytes(cfg) -> int:
    """The size of the run file a full run writes, uncompressed (random floats barely compress)."""
    itemsize = 4 if cfg.dtype == "float32" else 8
    return cfg.snapshot_count() * (cfg.student.width * (cfg.teacher.dim + 1) * itemsize + 40)


def _train(trainer, history, quiet: bool) -> tuple[int, str | None]:
    """Iterate the trainer into `history`; (exit code, message for the user) when it stops early."""
    import numpy as np
    from tqdm import tqdm

    from engine.trainer import Diverged

    bar = tqdm(total=trainer.config.optim.steps, initial=trainer.step, unit="step", disable=quiet, file=sys.stderr,
               dynamic_ncols=True)
    try:
        # Overflow on the way to divergence is expected: the trainer detects it and says so in one line.
        with np.errstate(all="ignore"):
            for snap in trainer.run():
                history.append(snap)
                bar.update(snap.step - bar.n)
                bar.set_postfix(loss=f"{snap.loss:.3g}", refresh=False)
    except Diverged as exc:
        return EXIT_DIVERGED, str(exc)
    except (KeyboardInterrupt, Terminated) as exc:
        return signal_exit_code(exc), "terminated" if isinstance(exc, Terminated) else "interrupted"
    finally:
        bar.close()  # before any message: a line printed into the bar would be torn apart
    return EXIT_OK, None


def _finish_run(history, out: Path, code: int, message: str | None, held, quiet: bool) -> int:
    """Save what was trained (signals held back meanwhile, in `held`) and say what happened in one line."""
    from .saving import describe_failure, save_run

    if not len(history):
        print(f"featlearn run: {message}; nothing was trained, so nothing was written", file=sys.stderr)
        return code
    result = save_run(history, out)
    if held.signum is not None and code == EXIT_OK:
        code, message = 128 + held.signum, "interrupted while saving"
    if not result.ok:
        print(f"featlearn run: {describe_failure(out, result)}", file=sys.stderr)
        return EXIT_FAILURE
    last = int(history.steps[-1])
    if message is not None:
        print(f"featlearn run: {message}; the history up to step {last} is saved in {out}", file=sys.stderr)
    elif not quiet:
        print(f"wrote {out} ({len(history)} snapshots, final loss {history.snapshot(-1).loss:.3g})", file=sys.stderr)
    return code


def _cmd_presets() -> int:
    from engine import presets

    names = presets.names()
    width = max(map(len, names))
    for name in names:
        default = " (default)" if name == presets.DEFAULT_PRESET else ""
        print(f"{name:<{width}}  {presets.description(name)}{default}")
    return EXIT_OK


def _cmd_info(args) -> int:
    import numpy as np

    from engine.history import RunHistory
    from engine.metrics import neuron_metrics

    history = RunHistory.load(args.run_file)
    cfg, snap = history.config, history.snapshot(-1)
    with np.errstate(all="ignore"):  # a diverged run's last state may overflow: inf is printed, not warned about
        met = neuron_metrics(snap.student_w, snap.student_a, history.teacher, cfg.is_even)
        _print_info(args.run_file, history, met)
    return EXIT_OK


def _print_info(run_file: str, history, met) -> None:
    cfg, snap = history.config, history.snapshot(-1)
    total = met.mass.sum()
    print(f"run file      {run_file}")
    if history.lineage is not None:
        print(f"lineage       {history.lineage.describe(cfg)}")
    print(
        f"setting       d = {cfg.teacher.dim}, k = {cfg.teacher.width}, m = {cfg.student.width}, "
        f"{cfg.model.activation}, {cfg.optim.mode}, seed {cfg.seed}"
    )
    print(f"loss          {_loss_kind(cfg)}")
    print(f"snapshots     {len(history)} (last step {snap.step})")
    print(f"final loss    {snap.loss:.4g}{'' if cfg.loss.kind == 'population' else ' (training)'}")
    print(f"population    {_population_text(snap.loss, snap.population_loss, cfg.loss.kind)}")
    print(f"objective     {snap.objective:.4g} (lambda = {snap.weight_decay:.3g})")
    active = f"{int(met.active.sum())} of {len(met.mass)}"
    print(f"max angle     {met.max_active_angle_deg:.3f} deg over the active neurons ({active})")
    print(f"far mass      {met.far_mass:.4g} ({met.far_mass / total if total else 0:.2e} of the total {total:.4g})")
    print(f"in span       {_span_text(history, met)}")
    print("captured mass per teacher (target a*):")
    for i, (got, want) in enumerate(zip(met.captured, history.teacher.a)):
        print(f"  teacher {i + 1}   {got:+.4f}   (a* = {want:+.4f}, error {abs(got - want) / abs(want):.2%})")


def _span_text(history, met) -> str:
    """The share of the mass in the teacher span at the end, and for a three-stage run at the start and after
    stage 1 (the first large step, which finds the span)."""
    from engine.metrics import span_basis, spans_input_space, subspace_share

    d = history.config.teacher.dim
    if spans_input_space(history.teacher.w):
        return f"1 by construction (the teachers span all of R^{d})"
    basis = span_basis(history.teacher.w)
    text = f"{met.span_share:.4f} of the mass lies in the teacher span ({len(basis)}-D of R^{d})"
    view = history.view()
    ends = [i for i in range(min(len(history), 3) - 1) if view["stage"][i] == 1 and view["stage"][i + 1] == 2]
    if ends:
        start, stage1 = (subspace_share(view["student_w"][i], view["student_a"][i], basis) for i in (0, ends[0]))
        text += f"; {start:.4f} at the start, {stage1:.4f} after stage 1"
    return text


def _loss_kind(cfg) -> str:
    """The loss a run trained on, in words: what its `final loss` line means."""
    loss = cfg.loss
    if loss.kind == "online":
        return f"online SGD, {loss.batch:,} fresh samples per step"
    if loss.kind == "empirical":
        batch = f"minibatches of {loss.batch:,}" if 0 < loss.batch < loss.samples else "full batch"
        return f"empirical, n = {loss.samples:,} fixed samples, {batch}"
    return "population (exact closed form)"


def _population_text(loss: float, population: float, kind: str) -> str:
    """The exact population loss, and for a finite-sample run how far above the training loss it is."""
    import math

    if kind == "population":
        return f"{population:.4g} (the training loss is the population loss)"
    if math.isnan(population):
        return "not recorded (an older run file too large to compute it on load)"
    gap = f"{population / loss:.3g}x the training loss" if loss > 0 else "the training loss is 0"
    return f"{population:.4g} ({gap})"


if __name__ == "__main__":
    # `python -m featlearn_gui.cli` runs this file as __main__: hand over to the imported module, so that the
    # exceptions subcommands raise (InvalidInput, imported from featlearn_gui.cli) are the classes caught here.
    from featlearn_gui.cli import main as _main_of_module

    sys.exit(_main_of_module())
