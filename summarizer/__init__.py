"""summarizer: typed, verifiable structured summaries of news about wars, aid and arms transfers.

    >>> from summarizer import summarize
    >>> result = summarize("fixtures/articles/000_nk-missiles-russia.txt")
    >>> result.aid[0].amount.amount

The public API is `summarize`, `asummarize`, `Summarizer`, `summarize_many` (many articles,
async, with a store) and the record types of `summarizer.schemas`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("summarizer")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

from summarizer.api import Summarizer, asummarize, summarize
from summarizer.batch import summarize_many, summarize_many_sync
from summarizer.schemas import (
    AidFigure,
    ArticleSummary,
    Event,
    Quote,
    WeaponsTransfer,
)

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
