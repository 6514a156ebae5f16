"""Dependencies that tell the truth: the subcommands do not import the `featlearn` entry point that dispatches to
them (no cli <-> sweep/command cycle)."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["featlearn_gui.sweep.command", "featlearn_gui.export.command"])
def test_a_subcommand_does_not_import_the_entry_point(module):
    code = f"import sys, {module}; print('featlearn_gui.cli' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
