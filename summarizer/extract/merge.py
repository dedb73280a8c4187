"""Merging the drafts of an article's parts into one draft.

A long article is extracted part by part; the same record found by two parts is kept once,
with the evidence of both.
"""

from __future__ import annotations

import json
import re

from pydantic import BaseModel

from summarizer.drafts import RECORD_FIELDS, Draft, DraftQuote, DraftRecord
from summarizer.schemas import RecordKind

__all__ = ["merge_drafts"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _dedupe_key(kind: RecordKind, record: BaseModel) -> str:
    fields = record.model_dump(exclude={"evidence", "description", "attribution"})
    return kind + json.dumps(fields, sort_keys=True, default=str).casefold()


def merge_drafts(drafts: list[Draft]) -> Draft:
    """One draft from the drafts of an article's parts, duplicate records merged."""
    if len(drafts) == 1:
        return drafts[0]
    merged: dict[str, dict[str, DraftRecord]] = {field: {} for field in RECORD_FIELDS.values()}
    for draft in drafts:
        for kind, _, record in draft.records():
            bucket = merged[RECORD_FIELDS[kind]]
            key = _dedupe_key(kind, record)
            if key in bucket and not isinstance(record, DraftQuote):
                earlier = bucket[key]
                evidence = list(dict.fromkeys([*earlier.evidence, *record.evidence]))  # type: ignore[union-attr]
                bucket[key] = earlier.model_copy(update={"evidence": evidence})
            else:
                bucket.setdefault(key, record)
    sentences = [s for d in drafts for s in _SENTENCE_END.split(d.summary.strip()) if s]
    return Draft(
        summary=" ".join(sentences[:4]),
        **{field: list(bucket.values()) for field, bucket in merged.items()},
    )
