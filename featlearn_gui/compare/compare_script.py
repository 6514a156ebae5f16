"""`featlearn-gui --compare NAME_OR_FILE [--run-steps N --screenshot PNG --quit]`: open a comparison (a built-in
name or a TOML file), train every run to N (or its own last step), screenshot the window and quit.

Exit status: 0; 2 when the comparison cannot be opened or the screenshot not written; 3 when a run failed (the
screenshot is still taken: it shows the failure).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from featlearn_gui import comparison as comparison_mod
from featlearn_gui.comparison import Comparison

EXIT_INVALID = 2
EXIT_FAILED = 3


def resolve(name_or_file: str) -> Comparison:
    """A comparison file when the path exists (or ends in .toml), else a built-in name; ConfigError otherwise."""
    path = Path(name_or_file)
    if path.is_file() or path.suffix.lower() == ".toml":
        return comparison_mod.load(path)
    return comparison_mod.builtin(name_or_file)


class CompareScript(QtCore.QObject):
    def __init__(self, window, args: argparse.Namespace) -> None:
        super().__init__(window)
        self.window, self.args = window, args
        self.exit_code = 0

    def start(self) -> None:
        if self.args.run_steps is not None:
            self.window.state.runs_changed.connect(self._on_state_runs_changed)
            self.window.session.train_to(self.args.run_steps)
            self._on_state_runs_changed()  # runs read from files (or 0 steps) may be done already
        else:
            QtCore.QTimer.singleShot(0, self, self._finish)

    @QtCore.Slot()
    def _on_state_runs_changed(self) -> None:
        runs = self.window.state.runs
        if not all(run.done for run in runs):
            return
        self.window.state.runs_changed.disconnect(self._on_state_runs_changed)
        for run in runs:
            if run.status == "failed":
                print(f"featlearn-gui: {run.label}: {run.message}", file=sys.stderr)
                self.exit_code = EXIT_FAILED
        QtCore.QTimer.singleShot(100, self, self._finish)  # let the last snapshots reach every view

    @QtCore.Slot()
    def _finish(self) -> None:
        window = self.window
        window.state.follow()
        window.flush()
        QtWidgets.QApplication.processEvents()
        if self.args.screenshot:
            path = Path(self.args.screenshot)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not window.grab().save(str(path)):
                print(f"featlearn-gui: cannot write the screenshot {path}", file=sys.stderr)
                self.exit_code = EXIT_INVALID
            else:
                print(f"featlearn-gui: saved {path}")
        if self.args.quit:
            window.session.shutdown()
            QtWidgets.QApplication.exit(self.exit_code)


def main(app: QtWidgets.QApplication, args: argparse.Namespace) -> int:
    """Run the comparison window as the application (the `--compare` branch of featlearn_gui.app.main)."""
    from engine.config import ConfigError
    from featlearn_gui.compare.compare_window import CompareWindow

    try:
        window = CompareWindow(resolve(args.compare), renderer=args.renderer or "auto")
    except ConfigError as exc:
        print(f"featlearn-gui: {exc}", file=sys.stderr)
        return EXIT_INVALID
    scripted = args.quit or args.screenshot is not None or args.run_steps is not None
    if scripted:
        window.resize(args.width, args.height)
    window.show()
    script = CompareScript(window, args)
    if scripted:
        script.start()
    code = app.exec()
    window.session.shutdown()
    return code or script.exit_code
