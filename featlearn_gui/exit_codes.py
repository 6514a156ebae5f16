"""The exit statuses of every `featlearn` command, defined once.

0 success; 1 a failure that is not the user's input (a write that failed even after keeping the run elsewhere, an
encoder error); 2 invalid input (one clear line on stderr, no traceback); 3 training diverged (the finite history
is still written); 130 interrupted (Ctrl+C, SIGINT); 143 terminated (SIGTERM). 130 and 143 follow the shell's
128 + signal number.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_RUNS_FAILED = 1  # `sweep`: some runs failed for other reasons than divergence (listed)
EXIT_INVALID = 2
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143


class InvalidInput(Exception):
    """Bad input from the user: printed as one line, exit code 2 (EXIT_INVALID). Here, beside the code, so that
    every command can raise it without importing the `featlearn` entry point that dispatches to it."""


class Terminated(BaseException):
    """SIGTERM, raised in the main thread like KeyboardInterrupt is for SIGINT (see `sigterm_raises`)."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within: SIGTERM raises `Terminated`, so that `finally` blocks run and work can be saved (main thread)."""
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def signal_exit_code(exc: BaseException) -> int:
    """130 for KeyboardInterrupt, 143 for Terminated."""
    return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
