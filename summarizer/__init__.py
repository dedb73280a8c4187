"""summarizer: typed, verifiable structured summaries of news about wars, aid and arms transfers.

    >>> from summarizer import summarize
    >>> result = summarize("fixtures/articles/000_nk-missiles-russia.txt")
    >>> result.aid[0].amount.amount

The public API is `summarize`, `asummarize`, `Summarizer`, `summarize_many` (many articles,
async, with a store) and the record types of `summarizer.schemas`.

Exports are loaded on first use (PEP 562), so `import summarizer` (and every command that
needs no model) does not import the openai SDK or instructor.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from summarizer.quiet import quiet_library_loggers

if TYPE_CHECKING:  # what the lazy exports below resolve to, for type checkers
    from summarizer.api import Summarizer, asummarize, summarize
    from summarizer.runner import summarize_many, summarize_many_sync
    from summarizer.schemas import AidFigure, ArticleSummary, Event, Quote, WeaponsTransfer

# public name -> the module that defines it
_EXPORTS = {
    "AidFigure": "summarizer.schemas",
    "ArticleSummary": "summarizer.schemas",
    "Event": "summarizer.schemas",
    "Quote": "summarizer.schemas",
    "WeaponsTransfer": "summarizer.schemas",
    "Summarizer": "summarizer.api",
    "asummarize": "summarizer.api",
    "summarize": "summarizer.api",
    "summarize_many": "summarizer.runner",
    "summarize_many_sync": "summarizer.runner",
}

quiet_library_loggers()  # no library log output unless the application configures logging

__all__ = [
    "AidFigure",
    "ArticleSummary",
    "Event",
    "Quote",
    "Summarizer",
    "WeaponsTransfer",
    "__version__",
    "asummarize",
    "summarize",
    "summarize_many",
    "summarize_many_sync",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from summarizer._version import package_version

        return package_version()
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
