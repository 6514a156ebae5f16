"""`featlearn-gui`: the desktop app, and its scriptable mode for documentation and tests.

    featlearn-gui [CONFIG.toml | RUN.npz] [--preset NAME] [--renderer auto|gl|projected|map]
                  [--run-steps N] [--screenshot PNG] [--quit]
    featlearn-gui --compare NAME_OR_FILE [--run-steps N] [--screenshot PNG] [--quit]

`--run-steps N` trains every run to step N as fast as possible, `--screenshot` then saves a PNG of the whole
window (QWidget.grab) and `--quit` exits (status 0; 2 for invalid input, 3 when a run diverged or failed).
`--compare` opens the window on a comparison's runs instead of one run.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from engine.config import MAX_STEPS
from featlearn_gui import prompts
from featlearn_gui.exit_codes import EXIT_DIVERGED, EXIT_INVALID
from featlearn_gui.export import headless
from featlearn_gui.palette import RENDERERS

MIN_SIDE, MAX_SIDE = 200, 8192  # a window smaller shows nothing; larger ones exhaust memory (and crash Qt)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="featlearn-gui", description="Watch gradient descent learn features.")
    parser.add_argument("path", nargs="?", help="a config (.toml) or a run file (.npz) to open")
    parser.add_argument("--preset", help="start from this preset (see `featlearn presets`)")
    parser.add_argument("--compare", metavar="NAME_OR_FILE",
                        help="open a comparison: a built-in name (e.g. weight-decay-vs-none) or a TOML file; "
                             "--run-steps then trains each run to N or its own last step")
    parser.add_argument("--sweep", metavar="DIR_OR_SWEEP",
                        help="open a sweep's phase diagram: its results folder, its TOML or a built-in sweep's name")
    parser.add_argument("--renderer", choices=RENDERERS,
                        help="sphere renderer (default: auto; map: the whole sphere at once)")
    parser.add_argument("--run-steps", type=int, metavar="N", help="train N steps at full speed")
    parser.add_argument("--screenshot", metavar="PNG", help="save a PNG of the window after --run-steps")
    parser.add_argument("--size", default="1600x1000", metavar="WxH", help="window size in scripted runs")
    parser.add_argument("--quit", action="store_true", help="exit when the script is done")
    args = parser.parse_args(argv)
    try:
        args.width, args.height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size {args.size!r}: expected WIDTHxHEIGHT, e.g. 1600x1000")
    if not (MIN_SIDE <= args.width <= MAX_SIDE and MIN_SIDE <= args.height <= MAX_SIDE):
        parser.error(f"--size {args.size!r}: width and height must be between {MIN_SIDE} and {MAX_SIDE} pixels")
    if args.run_steps is not None and not 0 <= args.run_steps <= MAX_STEPS:
        parser.error(f"--run-steps {args.run_steps}: expected a step from 0 to {MAX_STEPS}")
    return args


def apply_style(app: QtWidgets.QApplication) -> None:
    """Fusion everywhere (the same look on every platform), pyqtgraph antialiased on white like the sphere."""
    import pyqtgraph as pg

    app.setStyle("Fusion")
    pg.setConfigOptions(antialias=True, background="w", foreground="#3c3f44")
    font = app.font()
    if font.pointSizeF() < 9:
        font.setPointSizeF(9)
        app.setFont(font)


class Script(QtCore.QObject):
    """The scripted mode: train every run to N, wait until each is done, screenshot, quit."""

    def __init__(self, window, args: argparse.Namespace, shown=None) -> None:
        super().__init__(window)
        self.window, self.args = window, args
        self.shown = shown or window  # what the screenshot shows: the window, or the phase diagram of --sweep
        self._finishing = False

    def start(self) -> None:
        if self.args.run_steps is not None:
            self.window.model.run_changed.connect(self._on_model_run_changed)
            self.window.session.train_to(self.args.run_steps)
            self._on_model_run_changed()  # runs read from files (or 0 steps) may be done already
        else:
            QtCore.QTimer.singleShot(0, self, self._finish)

    def _on_model_run_changed(self, *_args) -> None:
        runs = self.window.model.runs
        # A run that reached N is done for the screenshot, whether or not its training process has said so yet.
        done = all(run.done or run.last_step >= self.args.run_steps for run in runs)
        if not done or self._finishing:
            return
        self._finishing = True
        self.window.model.run_changed.disconnect(self._on_model_run_changed)
        for run in runs:
            if run.status == "failed":
                prompts.show_error(self.window, "Run failed", f"{run.label}: {run.message}", EXIT_DIVERGED)
        QtCore.QTimer.singleShot(100, self, self._finish)  # let the last snapshots reach every view

    @QtCore.Slot()
    def _finish(self) -> None:
        window = self.window
        window.model.playing = False
        window.model.follow()
        window.flush_redraws()
        QtWidgets.QApplication.processEvents()
        if self.args.screenshot:
            path = Path(self.args.screenshot)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not self.shown.grab().save(str(path)):
                prompts.show_error(window, "Screenshot", f"cannot write the screenshot {path}", EXIT_INVALID)
            else:
                prompts.confirm(window, "Screenshot", f"saved {path}")
        if self.args.quit:
            window.session.shutdown()
            QtWidgets.QApplication.exit(window.app.exit_code)


def resolve_comparison(name_or_file: str):
    """A comparison file when the path exists (or ends in .toml), else a built-in name; ConfigError otherwise."""
    from featlearn_gui.comparisons import file as comparison_file

    path = Path(name_or_file)
    if path.is_file() or path.suffix.lower() == ".toml":
        return comparison_file.load(path)
    return comparison_file.builtin(name_or_file)


def _open(window, args: argparse.Namespace, settings) -> bool:
    """What the command line asks the window to show: a comparison, a file, a preset, or the last preset."""
    if args.compare is not None:
        opened = window.open_comparison(resolve_comparison(args.compare))
        if args.renderer is not None:
            window.model.renderer = args.renderer  # asked for on the command line: over the comparison's [view]
        return opened
    if args.path:
        return window.files.open_path(args.path)
    return window.files.load_preset(args.preset or settings.last_preset())


def _close_on_interrupt(app: QtWidgets.QApplication) -> QtCore.QTimer:
    """Ctrl+C in the terminal closes every window as their close buttons do (asking about unsaved work)."""
    signal.signal(signal.SIGINT, lambda *_: QtCore.QTimer.singleShot(0, QtWidgets.QApplication.closeAllWindows))
    wake = QtCore.QTimer(app)  # Python runs signal handlers only when it gets control: give it some
    wake.timeout.connect(lambda: None)
    wake.start(200)
    return wake


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from featlearn_gui.worker_pool import pool

    pool().fill()  # the first training process imports torch (seconds) on another core while this one builds
    from engine import presets
    from engine.config import ConfigError
    from featlearn_gui.application import App

    # Several OpenGL sphere views (N runs) draw only when their contexts share resources; set before the app.
    if QtWidgets.QApplication.instance() is None:
        QtCore.QCoreApplication.setAttribute(QtCore.Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        QtCore.qInstallMessageHandler(headless.qt_message)  # without the offscreen platform's meaningless warnings
    qapp = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    qapp.setOrganizationName("featlearn")
    qapp.setApplicationName("featlearn-gui")
    qapp.setWindowIcon(QtGui.QIcon.fromTheme("applications-science"))
    apply_style(qapp)
    _close_on_interrupt(qapp)
    scripted = args.quit or args.screenshot is not None or args.run_steps is not None
    app = App(interactive=not scripted)  # scripted: nobody to ask; errors are one line on stderr
    try:
        if args.preset is not None:
            presets.path(args.preset)  # fail before any window appears
        if args.compare is not None:
            resolve_comparison(args.compare)  # likewise
    except ConfigError as exc:
        app.report(None, "Cannot start", str(exc))
        return app.exit_code
    window = app.new_window(renderer=args.renderer, restore=not scripted and args.compare is None)
    if scripted:
        window.fit_to_size(args.width, args.height)  # --size wins over the screen: reproducible screenshots
        window.recovery.close()  # a scripted run is nobody's work to recover
    try:
        opened = _open(window, args, app.settings)
    except ConfigError as exc:
        app.report(window, "Cannot open", str(exc))
        opened = False
    if not opened and scripted:
        window.session.shutdown()
        return app.exit_code or EXIT_INVALID
    if not opened:
        window.files.load_preset(presets.DEFAULT_PRESET)  # the person was told why; give them a run to work with
    if not scripted:
        window.fit_to_screen()  # a size restored from a larger monitor, or the default, clamped to this screen
    window.show()
    script_target = None
    if args.sweep is not None:
        try:
            shown = window.sweep_menu.open(args.sweep)
        except ConfigError as exc:
            app.report(window, "Cannot open the sweep", str(exc))
            window.session.shutdown()
            return app.exit_code
        if scripted:
            shown.resize(args.width, args.height)
            shown.reload()
            script_target = shown  # the screenshot shows the phase diagram
    if not scripted:
        app.offer_recovery(window)
    script = Script(window, args, script_target)
    if scripted:
        script.start()
    code = qapp.exec()
    window.session.shutdown()
    return code or app.exit_code


if __name__ == "__main__":
    sys.exit(main())
