"""`featlearn sweep SWEEP.toml --out DIR [--workers N | --scheduler ADDRESS] [--quiet]` and `featlearn sweeps`.

Exit codes: 0 every run finished (diverged runs count as finished, with their status); 2 invalid input (one line;
also an output folder that cannot work, or one another sweep is writing into); 1 some runs failed for other
reasons (they are listed), or writing results failed (one line; finished runs are kept); 130 on Ctrl+C (finished
runs are kept: rerun to resume).
Qt-free.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..exit_codes import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_RUNS_FAILED, InvalidInput


def configure_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("sweep", metavar="SWEEP", help="a sweep file (TOML) or a built-in sweep (`featlearn sweeps`)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (a rerun resumes there)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=0, metavar="N", help="local worker processes (default: cores)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def list_sweeps() -> int:
    from engine.sweep import builtin

    names = builtin.names()
    width = max(map(len, names))
    for name in names:
        print(f"{name:<{width}}  {builtin.description(name)}")
    return EXIT_OK


def main(args: argparse.Namespace) -> int:
    from engine.sweep import builtin, grid
    from engine.sweep.results import SweepWriteError
    from engine.sweep.runner import SweepInterrupted, run_sweep

    cpus = os.cpu_count() or 1
    if not 0 <= args.workers <= cpus:
        raise InvalidInput(
            f"--workers {args.workers}: expected 0 (one per core, the default) up to {cpus}, the cores here"
        )
    sweep = grid.load(builtin.find(args.sweep))
    out = Path(args.out)
    say = (lambda text: None) if args.quiet else (lambda text: print(text, file=sys.stderr))
    where = f"on {args.scheduler}" if args.scheduler else "on local workers"

    def started(report, threads: int) -> None:
        say(
            f"sweep {sweep.title or args.sweep}: {report.total} runs over {', '.join(sweep.axis_keys)}, "
            f"{report.total - report.skipped} to run {where} ({threads} worker threads) -> {out}"
            + (" (adaptive: placed where the metric changes)" if sweep.adaptive else "")
        )

    try:
        report = run_sweep(
            sweep, out, workers=args.workers, scheduler=args.scheduler, quiet=args.quiet, on_start=started
        )
    except SweepWriteError as exc:
        r = exc.report
        kept = f"the {r.skipped + r.done} finished runs are kept; " if r is not None else ""
        print(f"featlearn sweep: {exc}; {kept}free some space and run the same command again to resume",
              file=sys.stderr)
        return EXIT_FAILURE
    except SweepInterrupted as exc:
        r = exc.report
        print(
            f"featlearn sweep: interrupted; {r.skipped + r.done} of {r.total} runs are kept in {out}, "
            f"{r.pending} were cancelled; run the same command again to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if sweep.adaptive is not None:
        _boundaries(sweep, out)
    return _summary(report, out, say)


def _boundaries(sweep, out: Path) -> None:
    """An adaptive sweep's boundaries, one line per combination of list values (also in DIR/boundary.csv)."""
    from engine.sweep import boundary
    from engine.sweep.phase import ResultsTable

    a = sweep.adaptive
    print(f"boundary of {a.metric} = {a.threshold:g} (also in {out / boundary.BOUNDARY}):")
    for line in boundary.describe(sweep, ResultsTable.load(out).rows):
        print(f"  {line}")


def _summary(report, out: Path, say) -> int:
    if report.skipped:
        print(f"skipped {report.skipped} of {report.total} runs already in {out}", file=sys.stderr)
    c = report.counts
    say(
        f"ran {report.done}: {c['ok']} ok, {c['diverged']} diverged, {c['failed']} failed; results in {out}/results.csv"
    )
    if report.slow_malloc is not None:
        print(
            f"featlearn sweep: note: the workers run with MALLOC_TRIM_THRESHOLD_={report.slow_malloc}, which slows "
            "training about 2x; see the README (Sweeps) to unset it",
            file=sys.stderr,
        )
    if report.failed:
        print(f"featlearn sweep: {len(report.failed)} runs failed:", file=sys.stderr)
        for line in report.failed:
            print(f"  {line}", file=sys.stderr)
        return EXIT_RUNS_FAILED
    return EXIT_OK
