"""The exit codes of every `summarizer` command: one table, documented once in README.md.

    0    done
    1    an input or runtime error: a file or URL that cannot be read, a backend that kept
         failing, a model that never gave a usable answer
    2    usage or configuration: a bad option or value, an unknown backend, `--backend
         replay` without `--recordings`, a results file another run is writing
    3    finished, but some items failed (their error lines or messages say which and why)
    4    stopped by `--budget` (rerun with a higher budget to finish)
    130  interrupted (Ctrl-C); commands that resume (batch) finish when rerun

Commands take their codes from `ExitCode` and map exceptions with `exit_code_for`, so the
same kind of failure exits the same way everywhere.
"""

from __future__ import annotations

from enum import IntEnum

from summarizer.errors import ConfigurationError


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    SOME_FAILED = 3
    BUDGET = 4
    INTERRUPTED = 130


def exit_code_for(error: BaseException) -> ExitCode:
    """The table's code for an exception that ends a command."""
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(error, ConfigurationError):
        return ExitCode.USAGE
    return ExitCode.ERROR
