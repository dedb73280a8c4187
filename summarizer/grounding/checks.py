"""The support rules: what a draft record must show in the article (docs/grounding.md).

One rule, defined here and nowhere else:

- A record's **evidence** must be found in the article (in the chunk the model read, when
  there is one), and never inside a sentence that addresses a model (prompt injection).
- Its **numbers, dates, weapons and designations** must occur in its own evidence (a day of
  a month is no count: "Dec. 30" does not support "30 missiles").
- Its **actors** (attacker, donor, recipient, supplier, attribution source, speaker) and
  its places, mechanism and items must occur in its evidence, in the paragraph that holds
  the evidence, or in the article's title.
- Names match through the alias table, the bodies and mechanisms vocabularies
  (`summarizer/data/`), plural folding and the one fold table; a joint name ("United
  States, Japan and South Korea") matches when each of its names does.
- The **summary**: every name and number in each sentence must occur in the article.

`check_draft` lists every failure (the `Draft` validator re-asks with them). `ground`
decides, once, what is kept: a record whose evidence or a **key field** fails is rejected;
an optional field that fails is set to null (a failing list item is dropped) and listed
in `provenance.rejected` with its field and reason; a failing summary sentence is dropped
and listed. `ground` returns every kept record with its located evidence (offsets and
match tier), so nothing downstream locates it again.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from summarizer.chunking import sentence_spans
from summarizer.drafts import (
    RECORD_FIELDS,
    Draft,
    DraftAid,
    DraftEvent,
    DraftQuote,
    DraftRecord,
    DraftTransfer,
)
from summarizer.grounding.anywhere import anywhere_failures, name_in_article, number_in_article
from summarizer.grounding.context import (
    GroundingScope,
    actor_context,
    all_numbers,
    count_numbers,
    paragraph_of,
    tokens,
    without_instructions,
)
from summarizer.grounding.locate import QUOTE_FUZZY_THRESHOLD, Located
from summarizer.normalize.dates.names import MONTH_NAMES, WEEKDAY_NAMES
from summarizer.normalize.entities import body_forms, entity_names, mechanism_forms
from summarizer.schemas import RecordKind, Rejection

__all__ = [
    "RULES",
    "Grounded",
    "GroundedRecord",
    "Problem",
    "Rule",
    "check_draft",
    "ground",
    "name_in_article",
    "number_in_article",
    "partition_draft",
    "record_problems",
    "summary_problems",
]

ValueKind = Literal["actor", "name", "number", "date", "mechanism"]
Where = Literal["evidence", "context"]


@dataclass(frozen=True)
class Rule:
    """How one field of a record type is supported: what it is and where it must occur."""

    field: str  # attribute of the draft record; "attribution.source" for the attribution
    value: ValueKind
    where: Where  # "evidence": its own evidence; "context": evidence, paragraph or title
    key: bool = False  # a failing key field rejects the record; others are nulled


_ATTRIBUTION = Rule("attribution.source", "actor", "context")
RULES: dict[type[DraftRecord], tuple[Rule, ...]] = {
    DraftEvent: (
        Rule("attacker", "actor", "context", key=True),
        Rule("target", "name", "context"),
        Rule("location", "name", "context"),
        Rule("country", "name", "context"),
        Rule("weapons", "name", "evidence"),
        Rule("munitions", "number", "evidence"),
        Rule("killed", "number", "evidence"),
        Rule("injured", "number", "evidence"),
        Rule("date", "date", "evidence"),
        _ATTRIBUTION,
    ),
    DraftAid: (
        Rule("donor", "actor", "context", key=True),
        Rule("recipient", "actor", "context", key=True),
        Rule("amount", "number", "evidence", key=True),
        Rule("mechanism", "mechanism", "context"),
        Rule("items", "name", "context"),
        Rule("date", "date", "evidence"),
        _ATTRIBUTION,
    ),
    DraftTransfer: (
        Rule("supplier", "actor", "context", key=True),
        Rule("recipient", "actor", "context", key=True),
        Rule("weapon", "name", "evidence", key=True),
        Rule("designation", "name", "evidence"),
        Rule("quantity", "number", "evidence"),
        Rule("value", "number", "evidence"),
        Rule("date", "date", "evidence"),
        _ATTRIBUTION,
    ),
    DraftQuote: (Rule("speaker", "actor", "context", key=True),),
}

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
        "since",
        "during",
        "over",
        "this",
        "that",
        "these",
        "those",
    ]
)
_LIST_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*")


@dataclass(frozen=True)
class Problem:
    """Why one record of a draft fails grounding; `path` names it for the re-ask."""

    kind: RecordKind | Literal["summary"]
    index: int
    path: str
    reason: str


@dataclass(frozen=True)
class _Failure:
    field: str  # "" for the record's evidence; "weapons[1]" for a list item
    reason: str
    key: bool


@dataclass
class _Verdict:
    evidence: list[Located] = field(default_factory=list)
    failures: list[_Failure] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return not self.evidence or any(f.key for f in self.failures)


@dataclass(frozen=True)
class GroundedRecord:
    """A kept record (failing optional fields nulled) and its located evidence."""

    kind: RecordKind
    record: DraftRecord
    evidence: tuple[Located, ...]  # for a quote: where its text stands


@dataclass
class Grounded:
    """What grounding kept of a draft, and everything it rejected (records, fields,
    summary sentences), once."""

    summary: str
    records: list[GroundedRecord] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def of_kind(self, kind: RecordKind) -> list[GroundedRecord]:
        return [r for r in self.records if r.kind == kind]


# --- matching one value against the texts that may support it -------------------------------


def _phrase_in(phrase: tuple[str, ...], text: tuple[str, ...]) -> bool:
    if not phrase or len(phrase) > len(text):
        return False
    first, length, start = phrase[0], len(phrase), 0
    while True:  # tuple.index finds each candidate start at C speed (a hot path)
        try:
            start = text.index(first, start)
        except ValueError:
            return False
        if text[start : start + length] == phrase:
            return True
        start += 1


def _content(words: Iterable[str]) -> set[str]:
    return {w for w in words if w not in _STOPWORDS}


def _name_variants(name: str, value: ValueKind) -> set[str]:
    actor = value == "actor"
    variants = entity_names(name, actor=actor) | body_forms(name, actor=actor)
    if value == "mechanism":
        variants |= mechanism_forms(name)
    return variants


def _one_name(name: str, texts: list[str], value: ValueKind, article: str | None) -> bool:
    token_texts = [tokens(t) for t in texts]
    for variant in _name_variants(name, value):
        phrase = tokens(variant)
        if any(_phrase_in(phrase, t) for t in token_texts):
            return True
    words = _content(tokens(name))
    if words and words <= {w for t in token_texts for w in t}:
        return True
    # A person named in full somewhere in the article is "Kirby" after that.
    names = tokens(name)
    return (
        value == "actor"
        and article is not None
        and len(names) > 1
        and name[:1].isupper()
        and any(_phrase_in(names[-1:], t) for t in token_texts)
        and _phrase_in(names, tokens(article))
    )


def name_supported(
    name: str, texts: list[str], value: ValueKind = "name", article: str | None = None
) -> bool:
    """A name occurs in `texts`: a known form of it, all its content words, a person's
    surname when `article` names the person in full, or (a joint name such as "United
    States, Japan and South Korea") each of its names."""
    if _one_name(name, texts, value, article):
        return True
    parts = [p for p in _LIST_SPLIT.split(name.strip()) if p]
    return len(parts) > 1 and all(_one_name(p, texts, value, article) for p in parts)


def number_supported(value_text: str, texts: list[str]) -> bool:
    """A count or amount occurs in `texts`: as written, or each of its numbers as a count
    (not a day of a month); a figure without digits ("dozens") by its words."""
    numbers = all_numbers(value_text)
    if numbers:  # as counts: "Dec. 30 missile" holds no 30 missiles
        return numbers <= {n for t in texts for n in count_numbers(t)}
    phrase = tokens(value_text)
    token_texts = [tokens(t) for t in texts]
    if any(_phrase_in(phrase, t) for t in token_texts):
        return True
    words = _content(phrase)
    return bool(words) and words <= {w for t in token_texts for w in t}


def date_supported(date_text: str, texts: list[str], published: str | None) -> bool:
    """A date occurs in `texts` as written, or all its words and numbers do."""
    if published is not None and date_text.strip() == published:
        return True
    phrase = tokens(date_text)
    token_texts = [tokens(t) for t in texts]
    if any(_phrase_in(phrase, t) for t in token_texts):
        return True
    words = _content(phrase)
    return bool(words) and words <= {w for t in token_texts for w in t}


# --- one record ---------------------------------------------------------------------------------


def _values(record: DraftRecord, rule: Rule) -> list[tuple[str, str]]:
    """(path, value) of the field: one for a text field, one per item for a list."""
    if rule.field == "attribution.source":
        attribution = getattr(record, "attribution", None)
        return [(rule.field, attribution.source)] if attribution else []
    value: Any = getattr(record, rule.field)
    if isinstance(value, list):
        return [(f"{rule.field}[{i}]", v) for i, v in enumerate(value) if v and v.strip()]
    return [(rule.field, value)] if isinstance(value, str) and value.strip() else []


def _supported(
    rule: Rule, value: str, evidence: list[str], context: list[str], scope: GroundingScope
) -> bool:
    texts = evidence if rule.where == "evidence" else context
    if rule.value == "number":
        return number_supported(value, texts)
    if rule.value == "date":
        return date_supported(value, texts, scope.published)
    return name_supported(value, texts, rule.value, scope.text)


def _where_text(rule: Rule) -> str:
    if rule.where == "evidence":
        return "in the record's evidence"
    return "in the record's evidence, its paragraph (or the one before) or the article's lead"


def _verdict(record: DraftRecord, scope: GroundingScope) -> _Verdict:
    verdict = _Verdict()
    if isinstance(record, DraftQuote):
        found = scope.find(record.text, threshold=QUOTE_FUZZY_THRESHOLD)
        if found is None:
            for name, reason in anywhere_failures(record, scope.text, scope.published):
                verdict.failures.append(_Failure(name, reason, key=True))
            reason = f"{record.text[:80]!r} is not a verbatim quote from the article"
            verdict.failures.append(_Failure("text", reason, key=True))
            return verdict
        verdict.evidence.append(found)
    else:
        if not record.evidence:
            reason = "is empty; quote at least one sentence from the article"
            verdict.failures.append(_Failure("evidence", reason, key=True))
        for i, quote in enumerate(record.evidence):
            located = scope.find(quote)
            if located is None:
                what = "an instruction, not a report" if scope.is_instruction(quote) else None
                reason = f"{quote[:80]!r} is " + (what or "not in the article")
                verdict.failures.append(_Failure(f"evidence[{i}]", reason, key=False))
            elif all(located.evidence != e.evidence for e in verdict.evidence):
                verdict.evidence.append(located)
        if not verdict.evidence:
            # Nothing to be local to: say which names and numbers the article lacks at all.
            for name, reason in anywhere_failures(record, scope.text, scope.published):
                verdict.failures.append(_Failure(name, reason, key=True))
    if not verdict.evidence:
        return verdict
    evidence = [e.evidence.quote for e in verdict.evidence]
    paragraphs = [paragraph_of(scope.text, e.start, e.end) for e in verdict.evidence]
    around = [t for e in verdict.evidence for t in actor_context(scope.text, e.start, e.end)]
    context = [*evidence, *paragraphs, *around, *scope.title_lines()]
    for rule in RULES[type(record)]:
        for path, value in _values(record, rule):
            if not _supported(rule, value, evidence, context, scope):
                reason = f"{value!r} does not occur {_where_text(rule)}"
                verdict.failures.append(_Failure(path, reason, key=rule.key))
    return verdict


def record_problems(record: DraftRecord, path: str, scope: GroundingScope | str) -> list[str]:
    """Every reason one draft record is not supported, as "<path>.<field>: reason"."""
    return [f"{path}.{_reason(f)}" for f in _verdict(record, _as_scope(scope)).failures]


# --- the summary -----------------------------------------------------------------------------

_NAME_RUN = re.compile(r"[A-Z][\w’'.]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w’'.]*)*")


def _calendar_word(word: str) -> bool:
    """A month or weekday name: a date, not a name, in a summary."""
    return word in MONTH_NAMES or (word.endswith("day") and word[:3] in WEEKDAY_NAMES)


_SENTENCE_OPENERS = frozenset(
    [
        "the",
        "a",
        "an",
        "in",
        "on",
        "at",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "his",
        "her",
        "their",
        "after",
        "before",
        "under",
        "with",
        "without",
        "since",
        "during",
        "while",
        "according",
        "as",
        "by",
        "for",
        "from",
        "to",
    ]
)


def _summary_sentences(summary: str) -> list[str]:
    return [summary[a:b] for a, b in sentence_spans(summary)]


def _sentence_problems(sentence: str, article: str, published: str | None) -> list[str]:
    problems = []
    for match in _NAME_RUN.finditer(sentence):
        words = [
            w
            for w in match.group().rstrip(".").split()
            if not _calendar_word(w.casefold().strip("."))
        ]
        if match.start() == 0 and words and words[0].casefold() in _SENTENCE_OPENERS:
            words = words[1:]
        name = " ".join(words)
        if name and not name_supported(name, [article], "actor", article):
            problems.append(f"names {name!r}, which the article does not")
    # The publication date is the article's own; its day and year may be named.
    dated = set(re.findall(r"\d+", published or "")) | {
        p.lstrip("0") for p in re.findall(r"\d+", published or "")
    }
    missing = sorted(all_numbers(sentence) - all_numbers(article) - dated)
    problems.extend(f"has the number {n}, which the article does not" for n in missing)
    return problems


def summary_problems(summary: str, scope: GroundingScope | str) -> list[tuple[str, list[str]]]:
    """(sentence, reasons) for every summary sentence with a name or number not in the
    article (instruction sentences of the article support nothing)."""
    scope = _as_scope(scope)
    found = _summary_problems(summary, scope.text, scope.published)
    return [(sentence, list(reasons)) for sentence, reasons in found]


@functools.lru_cache(maxsize=64)
def _summary_problems(
    summary: str, text: str, published: str | None
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    # Cached: the same summary is checked in the validator and again after the merge.
    article = without_instructions(text)
    found = []
    for sentence in _summary_sentences(summary):
        reasons = _sentence_problems(sentence, article, published)
        if reasons:
            found.append((sentence, tuple(reasons)))
    return tuple(found)


# --- the whole draft ---------------------------------------------------------------------------


def _as_scope(scope: GroundingScope | str, published: str | None = None) -> GroundingScope:
    return scope if isinstance(scope, GroundingScope) else GroundingScope(scope, published)


def _article_wide(record: DraftRecord, scope: GroundingScope) -> list[_Failure]:
    """Stage one: evidence that cannot be found, names and numbers the article lacks."""
    failures: list[_Failure] = []
    if isinstance(record, DraftQuote):
        found = scope.find(record.text, threshold=QUOTE_FUZZY_THRESHOLD)
        failures = [_Failure(*f, key=True) for f in anywhere_failures(record, scope.text)]
        if found is None:
            reason = f"{record.text[:80]!r} is not a verbatim quote from the article"
            failures.append(_Failure("text", reason, key=True))
        return failures
    if not record.evidence:
        reason = "is empty; quote at least one sentence from the article"
        failures.append(_Failure("evidence", reason, key=True))
    for i, quote in enumerate(record.evidence):
        if scope.find(quote) is None:
            what = "an instruction, not a report" if scope.is_instruction(quote) else None
            reason = f"{quote[:80]!r} is " + (what or "not in the article")
            failures.append(_Failure(f"evidence[{i}]", reason, key=False))
    failures.extend(
        _Failure(*f, key=True) for f in anywhere_failures(record, scope.text, scope.published)
    )
    return failures


def check_draft(
    draft: Draft, scope: GroundingScope | str, *, published: str | None = None
) -> list[Problem]:
    """The problems the `Draft` validator re-asks, in three stages, each reported only when
    the stages before it pass for the whole draft: (1) evidence that cannot be found and
    names or numbers the article lacks at all; (2) fields not supported where the rule
    says (evidence-local); (3) summary sentences. A model fixes one kind of thing at a
    time, and stage one's messages are the ones the recorded fixtures were made with."""
    scope = _as_scope(scope, published)
    for stage in (_article_wide, lambda record, scope: _verdict(record, scope).failures):
        problems = [
            Problem(kind, index, f"{RECORD_FIELDS[kind]}[{index}]", _reason(failure))
            for kind, index, record in draft.records()
            for failure in stage(record, scope)
        ]
        if problems:
            return problems
    return [
        Problem("summary", index, "summary", f"sentence {sentence[:80]!r} " + "; ".join(reasons))
        for index, (sentence, reasons) in enumerate(summary_problems(draft.summary, scope))
    ]


def _reason(failure: _Failure) -> str:
    return f"{failure.field} {failure.reason}" if failure.field else failure.reason


def _nulled(record: DraftRecord, failures: list[_Failure]) -> DraftRecord:
    """`record` with every failing optional field set to null (failing list items dropped)."""
    update: dict[str, Any] = {}
    for failure in failures:
        name, _, item = failure.field.partition("[")
        if name == "evidence":
            continue
        if name == "attribution.source":
            update["attribution"] = None
        elif item:
            current = update.get(name, list(getattr(record, name)))
            update[name] = [v for v in current if v != getattr(record, name)[int(item[:-1])]]
        else:
            update[name] = None
    return record.model_copy(update=update) if update else record


def ground(draft: Draft, scope: GroundingScope | str, *, published: str | None = None) -> Grounded:
    """Keep what the article supports, once: every kept record with its located evidence;
    every rejected record, nulled field, dropped quote and summary sentence listed."""
    scope = _as_scope(scope, published)
    rejected: list[Rejection] = []
    kept_sentences = []
    failing = dict(summary_problems(draft.summary, scope))
    for sentence in _summary_sentences(draft.summary):
        if sentence in failing:
            reason = f"summary sentence {sentence!r} dropped: " + "; ".join(failing[sentence])
            rejected.append(Rejection(kind="summary", field="summary", reason=reason, raw=sentence))
        else:
            kept_sentences.append(sentence)
    grounded = Grounded(summary=" ".join(kept_sentences), rejected=rejected)
    for kind, index, record in draft.records():
        path = f"{RECORD_FIELDS[kind]}[{index}]"
        verdict = _verdict(record, scope)
        raw = record.model_dump_json(exclude_defaults=True)
        if verdict.rejected:
            reason = "; ".join(f"{path}.{_reason(f)}" for f in verdict.failures)
            rejected.append(Rejection(kind=kind, reason=reason, raw=raw))
            continue
        for failure in verdict.failures:
            dropped = "quote dropped" if failure.field.startswith("evidence") else "set to null"
            rejected.append(
                Rejection(
                    kind=kind,
                    field=failure.field,
                    reason=f"{path}.{_reason(failure)}; {dropped}",
                    raw=raw,
                )
            )
        kept = _nulled(record, verdict.failures)
        grounded.records.append(GroundedRecord(kind, kept, tuple(verdict.evidence)))
    return grounded


def partition_draft(
    draft: Draft, scope: GroundingScope | str, *, published: str | None = None
) -> tuple[Draft, list[Rejection]]:
    """`ground`, as a draft again: what is kept (fields nulled, located quotes only) and
    every rejection."""
    grounded = ground(draft, scope, published=published)
    by_field: dict[str, list[DraftRecord]] = {name: [] for name in RECORD_FIELDS.values()}
    for item in grounded.records:
        record = item.record
        if not isinstance(record, DraftQuote):
            record = record.model_copy(
                update={"evidence": [e.evidence.quote for e in item.evidence]}
            )
        by_field[RECORD_FIELDS[item.kind]].append(record)
    return draft.model_copy(update={"summary": grounded.summary, **by_field}), grounded.rejected
