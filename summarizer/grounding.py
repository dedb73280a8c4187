"""Grounding: code, not the model, decides where a quote is and whether a record is supported.

`locate` finds a quote in the article: an exact match first, then a match that ignores
differences of white space, quote marks and dashes, then a fuzzy match (rapidfuzz) above a
threshold. The returned `Evidence` always holds the article's own characters, so
`text[start:end] == quote` holds by construction.

`check_draft` lists every reason a draft record is not supported: evidence that cannot be
located, names and numbers that do not occur in the article. The `Draft` validator turns
that list into a re-ask; after the last re-ask, `partition_draft` keeps what is supported
and reports the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from summarizer.drafts import (
    RECORD_FIELDS,
    Draft,
    DraftAid,
    DraftAttribution,
    DraftEvent,
    DraftQuote,
    DraftRecord,
    DraftTransfer,
    Problem,
)
from summarizer.normalization import entity_names
from summarizer.schemas import Evidence, RecordKind, Rejection

FUZZY_THRESHOLD = 90.0
QUOTE_FUZZY_THRESHOLD = 95.0
# Below this length a fuzzy match is too likely to land on an unrelated phrase.
MIN_FUZZY_LENGTH = 24

_CHAR_FOLDS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2026": "...",
}  # fmt: skip
_STRIP_CHARS = " \t\n\"'\u201c\u201d\u2018\u2019.…"
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "its",
        "their",
        "his",
        "her",
    ]
)
_WORD = re.compile(r"[\w$€£¥%]+(?:[.,'’-][\w]+)*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class FoldedText:
    """Text with white space collapsed and quote marks/dashes folded, mapped to the original."""

    folded: str
    origin: tuple[int, ...]  # origin[i] = index in the original of folded[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span that folded[start:end] came from."""
        return self.origin[start], self.origin[end - 1] + 1


def fold(text: str) -> FoldedText:
    chars: list[str] = []
    origin: list[int] = []
    previous_space = True  # drops leading white space
    for index, char in enumerate(text):
        folded = _CHAR_FOLDS.get(char, char)
        if folded.isspace():
            if previous_space:
                continue
            folded, previous_space = " ", True
        else:
            previous_space = False
        for piece in folded:
            chars.append(piece)
            origin.append(index)
    while chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return FoldedText("".join(chars), tuple(origin))


@lru_cache(maxsize=64)
def _folded_article(text: str) -> FoldedText:
    return fold(text)


@lru_cache(maxsize=64)
def _article_words(text: str) -> frozenset[str]:
    return frozenset(word.casefold() for word in _WORD.findall(_folded_article(text).folded))


def clean_quote(quote: str) -> str:
    """Strip what models add around a quote: white space, quote marks, ellipses."""
    return quote.strip().strip(_STRIP_CHARS).strip()


def _evidence(text: str, start: int, end: int) -> Evidence:
    return Evidence(quote=text[start:end], start=start, end=end)


def locate(quote: str, text: str, *, threshold: float = FUZZY_THRESHOLD) -> Evidence | None:
    """Where `quote` stands in `text`: exact, then folded, then fuzzy; None if nowhere."""
    if not quote.strip():
        return None
    start = text.find(quote)
    if start >= 0:
        return _evidence(text, start, start + len(quote))
    needle = fold(clean_quote(quote)).folded
    if not needle:
        return None
    article = _folded_article(text)
    start = article.folded.find(needle)
    if start < 0:
        lowered = article.folded.casefold()
        start = lowered.find(needle.casefold()) if len(lowered) == len(article.folded) else -1
    if start >= 0:
        return _evidence(text, *article.span(start, start + len(needle)))
    if len(needle) < MIN_FUZZY_LENGTH:
        return None
    alignment = fuzz.partial_ratio_alignment(needle, article.folded, score_cutoff=threshold)
    if alignment is None or alignment.dest_end <= alignment.dest_start:
        return None
    # A fuzzy match must not be much shorter than the quote (a fragment scores high too).
    if alignment.dest_end - alignment.dest_start < 0.8 * len(needle):
        return None
    return _evidence(text, *article.span(alignment.dest_start, alignment.dest_end))


def contains_phrase(haystack: str, phrase: str) -> bool:
    """`phrase` occurs in `haystack` as whole words ("US" is not in "Russia")."""
    pattern = r"(?<!\w)" + re.escape(phrase) + r"(?!\w)"
    return re.search(pattern, haystack) is not None


def name_in_article(name: str, text: str, *, actor: bool = False) -> bool:
    """A name counts when any of its known names, or all of its content words, occur."""
    folded_article = _folded_article(text).folded.casefold()
    for variant in entity_names(name, actor=actor):
        if contains_phrase(folded_article, fold(variant).folded.casefold()):
            return True
    words = {w.casefold() for w in _WORD.findall(fold(name).folded)} - _STOPWORDS
    return bool(words) and words <= _article_words(text)


def number_in_article(value_text: str, text: str) -> bool:
    """A number phrase counts when it occurs, or when every number in it occurs."""
    folded_article = _folded_article(text).folded.casefold()
    if fold(clean_quote(value_text)).folded.casefold() in folded_article:
        return True
    numbers = [n.replace(",", "") for n in _NUMBER.findall(value_text)]
    article_numbers = {n.replace(",", "") for n in _NUMBER.findall(text)}
    if numbers:
        return all(n in article_numbers for n in numbers)
    return name_in_article(value_text, text)


def _check_names(path: str, fields: Iterable[tuple[str, str | None, bool]], text: str) -> list[str]:
    return [
        f"{path}.{field} {value!r} does not occur in the article"
        for field, value, actor in fields
        if value and value.strip() and not name_in_article(value, text, actor=actor)
    ]


def _check_numbers(path: str, fields: Iterable[tuple[str, str | None]], text: str) -> list[str]:
    return [
        f"{path}.{field} {value!r} does not occur in the article"
        for field, value in fields
        if value and value.strip() and not number_in_article(value, text)
    ]


def _check_date(path: str, value: str | None, text: str, published: str | None) -> list[str]:
    if not value or not value.strip() or value.strip() == published:
        return []
    return _check_numbers(path, [("date", value)], text)


def _check_evidence(path: str, quotes: list[str], text: str) -> list[str]:
    if not quotes:
        return [f"{path}.evidence is empty; quote at least one sentence from the article"]
    return [
        f"{path}.evidence[{i}] {quote[:80]!r} is not in the article"
        for i, quote in enumerate(quotes)
        if locate(quote, text) is None
    ]


def _attribution_fields(attribution: DraftAttribution | None) -> list[tuple[str, str | None, bool]]:
    return [("attribution.source", attribution.source if attribution else None, False)]


def record_problems(
    kind: RecordKind, record: object, path: str, text: str, published: str | None = None
) -> list[str]:
    """Every reason one draft record is not supported by the article."""
    if isinstance(record, DraftQuote):
        reasons = _check_names(path, [("speaker", record.speaker, False)], text)
        if locate(record.text, text, threshold=QUOTE_FUZZY_THRESHOLD) is None:
            reasons.append(
                f"{path}.text {record.text[:80]!r} is not a verbatim quote from the article"
            )
        return reasons
    if isinstance(record, DraftEvent):
        names = [
            ("attacker", record.attacker, True),
            ("target", record.target, False),
            ("location", record.location, False),
            ("country", record.country, False),
            *[(f"weapons[{i}]", w, False) for i, w in enumerate(record.weapons)],
        ]
        numbers = [
            ("munitions", record.munitions),
            ("killed", record.killed),
            ("injured", record.injured),
        ]
    elif isinstance(record, DraftAid):
        names = [
            ("donor", record.donor, True),
            ("recipient", record.recipient, True),
            ("mechanism", record.mechanism, False),
            *[(f"items[{i}]", item, False) for i, item in enumerate(record.items)],
        ]
        numbers = [("amount", record.amount)]
    elif isinstance(record, DraftTransfer):
        names = [
            ("supplier", record.supplier, True),
            ("recipient", record.recipient, True),
            ("weapon", record.weapon, False),
            ("designation", record.designation, False),
        ]
        numbers = [("quantity", record.quantity), ("value", record.value)]
    else:
        raise TypeError(f"not a draft record: {type(record).__name__}")
    return [
        *_check_evidence(path, record.evidence, text),
        *_check_names(path, [*names, *_attribution_fields(record.attribution)], text),
        *_check_numbers(path, numbers, text),
        *_check_date(path, record.date, text, published),
    ]


def check_draft(draft: Draft, text: str, *, published: str | None = None) -> list[Problem]:
    """Every problem of every record in `draft`, in order."""
    problems: list[Problem] = []
    for kind, index, record in draft.records():
        path = f"{RECORD_FIELDS[kind]}[{index}]"
        problems.extend(
            Problem(kind=kind, index=index, path=path, reason=reason.removeprefix(path).lstrip("."))
            for reason in record_problems(kind, record, path, text, published)
        )
    return problems


def partition_draft(
    draft: Draft, text: str, *, published: str | None = None
) -> tuple[Draft, list[Rejection]]:
    """Keep what the article supports; every record or quote dropped comes back as a Rejection.

    A record whose only problems are some of its evidence quotes keeps the quotes that
    were located; the dropped quotes are reported.
    """
    problems_by_record: dict[tuple[RecordKind, int], list[Problem]] = {}
    for problem in check_draft(draft, text, published=published):
        problems_by_record.setdefault((problem.kind, problem.index), []).append(problem)
    kept: dict[str, list[DraftRecord]] = {field: [] for field in RECORD_FIELDS.values()}
    rejected: list[Rejection] = []
    for kind, index, record in draft.records():
        problems = problems_by_record.get((kind, index), [])
        raw = record.model_dump_json(exclude_defaults=True)
        if problems and not isinstance(record, DraftQuote):
            located = [q for q in record.evidence if locate(q, text) is not None]
            if located and all(p.reason.startswith("evidence[") for p in problems):
                rejected.extend(
                    Rejection(kind=kind, reason=f"{p.path}: {p.reason}; quote dropped", raw=raw)
                    for p in problems
                )
                record = record.model_copy(update={"evidence": located})
                problems = []
        if problems:
            reason = "; ".join(f"{p.path}: {p.reason}" for p in problems)
            rejected.append(Rejection(kind=kind, reason=reason, raw=raw))
            continue
        kept[RECORD_FIELDS[kind]].append(record)
    return draft.model_copy(update=kept), rejected
