"""Article-wide checks: does a name or number occur anywhere in the article at all?

Used for a record whose evidence cannot be found: with no evidence to be local to, the
re-ask tells the model which of the record's names and numbers the article does not have
at all (the messages are the ones the recorded fixtures were made with, so their re-asks
still replay). Everything else is checked evidence-locally by `checks`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from summarizer.drafts import DraftAid, DraftEvent, DraftQuote, DraftRecord, DraftTransfer
from summarizer.grounding.locate import clean_quote, folded_article
from summarizer.normalize.entities import entity_names
from summarizer.text.fold import fold

__all__ = ["anywhere_failures", "name_in_article", "number_in_article"]

_STOPWORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the",
     "to", "with", "its", "their", "his", "her"]
)  # fmt: skip
_WORD = re.compile(r"[\w$€£¥%]+(?:[.,'’-][\w]+)*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@lru_cache(maxsize=64)
def _article_words(text: str) -> frozenset[str]:
    return frozenset(word.casefold() for word in _WORD.findall(folded_article(text).folded))


def _contains_phrase(haystack: str, phrase: str) -> bool:
    """`phrase` occurs in `haystack` as whole words ("US" is not in "Russia")."""
    return re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", haystack) is not None


def name_in_article(name: str, text: str, *, actor: bool = False) -> bool:
    """A name counts when any of its known names, or all of its content words, occur."""
    article = folded_article(text).folded.casefold()
    for variant in entity_names(name, actor=actor):
        if _contains_phrase(article, fold(variant).folded.casefold()):
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


def _fields(
    record: DraftEvent | DraftAid | DraftTransfer,
) -> tuple[list[tuple[str, Any, bool]], list[tuple[str, Any]]]:
    """(names with their actor flag, numbers) of a record, in the order they are reported."""
    source = [("attribution.source", r.source if (r := record.attribution) else None, False)]
    if isinstance(record, DraftEvent):
        names = [
            ("attacker", record.attacker, True), ("target", record.target, False),
            ("location", record.location, False), ("country", record.country, False),
            *[(f"weapons[{i}]", w, False) for i, w in enumerate(record.weapons)],
        ]  # fmt: skip
        numbers = [
            ("munitions", record.munitions), ("killed", record.killed),
            ("injured", record.injured),
        ]  # fmt: skip
    elif isinstance(record, DraftAid):
        names = [
            ("donor", record.donor, True), ("recipient", record.recipient, True),
            ("mechanism", record.mechanism, False),
            *[(f"items[{i}]", item, False) for i, item in enumerate(record.items)],
        ]  # fmt: skip
        numbers = [("amount", record.amount)]
    else:
        names = [
            ("supplier", record.supplier, True), ("recipient", record.recipient, True),
            ("weapon", record.weapon, False), ("designation", record.designation, False),
        ]  # fmt: skip
        numbers = [("quantity", record.quantity), ("value", record.value)]
    return [*names, *source], numbers


def anywhere_failures(
    record: DraftRecord, text: str, published: str | None = None
) -> list[tuple[str, str]]:
    """(field, reason) for every name and number of `record` that the article lacks."""
    if isinstance(record, DraftQuote):
        ok = not record.speaker.strip() or name_in_article(record.speaker, text)
        return [] if ok else [("speaker", f"{record.speaker!r} does not occur in the article")]
    names, numbers = _fields(record)
    if record.date and record.date.strip() and record.date.strip() != published:
        numbers.append(("date", record.date))
    failures = [
        (field, f"{value!r} does not occur in the article")
        for field, value, actor in names
        if value and value.strip() and not name_in_article(value, text, actor=actor)
    ]
    failures.extend(
        (field, f"{value!r} does not occur in the article")
        for field, value in numbers
        if value and value.strip() and not number_in_article(value, text)
    )
    return failures
