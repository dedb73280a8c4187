"""Library logging stays silent unless the application configured logging.

When nobody configured logging, Python prints a library's WARNING and ERROR records on
stderr through its last-resort handler. instructor logs an expected outcome (re-asks used
up, which the result already lists in `provenance.rejected`) as an ERROR some twenty lines
long, so a library call that returned normally would still print it. A `NullHandler` on
each library's logger stops the last resort and nothing else: records still propagate to
whatever handlers an application sets up, at the levels it chose. The CLI's `-v` is such a
set-up (`configure_cli_logging`).
"""

from __future__ import annotations

import logging

# The loggers of this package and of the libraries it drives.
LIBRARY_LOGGERS = (
    "summarizer",
    "instructor",
    "openai",
    "httpx",
    "httpcore",
    "trafilatura",
    "htmldate",
    "courlan",
    "justext",
    "pypdf",
    "llama_cpp",
)


def quiet_library_loggers() -> None:
    """Give each library logger a `NullHandler` (once), so nothing reaches the last resort."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
            logger.addHandler(logging.NullHandler())


def configure_cli_logging(verbose: bool) -> None:
    """`-v`: the libraries' records from INFO up on stderr; without it, none of them.

    The CLI prints its own one-line errors, so a run without `-v` configures nothing.
    """
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
