"""Support rules: is a draft record supported by the article? (grounding owns the rules.)

`check_draft` lists every reason a draft record is not supported: evidence that cannot be
located, names and numbers that do not occur in the article. The `Draft` validator turns
that list into a re-ask (see `summarizer.grounding.scope`); after the last re-ask,
`partition_draft` keeps what is supported and reports the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from summarizer.drafts import (
    RECORD_FIELDS,
    Draft,
    DraftAid,
    DraftAttribution,
    DraftEvent,
    DraftQuote,
    DraftRecord,
    DraftTransfer,
)
from summarizer.grounding.locate import QUOTE_FUZZY_THRESHOLD, clean_quote, folded_article, locate
from summarizer.normalize.entities import entity_names
from summarizer.schemas import RecordKind, Rejection
from summarizer.text.fold import fold

__all__ = [
    "Problem",
    "check_draft",
    "contains_phrase",
    "name_in_article",
    "number_in_article",
    "partition_draft",
    "record_problems",
]

_STOPWORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the",
     "to", "with", "its", "their", "his", "her"]
)  # fmt: skip
_WORD = re.compile(r"[\w$€£¥%]+(?:[.,'’-][\w]+)*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Problem:
    """Why one record of a draft fails grounding; `path` names it for the re-ask."""

    kind: RecordKind
    index: int
    path: str
    reason: str


@lru_cache(maxsize=64)
def _article_words(text: str) -> frozenset[str]:
    return frozenset(word.casefold() for word in _WORD.findall(folded_article(text).folded))


def contains_phrase(haystack: str, phrase: str) -> bool:
    """`phrase` occurs in `haystack` as whole words ("US" is not in "Russia")."""
    pattern = r"(?<!\w)" + re.escape(phrase) + r"(?!\w)"
    return re.search(pattern, haystack) is not None


def name_in_article(name: str, text: str, *, actor: bool = False) -> bool:
    """A name counts when any of its known names, or all of its content words, occur."""
    article = folded_article(text).folded.casefold()
    for variant in entity_names(name, actor=actor):
        if contains_phrase(article, fold(variant).folded.casefold()):
            return True
    words = {w.casefold() for w in _WORD.findall(fold(name).folded)} - _STOPWORDS
    return bool(words) and words <= _article_words(text)


def number_in_article(value_text: str, text: str) -> bool:
    """A number phrase counts when it occurs, or when every number in it occurs."""
    article = folded_article(text).folded.casefold()
    if fold(clean_quote(value_text)).folded.casefold() in article:
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
