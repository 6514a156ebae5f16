"""The `featlearn` command line: run, presets, info, bench, export, sweep.

Exit codes: 0 success; 2 invalid input (one clear line on stderr, no traceback); 3 training diverged (the run
file is still written with the finite history); `sweep`: 1 when some runs failed (listed), 130 on Ctrl+C.
`run`, `presets`, `info` and `sweep` never import Qt.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_DIVERGED = 0, 2, 3
EXIT_RUNS_FAILED, EXIT_INTERRUPTED = 1, 130


class InvalidInput(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


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
        choices=("engine", "gui", "export", "sweep"),
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
    from engine.config import ConfigError
    from engine.history import RunFileError

    try:
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
    except (ConfigError, RunFileError, InvalidInput) as exc:
        print(f"featlearn {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print(f"featlearn {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


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
    import os

    if requested > 0:
        return requested
    return 1 if width < 1000 else (os.cpu_count() or 1)


def _cmd_run(args) -> int:
    import torch
    from tqdm import tqdm

    from engine.trainer import Diverged, Trainer

    cfg = load_run_config(args.preset, args.config, args.set)
    out = Path(args.out)
    if not out.parent.is_dir():
        raise InvalidInput(f"--out {out}: directory {out.parent} does not exist")
    torch.set_num_threads(choose_threads(args.threads, cfg.student.width))
    trainer = Trainer(cfg)
    history = trainer.new_history()
    bar = tqdm(total=cfg.optim.steps, unit="step", disable=args.quiet, file=sys.stderr, dynamic_ncols=True)
    code = EXIT_OK
    try:
        for snap in trainer.run():
            history.append(snap)
            bar.update(snap.step - bar.n)
            bar.set_postfix(loss=f"{snap.loss:.3g}", refresh=False)
    except Diverged as exc:
        print(f"featlearn run: {exc}; the history up to step {history.steps[-1]} is saved", file=sys.stderr)
        code = EXIT_DIVERGED
    finally:
        bar.close()
    history.save(out)
    if not args.quiet:
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
    from engine.history import RunHistory
    from engine.metrics import neuron_metrics

    history = RunHistory.load(args.run_file)
    cfg, snap = history.config, history.snapshot(-1)
    met = neuron_metrics(snap.student_w, snap.student_a, history.teacher, cfg.is_even)
    total = met.mass.sum()
    print(f"run file      {args.run_file}")
    print(
        f"setting       d = {cfg.teacher.dim}, k = {cfg.teacher.width}, m = {cfg.student.width}, "
        f"{cfg.model.activation}, {cfg.optim.mode}, seed {cfg.seed}"
    )
    print(f"snapshots     {len(history)} (last step {snap.step})")
    print(f"final loss    {snap.loss:.4g}")
    print(f"objective     {snap.objective:.4g} (lambda = {snap.weight_decay:.3g})")
    active = f"{int(met.active.sum())} of {len(met.mass)}"
    print(f"max angle     {met.max_active_angle_deg:.3f} deg over the active neurons ({active})")
    print(f"far mass      {met.far_mass:.4g} ({met.far_mass / total if total else 0:.2e} of the total {total:.4g})")
    print("captured mass per teacher (target a*):")
    for i, (got, want) in enumerate(zip(met.captured, history.teacher.a)):
        print(f"  teacher {i + 1}   {got:+.4f}   (a* = {want:+.4f}, error {abs(got - want) / abs(want):.2%})")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
