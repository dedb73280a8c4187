"""Merging the drafts of an article's parts into one draft.

A long article is extracted part by part, so one real record can come back from two parts,
each part filling what it read. Two records of a type are the same record when no field
contradicts the other (a field empty on one side, or the type's default, contradicts
nothing; actor names compare by their canonical name); they merge into one with the
fields of both and the evidence of both. Quotes merge when speaker and text agree.
"""

from __future__ import annotations

import re
from typing import Any

from summarizer.drafts import RECORD_FIELDS, Draft, DraftQuote, DraftRecord
from summarizer.normalize.entities import canonical_entity
from summarizer.text.fold import fold_key

__all__ = ["merge_drafts", "same_record"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_NOT_COMPARED = frozenset({"evidence", "description", "attribution"})
_ACTORS = frozenset({"attacker", "donor", "recipient", "supplier", "speaker"})


def _key(name: str, value: Any) -> Any:
    if isinstance(value, str):
        return fold_key(canonical_entity(value, actor=True) if name in _ACTORS else value)
    if isinstance(value, list):
        return sorted(_key(name, v) for v in value)
    return value


def _empty(record: DraftRecord, name: str) -> bool:
    value = getattr(record, name)
    default = type(record).model_fields[name].default
    return value in (None, "", []) or (isinstance(value, str) and value == default)


def same_record(a: DraftRecord, b: DraftRecord) -> bool:
    """No field of `a` contradicts the same field of `b` (see the module docstring)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, DraftQuote) and isinstance(b, DraftQuote):
        same_speaker = _key("speaker", a.speaker) == _key("speaker", b.speaker)
        return same_speaker and fold_key(a.text) == fold_key(b.text)
    for name in type(a).model_fields:
        if name in _NOT_COMPARED or _empty(a, name) or _empty(b, name):
            continue
        if _key(name, getattr(a, name)) != _key(name, getattr(b, name)):
            return False
    return True


def _combine(a: DraftRecord, b: DraftRecord) -> DraftRecord:
    """`a` with the fields only `b` filled, and the evidence of both."""
    if isinstance(a, DraftQuote):
        return a
    update: dict[str, Any] = {
        name: getattr(b, name)
        for name in type(a).model_fields
        if name != "evidence" and _empty(a, name) and not _empty(b, name)
    }
    if a.attribution is None and getattr(b, "attribution", None) is not None:
        update["attribution"] = b.attribution  # type: ignore[union-attr]
    update["evidence"] = list(dict.fromkeys([*a.evidence, *b.evidence]))  # type: ignore[union-attr]
    return a.model_copy(update=update)


def merge_drafts(drafts: list[Draft]) -> Draft:
    """One draft from the drafts of an article's parts, duplicate records merged."""
    if len(drafts) == 1:
        return drafts[0]
    # (part number, record): records of one part are never merged with each other, since
    # a part that lists two records means two.
    merged: dict[str, list[tuple[int, DraftRecord]]] = {n: [] for n in RECORD_FIELDS.values()}
    for part, draft in enumerate(drafts):
        for kind, _, record in draft.records():
            bucket = merged[RECORD_FIELDS[kind]]
            for i, (origin, earlier) in enumerate(bucket):
                if origin != part and same_record(earlier, record):
                    bucket[i] = (origin, _combine(earlier, record))
                    break
            else:
                bucket.append((part, record))
    sentences = [s for d in drafts for s in _SENTENCE_END.split(d.summary.strip()) if s]
    records = {name: [record for _, record in bucket] for name, bucket in merged.items()}
    return Draft(summary=" ".join(sentences[:4]), **records)
