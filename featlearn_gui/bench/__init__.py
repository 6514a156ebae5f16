"""`featlearn bench`: speed measured side by side in one process, printed as tables with ratios.

Parts: engine (analytic vs autograd GD, the paper preset end to end vs plain numpy), gui (training with the window
attached vs headless, render time per frame, worst GUI stall, recovery copy), export (MP4 export vs
matplotlib), cli (start-up of `--help`, `presets` and `info` as ratios to `python -c "import numpy"`), sweep
(a sweep on 1 vs 2 local workers, overhead per run, the nanny's MALLOC_TRIM_THRESHOLD_ default vs unset),
boundary (an adaptive sweep's boundary error vs a uniform grid's on a synthetic step; `--only boundary-training`
adds the slow comparison on training runs).
Nothing here asserts a wall-clock number; the README and closing notes quote what it prints.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import traceback


def _print_table(title: str, rows: list[dict], columns: list[tuple[str, str, str]]) -> None:
    print(f"\n{title}")
    print("  ".join(f"{head:>{len(head) + 2}}" for _, head, _ in columns))
    for row in rows:
        print("  ".join(f"{row[key]:>{len(head) + 2}{fmt}}" for key, head, fmt in columns))


def bench_engine(quick: bool) -> None:
    import torch

    from engine.bench import engine_table, paper_numpy_seconds

    torch.set_num_threads(1)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    widths = (50, 500, 2000) if quick else (50, 500, 2000, 5000)
    rows = engine_table(widths, device=device, seconds=0.2 if quick else 0.5)
    _print_table(
        f"Population GD, d = 3, relu_centered, device {device}, 1 torch thread: analytic vs autograd",
        rows,
        [
            ("m", "m", "d"),
            ("dtype", "dtype", "s"),
            ("analytic_steps_per_s", "analytic steps/s", ".1f"),
            ("autograd_steps_per_s", "autograd steps/s", ".1f"),
            ("ratio", "ratio", ".1f"),
            ("analytic_s_per_step", "analytic s/step", ".4f"),
        ],
    )
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "featlearn_gui.cli",
                "run",
                "--preset",
                "paper",
                "--quiet",
                "--out",
                os.path.join(tmp, "paper.npz"),
            ],
            check=True,
        )
        wall = time.perf_counter() - start
    bench_samples(quick, device)
    numpy_loop = paper_numpy_seconds()
    ours_loop = 16000 / next(r["analytic_steps_per_s"] for r in rows if r["m"] == 50 and r["dtype"] == "float64")
    print(f"\n`featlearn run --preset paper` (16,000 steps, m = 50), wall time with start-up: {wall:.2f} s")
    print(
        f"the 16,000 steps alone: featlearn {ours_loop:.2f} s, plain numpy (engine.numpy_reference) "
        f"{numpy_loop:.2f} s -> featlearn is {numpy_loop / ours_loop:.1f}x faster"
    )


def bench_samples(quick: bool, device: str) -> None:
    """The loss on samples: analytic vs autograd at n = 20,000, online SGD, and the memory of n = 10^6."""
    from engine.bench import empirical_memory, empirical_rates, online_rate

    seconds = 1.5 if quick else 6.0
    row = empirical_rates(20_000, 50, device=device, seconds=seconds, rounds=3 if quick else 6)
    _print_table(
        f"Empirical loss, n = 20,000, m = 50, d = 3, float64, device {device}, 1 torch thread: Trainer steps/s",
        [row],
        [
            ("numpy_steps_per_s", "analytic numpy", ".1f"),
            ("torch_steps_per_s", "analytic torch", ".1f"),
            ("autograd_steps_per_s", "autograd", ".1f"),
            ("ratio", "ratio (best analytic / autograd)", ".1f"),
        ],
    )
    rows = [online_rate(batch, 50, device=device, seconds=seconds / 3) for batch in (100, 1000)]
    _print_table(
        "Online SGD (fresh samples every step), m = 50",
        rows,
        [("batch", "batch", "d"), ("steps_per_s", "steps/s", ".1f")],
    )
    if device == "cpu":
        mem = empirical_memory(10**5 if quick else 10**6)
        print(
            f"\nPeak memory, empirical run with n = {mem['n']:,}: {mem['peak_mib']:.0f} MiB in all, "
            f"{mem['added_mib']:.1f} MiB over n = 1,000; the config's bound for the samples: {mem['bound_mib']:.1f} MiB"
        )


def bench_gui(quick: bool) -> None:
    from .gui import attached_vs_headless, recovery_cost, space_to_first_snapshot_ms
    from .render import frame_times

    steps = 2000 if quick else 16000  # the whole preset by default
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    for loaded in (False, True):
        result = attached_vs_headless(preset="paper", steps=steps, loaded=loaded)
        what = "with a second process loading one core" if loaded else "quiet"
        print(f"\nTraining with the GUI attached vs headless, max speed, paper preset, {what} "
              f"(load average before: {load:.2f} on {os.cpu_count()} cores)")
        for key, value in result.items():
            print(f"  {key:<32} {value:.3f}" if isinstance(value, float) else f"  {key:<32} {value}")
        if quick:
            break
    print(f"\nSpace to the first new snapshot on screen (warm training process): "
          f"{space_to_first_snapshot_ms(repeats=3 if quick else 7):.0f} ms (median)")
    if not quick:
        seconds = startup_seconds({
            'python -c "import torch, PySide6.QtWidgets, pyqtgraph"':
                [sys.executable, "-c", "import torch, PySide6.QtWidgets, pyqtgraph"],
            "featlearn-gui to first frame": _first_frame_command(),
        }, repeats=3)
        base, app = seconds.values()
        print(f"\nApp start to first frame: {app:.2f} s = {app / base:.2f}x a bare import of torch, PySide6, pyqtgraph")
    rows = []
    for renderer in ("projected", "map", "gl"):
        try:
            rows.append({"renderer": renderer, **frame_times(renderer, m=2000, frames=30 if quick else 60)})
        except Exception as exc:  # GL is missing on headless machines: report, go on
            print(f"  renderer {renderer}: not measured ({exc})")
    for row in rows:
        numbers = row.get("skipped") or ", ".join(f"{k} {v:.2f}" for k, v in row.items() if isinstance(v, float))
        print(f"  frame time, m = 2,000, {row['renderer']:<9}: {numbers}")
    from .drag import drag_rate

    for renderer in ("projected", "map"):
        row = drag_rate(renderer, updates=30 if quick else 60)
        print(f"  teacher drag, d = 3, k = 3, {row['renderer']:<9}: {row['drag_updates_per_s']:.0f} updates/s vs "
              f"{row['frames_per_s']:.0f} ordinary frames/s with the pre-certificate (ratio {row['ratio']:.2f}); per "
              f"CPU second {row['drag_updates_per_cpu_s']:.0f} vs {row['frames_per_cpu_s']:.0f}")
    cost = recovery_cost()
    print(f"\nRecovery copy of the whole paper run ({cost['snapshots']} snapshots): {1000 * cost['seconds']:.1f} ms "
          f"of the GUI thread every {cost['interval_s']:.0f} s = {100 * cost['share']:.2f} % of its time")


def _first_frame_command() -> list[str]:
    shot = os.path.join(tempfile.gettempdir(), f"featlearn-bench-{os.getpid()}.png")
    return ["env", "QT_QPA_PLATFORM=offscreen", sys.executable, "-m", "featlearn_gui", "--preset", "paper",
            "--run-steps", "0", "--screenshot", shot, "--quit"]


def bench_export(quick: bool) -> None:
    from engine import presets
    from engine.trainer import train

    from .export import mp4_vs_matplotlib

    history = train(presets.load("paper"))
    result = mp4_vs_matplotlib(history, size=(800, 608), frames=30 if quick else 60)
    print("\nMP4 export at 800x608 of the paper run vs matplotlib FuncAnimation")
    for key, value in result.items():
        print(f"  {key:<32} {value:.3f}" if isinstance(value, float) else f"  {key:<32} {value}")


def startup_seconds(commands: dict[str, list[str]], repeats: int) -> dict[str, float]:
    """Median wall time of each command, run `repeats` times interleaved (so load drifts hit all alike)."""
    import statistics

    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def bench_cli(quick: bool) -> None:
    """Start-up of the commands that train nothing, as ratios to `python -c "import numpy"`."""
    featlearn = [sys.executable, "-m", "featlearn_gui.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        run = os.path.join(tmp, "run.npz")
        subprocess.run([*featlearn, "run", "--set", "optim.steps=100", "--quiet", "--out", run], check=True)
        commands = {
            'python -c "import numpy"': [sys.executable, "-c", "import numpy"],
            "featlearn --help": [*featlearn, "--help"],
            "featlearn presets": [*featlearn, "presets"],
            "featlearn info RUN.npz": [*featlearn, "info", run],
            'python -c "import torch"': [sys.executable, "-c", "import torch"],
            # the app from start to its first frame on screen (saved), offscreen so it runs anywhere
            "featlearn-gui to first frame": ["env", "QT_QPA_PLATFORM=offscreen", sys.executable, "-m", "featlearn_gui",
                                             "--preset", "paper", "--run-steps", "0", "--screenshot",
                                             os.path.join(tmp, "first.png"), "--quit"],
        }
        seconds = startup_seconds(commands, repeats=3 if quick else 7)
    base = seconds['python -c "import numpy"']
    rows = [{"command": name, "s": s, "ratio": s / base} for name, s in seconds.items()]
    width = max(len(name) for name in commands)
    print("\nStart-up of commands that train nothing (median wall time; ratio to importing numpy)")
    for row in rows:
        print(f"  {row['command']:<{width}}  {row['s']:.3f} s  {row['ratio']:5.1f}x")




def bench_sweep(quick: bool) -> None:
    from engine.sweep.bench import sweep_table

    runs, run_s = (8, 1.0) if quick else (16, 2.0)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    result = sweep_table(runs=runs, run_s=run_s)
    print(
        f"\nSweep of {result['runs']} runs ({result['steps']} steps of the paper preset, about {run_s:g} s each on "
        f"one thread) on a LocalCluster; load average before: {load:.2f} on {os.cpu_count()} cores"
    )
    _print_table(
        "1 vs 2 workers (one thread each)",
        result["rows"],
        [
            ("workers", "workers", "d"),
            ("total_s", "total s (with start-up)", ".2f"),
            ("sweep_s", "s after start-up", ".2f"),
            ("task_s_mean", "mean task s", ".2f"),
            ("cpu_share", "task CPU / wall", ".2f"),
            ("overhead_s_per_run", "overhead s/run", ".3f"),
        ],
    )
    print("  (task CPU / wall below 1: the workers wait for a core other programs hold; 2 workers then gain little)")
    one, two = result["rows"]
    print(
        f"  2 workers vs 1: {one['sweep_s'] / two['sweep_s']:.2f}x faster after start-up "
        f"({one['total_s'] / two['total_s']:.2f}x with it)"
    )
    slow, fast = result["trim"]["65536"], result["trim"]["unset"]
    print(
        f"  m = 200, {result['wide_steps']} steps, 1 worker: with the nanny's MALLOC_TRIM_THRESHOLD_=65536 a task "
        f"takes {slow['task_s_mean']:.2f} s, unset {fast['task_s_mean']:.2f} s -> "
        f"{slow['task_s_mean'] / fast['task_s_mean']:.2f}x faster unset"
    )


def bench_boundary(quick: bool) -> None:
    from engine.sweep.boundary_bench import synthetic_table

    rows = synthetic_table((6, 8) if quick else (6, 8, 12, 16))
    _print_table(
        "Boundary location, synthetic step at 5 known positions in 3 decades: mean |error| in log10 units, "
        "adaptive sweep vs uniform grid (5 offsets) of as many runs",
        rows,
        [
            ("runs", "runs", "d"),
            ("adaptive", "adaptive", ".4f"),
            ("grid", "grid", ".4f"),
            ("ratio", "grid/adaptive", ".1f"),
            ("grid_runs_same_error", "grid runs for the adaptive error", "d"),
        ],
    )


def bench_boundary_training(quick: bool) -> None:
    """Slow (about 100 training runs of 16,000 steps): only with --only boundary-training."""
    from engine.sweep.boundary_bench import training_table

    r = training_table(runs=6 if quick else 8)
    print(
        f"\nCritical weight decay of the centred ReLU (paper's teacher, 16,000 steps, 2 seeds): bisection reference "
        f"lambda0 = {10 ** r['reference']:.4g}; with {r['runs']} runs the adaptive sweep is {r['adaptive']:.3f} off "
        f"in log10, a uniform grid {r['grid']:.3f} (mean of 5 offsets): {r['grid'] / max(r['adaptive'], 1e-9):.1f}x"
    )


PARTS = {"engine": bench_engine, "gui": bench_gui, "export": bench_export, "cli": bench_cli, "sweep": bench_sweep}
PARTS["boundary"] = bench_boundary
EXPLICIT_PARTS = {"boundary-training": bench_boundary_training}  # run only when named: they take long


def main(args) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")
    if args.only is None or "gui" in args.only:
        from PySide6 import QtCore

        # As the app does: several OpenGL views (the benchmark's, one after another) share one context.
        QtCore.QCoreApplication.setAttribute(QtCore.Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    failed = 0
    for name in args.only or list(PARTS):
        try:
            {**PARTS, **EXPLICIT_PARTS}[name](args.quick)
        except Exception:
            failed += 1
            print(f"\nbench part {name!r} failed:", file=sys.stderr)
            traceback.print_exc()
    return 1 if failed else 0
