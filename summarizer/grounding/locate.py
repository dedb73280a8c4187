"""Finding a quote in the article: exact, then folded, then fuzzy (the match tier).

`find` returns where a quote stands and how it was found: `exact` (the very characters),
`folded` (equal once white space, quote marks and dashes are folded by
`summarizer.text.fold`, or case), `fuzzy` (rapidfuzz alignment above a threshold). The
returned `Evidence` always holds the article's own characters, so `text[start:end] ==
quote` holds by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from summarizer.schemas import Evidence
from summarizer.text.fold import FoldedText, fold

__all__ = [
    "FUZZY_THRESHOLD",
    "MIN_FUZZY_LENGTH",
    "QUOTE_FUZZY_THRESHOLD",
    "Located",
    "MatchTier",
    "clean_quote",
    "find",
    "folded_article",
    "locate",
]

FUZZY_THRESHOLD = 90.0
QUOTE_FUZZY_THRESHOLD = 95.0
# Below this length a fuzzy match is too likely to land on an unrelated phrase.
MIN_FUZZY_LENGTH = 24
_STRIP_CHARS = " \t\n\"'\u201c\u201d\u2018\u2019.…"

MatchTier = Literal["exact", "folded", "fuzzy"]


@dataclass(frozen=True)
class Located:
    """A quote placed in the article: its span (the article's characters) and match tier."""

    evidence: Evidence
    tier: MatchTier

    @property
    def start(self) -> int:
        return self.evidence.start

    @property
    def end(self) -> int:
        return self.evidence.end


@lru_cache(maxsize=64)
def folded_article(text: str) -> FoldedText:
    return fold(text)


def clean_quote(quote: str) -> str:
    """Strip what models add around a quote: white space, quote marks, ellipses."""
    return quote.strip().strip(_STRIP_CHARS).strip()


def _evidence(text: str, start: int, end: int) -> Evidence:
    return Evidence(quote=text[start:end], start=start, end=end)


def find(quote: str, text: str, *, threshold: float = FUZZY_THRESHOLD) -> Located | None:
    """Where `quote` stands in `text` and by which tier; None if nowhere."""
    if not quote.strip():
        return None
    start = text.find(quote)
    if start >= 0:
        return Located(_evidence(text, start, start + len(quote)), "exact")
    needle = fold(clean_quote(quote)).folded
    if not needle:
        return None
    article = folded_article(text)
    start = article.folded.find(needle)
    if start < 0:
        lowered = article.folded.casefold()
        start = lowered.find(needle.casefold()) if len(lowered) == len(article.folded) else -1
    if start >= 0:
        return Located(_evidence(text, *article.span(start, start + len(needle))), "folded")
    if len(needle) < MIN_FUZZY_LENGTH:
        return None
    alignment = fuzz.partial_ratio_alignment(needle, article.folded, score_cutoff=threshold)
    if alignment is None or alignment.dest_end <= alignment.dest_start:
        return None
    # A fuzzy match must not be much shorter than the quote (a fragment scores high too).
    if alignment.dest_end - alignment.dest_start < 0.8 * len(needle):
        return None
    span = article.span(alignment.dest_start, alignment.dest_end)
    return Located(_evidence(text, *span), "fuzzy")


def locate(quote: str, text: str, *, threshold: float = FUZZY_THRESHOLD) -> Evidence | None:
    """Where `quote` stands in `text`: exact, then folded, then fuzzy; None if nowhere."""
    found = find(quote, text, threshold=threshold)
    return None if found is None else found.evidence
