"""The article a draft is checked against, with what the support rules look up in it.

`GroundingScope` names the article text (always the whole article, so offsets are the
article's), its publication date and title, and optionally the window of the chunk the
model read (`start`, `end`): evidence must be found inside the window, while the paragraph
around it and the title come from the whole article. Everything derived from the text
(paragraphs, instruction sentences, word tokens) is computed once per text and cached.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from summarizer.chunking import paragraph_spans, sentence_spans
from summarizer.grounding.locate import Located, find
from summarizer.normalize.numbers import words_to_digits
from summarizer.text.fold import fold_chars
from summarizer.text.plural import singular

if TYPE_CHECKING:
    from summarizer.articles import Article
    from summarizer.chunking import Chunk

__all__ = [
    "GroundingScope",
    "actor_context",
    "count_numbers",
    "headings",
    "instruction_spans",
    "paragraph_of",
    "tokens",
]

_TOKEN = re.compile(r"[\w$€£¥%]+", re.UNICODE)
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class GroundingScope:
    """The article a draft is checked against (see the module docstring)."""

    text: str
    published: str | None = None
    title: str | None = None
    start: int = 0
    end: int | None = None

    @classmethod
    def of(cls, article: Article, chunk: Chunk | None = None) -> GroundingScope:
        """The scope for `article`, or for one chunk of it (evidence must be in the chunk)."""
        published = article.meta.published.isoformat() if article.meta.published else None
        return cls(
            text=article.text,
            published=published,
            title=article.meta.title,
            start=chunk.start if chunk else 0,
            end=chunk.end if chunk else None,
        )

    def find(self, quote: str, *, threshold: float | None = None) -> Located | None:
        """`quote` in the scope's window, at whole-article offsets; never in an instruction."""
        end = len(self.text) if self.end is None else self.end
        found = _find_in(quote, self.text, self.start, end, threshold)
        if found is None or _overlaps_instruction(self.text, found.start, found.end):
            return None
        return found

    def title_lines(self) -> list[str]:
        """The title (metadata) and the article's own title lines: they support actors."""
        return [*([self.title] if self.title else []), *headings(self.text)]

    def is_instruction(self, quote: str) -> bool:
        """Whether `quote` stands in the article only inside an instruction sentence."""
        found = _find_in(quote, self.text, 0, len(self.text), None)
        return found is not None and _overlaps_instruction(self.text, found.start, found.end)


def _find_in(quote: str, text: str, start: int, end: int, threshold: float | None
             ) -> Located | None:  # fmt: skip
    window = text if (start, end) == (0, len(text)) else text[start:end]
    found = find(quote, window) if threshold is None else find(quote, window, threshold=threshold)
    if found is None or window is text:
        return found
    evidence = found.evidence.model_copy(
        update={"start": found.start + start, "end": found.end + start}
    )
    return Located(evidence, found.tier)


@functools.cache
def _instruction_pattern() -> re.Pattern[str]:
    """The data file's patterns as one alternation: one search per sentence, not six (this
    runs over every sentence of every new article)."""
    raw = resources.files("summarizer").joinpath("data/injection.json").read_text("utf-8")
    patterns = json.loads(raw)["patterns"]
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@functools.lru_cache(maxsize=64)
def instruction_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Sentences of `text` that address a model (prompt injection), as (start, end)."""
    # A sentence's match is a match in the whole text (sentences are separated by white
    # space), so a text with none has no such sentence: one search for the usual article.
    if not _instruction_pattern().search(fold_chars(text)):
        return ()
    found = []
    for p_start, p_end in paragraph_spans(text):
        for start, end in sentence_spans(text, p_start, p_end):
            sentence = fold_chars(text[start:end])
            if _instruction_pattern().search(sentence):
                found.append((start, end))
    return tuple(found)


def _overlaps_instruction(text: str, start: int, end: int) -> bool:
    return any(a < end and start < b for a, b in instruction_spans(text))


def without_instructions(text: str) -> str:
    """`text` with its instruction sentences blanked out (offsets unchanged)."""
    pieces = list(text)
    for start, end in instruction_spans(text):
        pieces[start:end] = " " * (end - start)
    return "".join(pieces)


_HEADING_MAX_CHARS = 200
_SENTENCE_CLOSE = (".", "!", "?", "\u201d", '"')


@functools.lru_cache(maxsize=64)
def headings(text: str) -> tuple[str, ...]:
    """The article's title lines: the leading paragraphs that are not sentences (a
    headline, a dateline, "Antony J. Blinken, Secretary of State", "Attributed to ...:"),
    up to the first paragraph of running text."""
    found = []
    for start, end in _paragraphs(text):
        paragraph = text[start:end]
        if len(paragraph) > _HEADING_MAX_CHARS or paragraph.rstrip().endswith(_SENTENCE_CLOSE):
            break
        found.append(paragraph)
    return tuple(found)


@functools.lru_cache(maxsize=64)
def _paragraphs(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(paragraph_spans(text))


_LIST_ITEM_MAX_CHARS = 200
_TURN_LABEL = re.compile(r"^(?:[A-Z][A-Z.'\u2019-]*\s+){0,3}[A-Z][A-Z.'\u2019-]+:")


def _holding(text: str, start: int, end: int) -> list[int]:
    paragraphs = _paragraphs(text)
    return [i for i, (a, b) in enumerate(paragraphs) if a < end and start < b]


def paragraph_of(text: str, start: int, end: int) -> str:
    """The paragraph(s) of `text` that hold `text[start:end]`; a paragraph that opens a
    list with a colon ("Included in this package are:") runs on through the list."""
    paragraphs = _paragraphs(text)
    held = _holding(text, start, end)
    if not held:
        return text[start:end]
    last = held[-1]
    if text[paragraphs[last][0] : paragraphs[last][1]].rstrip().endswith(":"):
        while last + 1 < len(paragraphs):
            a, b = paragraphs[last + 1]
            if b - a > _LIST_ITEM_MAX_CHARS:
                break
            last += 1
            if text[a:b].rstrip().endswith("."):
                break
    return text[paragraphs[held[0]][0] : paragraphs[last][1]]


def actor_context(text: str, start: int, end: int) -> list[str]:
    """Where an actor of the evidence `text[start:end]` may be named besides its paragraph:
    the paragraph before (which often names the actor once: "The Council adopted ...",
    then "This decision ..."), the article's lead (title lines and first paragraph of
    running text) and, in a transcript, the speaker label of the turn ("MR. KIRBY:")."""
    paragraphs = _paragraphs(text)
    held = _holding(text, start, end)
    found: list[str] = []
    if held and held[0] > 0:
        a, b = paragraphs[held[0] - 1]
        found.append(text[a:b])
    lead = len(headings(text))
    if lead < len(paragraphs):
        a, b = paragraphs[lead]
        found.append(text[a:b])
    for index in reversed(range(held[0] + 1 if held else 0)):
        a, b = paragraphs[index]
        label = _TURN_LABEL.match(text[a:b])
        if label:
            found.append(label.group())
            break
    return found


# Texts longer than this (whole articles, chunks) get a cache of their own: a batch of
# distinct articles would otherwise fill the phrase cache with them (16 MiB at 2,000).
_PHRASE_MAX_CHARS = 1000


def tokens(text: str) -> tuple[str, ...]:
    """Word tokens for matching: folded, case-folded, plural-folded ("U.S." -> "u", "s")."""
    return _article_tokens(text) if len(text) > _PHRASE_MAX_CHARS else _phrase_tokens(text)


def _tokenize(text: str) -> tuple[str, ...]:
    return tuple(map(singular, _TOKEN.findall(fold_chars(text).casefold())))


_phrase_tokens = functools.lru_cache(maxsize=4096)(_tokenize)
_article_tokens = functools.lru_cache(maxsize=64)(_tokenize)


_MONTHS = frozenset(
    [
        "jan",
        "january",
        "feb",
        "february",
        "mar",
        "march",
        "apr",
        "april",
        "may",
        "jun",
        "june",
        "jul",
        "july",
        "aug",
        "august",
        "sep",
        "sept",
        "september",
        "oct",
        "october",
        "nov",
        "november",
        "dec",
        "december",
    ]
)


@functools.lru_cache(maxsize=4096)
def count_numbers(text: str) -> frozenset[str]:
    """The numbers `text` writes as counts or amounts: digits or number words, commas
    dropped, and not a day of a month ("Dec. 30", "30 December" give no 30)."""
    digits = words_to_digits(fold_chars(text))
    found = set()
    for match in _DIGITS.finditer(digits):
        before = _TOKEN.findall(digits[max(0, match.start() - 12) : match.start()].casefold())
        after = _TOKEN.findall(digits[match.end() : match.end() + 12].casefold())
        if (before and before[-1] in _MONTHS) or (after and after[0] in _MONTHS):
            continue
        found.add(match.group().replace(",", ""))
    return frozenset(found)


@functools.lru_cache(maxsize=64)
def all_numbers(text: str) -> frozenset[str]:
    """Every number `text` writes (digits or number words), commas dropped. Cached: the same
    article is read by every summary sentence and by grounding inside and after validation."""
    digits = words_to_digits(fold_chars(text))
    return frozenset(m.group().replace(",", "") for m in _DIGITS.finditer(digits))
