"""Cutting an article into chunks that fit a model's context, with offsets kept.

A `Chunk` is a slice of `Article.text`: `article.text[chunk.start:chunk.end] == chunk.text`,
so everything found in a chunk can be placed in the whole article without searching again.
Cuts fall at paragraph boundaries (a blank line); a paragraph over budget is cut at
sentence ends.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# A sentence ends after . ! or ? and white space, but not after an abbreviation: an initial
# or "U.S." (a capital letter and a full stop), a month ("Dec. 30"), a title ("Mr. Kirby").
_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\b[A-Z]\.)(?<!\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.)"
    r"(?<!\bSept\.)(?<!\b(?:Mr|Ms|Dr|St|Lt|No)\.)(?<!\b(?:Mrs|Gen|Sen|Rep|Col|Gov)\.)\s+"
)


@dataclass(frozen=True)
class Chunk:
    """`text == article_text[start:end]`; `number` counts from 1 of `count`."""

    start: int
    end: int
    text: str
    number: int = 1
    count: int = 1


def _spans(
    text: str, separator: re.Pattern[str], start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Non-blank stretches of `text[start:end]` between matches of `separator`, stripped."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in separator.finditer(text, start, end):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, end))
    stripped = []
    for a, b in spans:
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if b - trail > a + lead:
            stripped.append((a + lead, b - trail))
    return stripped


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every paragraph of `text`; a paragraph ends at a blank line."""
    return _spans(text, _PARAGRAPH_BREAK)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of every sentence of `text[start:end]`, cut after . ! or ?"""
    return _spans(text, _SENTENCE_END, start, end)


def chunk_article(text: str, budget: int, count_tokens: Callable[[str], int]) -> list[Chunk]:
    """`text` cut into chunks of at most `budget` tokens, at paragraph boundaries."""
    if count_tokens(text) <= budget:
        return [Chunk(0, len(text), text)]
    pieces: list[tuple[int, int]] = []
    for start, end in paragraph_spans(text):
        if count_tokens(text[start:end]) <= budget:
            pieces.append((start, end))
        else:
            pieces.extend(sentence_spans(text, start, end))
    groups: list[tuple[int, int]] = []
    for start, end in pieces:
        if groups and count_tokens(text[groups[-1][0] : end]) <= budget:
            groups[-1] = (groups[-1][0], end)
        else:
            groups.append((start, end))
    return [
        Chunk(start, end, text[start:end], number, len(groups))
        for number, (start, end) in enumerate(groups, start=1)
    ]
