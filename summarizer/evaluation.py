"""Evaluation: predicted `ArticleSummary` objects scored against hand-made gold ones.

This module owns the scorer behind `summarizer eval`: loading gold and predictions, aligning
records, counting, and rendering the result (rich table, Markdown, JSON). Scoring functions
are pure functions over pydantic objects (`score_article`, `score_corpus`); loading and
rendering are kept apart from them.

How every number is counted
===========================

Inputs. Gold is a directory of `ArticleSummary` JSON files; predictions are a directory of
such files or a JSONL file of them. Articles are matched by `article.id` (a prediction file
without a readable id falls back to its file stem; a JSONL line without one is listed as
unreadable). Article texts, for grounding, are `<id>.txt` (or `<id>.*`) in the articles
directory, read with `articles.read_article`. A prediction line or file that is an
error record (`{"id": ..., "error": ...}`) or does not validate counts as an *empty
prediction* and is listed; a gold article with no prediction also counts as an empty
prediction and is listed; predictions without gold are listed and ignored.

Fields. Each record type has a fixed list of scored fields (`RECORD_SPECS`); nested values
are split into sub-fields (`amount.value`, `amount.currency`, `amount.qualifier`,
`attribution.source`, ...). Not scored: evidence and quote offsets (see grounding), the
`text` of money, quantities and dates (kept as written), quantity `unit`. A field is
*empty* when it is None, blank, an empty list, or the enum value `unspecified` (aid_type,
scope: "nothing said" is no claim). For every field of every record:

- empty in gold and prediction: not counted at all;
- filled in the prediction only: predicted += 1 (a false positive);
- filled in gold only: gold += 1 (a false negative);
- filled in both: predicted += 1, gold += 1, correct += credit, a number in [0, 1].

A predicted record without a gold partner adds all its filled fields to `predicted`; a gold
record without a partner adds all its filled fields to `gold`. So `predicted` and `gold`
never depend on the alignment, only `correct` does. Precision = correct / predicted,
recall = correct / gold, F1 = 2 * correct / (predicted + gold) (the harmonic mean when both
are defined). A ratio whose denominator is 0 is undefined (None, shown as "-"), never 0 or 1.

Credit of a field filled in both (gold first; comparisons are not symmetric for dates):

- actor names (attacker, donor, recipient, supplier): 1 if
  `normalization.same_entity(gold, pred, actor=True)` (alias table with metonyms), else 0;
- other names (country): `same_entity(actor=False)`, 1 or 0;
- people (speaker, attribution.source): 1 if `same_entity` or the word set of one name
  contains the other's ("Kirby" = "John Kirby"), else 0;
- place-like text (target, location, designation, mechanism): 1 if `same_entity`, else the
  token F1 below (partial credit);
- free text (description, weapon, speaker_role, quote text): token F1 as partial credit.
  Tokens are case-folded NFKC letter/digit runs, without the articles a/an/the, with a
  trailing plural "s" dropped from words of four letters or more; F1 over the token
  multisets (as in SQuAD);
- lists (weapons, items): sets; elements are paired one-to-one by optimal assignment on
  token F1 and the credit is 2 * sum(pair F1) / (|gold| + |pred|), the set F1 when
  elements match exactly;
- money and quantity values (`*.value`): 1 if value and value_max both equal (relative
  tolerance 1e-6; None equals None), else 0; currency and qualifier: exact, 1 or 0;
- dates: 1 if the prediction is at least as precise as gold (day < week < month < quarter <
  year) and its start falls in the same day / ISO week / month / quarter / year as gold's
  start at gold's precision (and, when gold has an end, the prediction's end, or its start
  if it has none, falls in gold's end period), else 0;
- enums (kind, aid_type, stage, scope, category, status, certainty, qualifiers): exact.

Key fields and alignment (document-level, as in MUC and GRIT). Key fields: events date,
kind, attacker, location; aid donor, recipient, amount.value; transfers supplier,
recipient, weapon; quotes speaker, text. The key similarity of a gold/predicted pair is the
mean credit over the key fields not empty in both (a key filled on one side only gives 0).
A pair is *admissible* when its key similarity is at least `MIN_KEY_SIMILARITY` (0.5);
other pairs are never aligned. Among admissible pairs, records are aligned one-to-one by
optimal assignment (scipy `linear_sum_assignment`) maximizing the summed field credit of
the aligned pairs (key fields count there like every other field). Key similarity decides
who may be partners; the objective is exactly what field-level recall counts, so removing
a predicted record can never raise recall (maximizing key similarity alone could pair a
record with a worse partner and break that). Records are put in a canonical order (by
their JSON) first, so the order in which records are listed never changes a score.

Record level. A gold/predicted pair *key-matches* when every key field is empty in both or
has credit above `MATCH_THRESHOLD` (0.5): an exact match for names, values, enums and
dates, a token F1 above 0.5 for place-like and free text (so "missile launcher" does not
match "ballistic missile", F1 0.5). Correct records = the size of the largest one-to-one
matching of key-matching pairs, computed by its own assignment so it never depends on the
field alignment (and a duplicate counts once); record precision = correct / predicted
records, recall = correct / gold records. Per-article JSON lists the field alignment
(`pairs`, with `key_match` for each pair), the unaligned gold and predicted indices.

Micro and macro. Micro sums the counts over articles (per record type, and over all types
as "all"). Macro averages the per-article precision, recall and F1 over the articles where
each is defined (an article with nothing in gold and prediction for a type is skipped).

Grounding rate: over predicted records, the share of evidence spans and quote spans with
`article_text[start:end] == quote`; articles whose text is not found are listed and left
out. Unsupported-record rate: predicted records with no aligned gold partner / predicted
records. ROUGE-L: F1 of the longest common subsequence of lower-cased word tokens between
the gold and predicted summary (an empty prediction scores 0), information only.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ValidationError, computed_field
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text
from scipy.optimize import linear_sum_assignment

from summarizer.articles import read_article
from summarizer.errors import InputError, SummarizerError
from summarizer.normalize import same_entity
from summarizer.schemas import ArticleSummary, DateRef, Money, Quantity

MIN_KEY_SIMILARITY = 0.5
MATCH_THRESHOLD = 0.5
VALUE_REL_TOLERANCE = 1e-6

RECORD_TYPES: tuple[str, ...] = ("events", "aid", "transfers", "quotes")
ALL = "all"

PredictionStatus = Literal["ok", "missing", "error"]


# --------------------------------------------------------------------------- text helpers

_WORD = re.compile(r"[^\W_]+")
_ARTICLES = frozenset({"a", "an", "the"})


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _singular(word: str) -> str:
    # A crude plural fold: "missiles" and "missile" are the same claim for scoring purposes.
    if len(word) >= 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def text_tokens(text: str) -> list[str]:
    """Tokens for free-text comparison (see the module docstring)."""
    return [_singular(word) for word in _words(text) if word not in _ARTICLES]


def token_f1(gold: str, pred: str) -> float:
    """SQuAD-style token F1 between two strings, in [0, 1]."""
    gold_tokens, pred_tokens = text_tokens(gold), text_tokens(pred)
    if not gold_tokens or not pred_tokens:
        # Strings of punctuation only: nothing to overlap, so only identity counts.
        return 1.0 if gold.strip().casefold() == pred.strip().casefold() else 0.0
    overlap = sum((Counter(gold_tokens) & Counter(pred_tokens)).values())
    if overlap == 0:
        return 0.0
    return 2 * overlap / (len(gold_tokens) + len(pred_tokens))


def rouge_l(gold: str, pred: str) -> float:
    """ROUGE-L F1: longest common subsequence of lower-cased word tokens."""
    reference, candidate = _words(gold), _words(pred)
    if not reference or not candidate:
        return 0.0
    lcs = _lcs_length(reference, candidate)
    if lcs == 0:
        return 0.0
    return 2 * lcs / (len(reference) + len(candidate))


def _lcs_length(left: Sequence[str], right: Sequence[str]) -> int:
    previous = [0] * (len(right) + 1)
    for token in left:
        current = [0]
        for index, other in enumerate(right):
            if token == other:
                current.append(previous[index] + 1)
            else:
                current.append(max(previous[index + 1], current[index]))
        previous = current
    return previous[-1]


# --------------------------------------------------------------------------- comparators
# Every comparator takes (gold, pred), both filled, and returns a credit in [0, 1].


def _exact(gold: object, pred: object) -> float:
    return 1.0 if gold == pred else 0.0


def _actor(gold: str, pred: str) -> float:
    return 1.0 if same_entity(gold, pred, actor=True) else 0.0


def _name(gold: str, pred: str) -> float:
    return 1.0 if same_entity(gold, pred) else 0.0


def _person(gold: str, pred: str) -> float:
    if same_entity(gold, pred):
        return 1.0
    gold_words, pred_words = set(_words(gold)), set(_words(pred))
    if gold_words and pred_words and (gold_words <= pred_words or pred_words <= gold_words):
        return 1.0
    return 0.0


def _name_or_text(gold: str, pred: str) -> float:
    return 1.0 if same_entity(gold, pred) else token_f1(gold, pred)


def _text(gold: str, pred: str) -> float:
    return token_f1(gold, pred)


def _text_set(gold: Sequence[str], pred: Sequence[str]) -> float:
    gold_set, pred_set = _distinct(gold), _distinct(pred)
    if not gold_set or not pred_set:
        return 0.0
    similarity = np.array([[token_f1(g, p) for p in pred_set] for g in gold_set])
    rows, cols = linear_sum_assignment(similarity, maximize=True)
    matched = float(similarity[rows, cols].sum())
    return 2 * matched / (len(gold_set) + len(pred_set))


def _distinct(values: Iterable[str]) -> list[str]:
    """List elements as a set: duplicates (after token normalization) count once."""
    seen: dict[tuple[str, ...], str] = {}
    for value in values:
        seen.setdefault(tuple(text_tokens(value)) or (value.strip().casefold(),), value)
    return sorted(seen.values())


def _values(
    gold: tuple[float | None, float | None], pred: tuple[float | None, float | None]
) -> float:
    for left, right in zip(gold, pred, strict=True):
        if left is None or right is None:
            if left is not right:
                return 0.0
        elif not math.isclose(left, right, rel_tol=VALUE_REL_TOLERANCE):
            return 0.0
    return 1.0


_PRECISION_ORDER = {"day": 0, "week": 1, "month": 2, "quarter": 3, "year": 4}


def _period(day: dt.date, precision: str) -> tuple[int, ...]:
    if precision == "day":
        return (day.year, day.month, day.day)
    if precision == "week":
        iso = day.isocalendar()
        return (iso.year, iso.week)
    if precision == "month":
        return (day.year, day.month)
    if precision == "quarter":
        return (day.year, (day.month - 1) // 3)
    return (day.year,)


def _date(gold: DateRef, pred: DateRef) -> float:
    if _PRECISION_ORDER[pred.precision] > _PRECISION_ORDER[gold.precision]:
        return 0.0  # "December 2023" does not claim the gold "30 December 2023"
    if _period(pred.start, gold.precision) != _period(gold.start, gold.precision):
        return 0.0
    if gold.end is not None:
        pred_end = pred.end or pred.start
        if _period(pred_end, gold.precision) != _period(gold.end, gold.precision):
            return 0.0
    return 1.0


# --------------------------------------------------------------------------- field specs


@dataclass(frozen=True)
class FieldSpec:
    """One scored field: how to read it from a record and how to compare two values."""

    name: str
    get: Callable[[Any], Any]
    compare: Callable[[Any, Any], float]


@dataclass(frozen=True)
class RecordSpec:
    """The scored fields of one record type and which of them are key fields."""

    fields: tuple[FieldSpec, ...]
    keys: frozenset[str]


def _attr(name: str) -> Callable[[Any], Any]:
    return lambda record: getattr(record, name)


def _specified(name: str) -> Callable[[Any], Any]:
    # "unspecified" is the schema's way of saying nothing; scoring it would reward silence.
    def get(record: Any) -> Any:
        value = getattr(record, name)
        return None if value == "unspecified" else value

    return get


def _amount_fields(prefix: str) -> tuple[FieldSpec, ...]:
    def value(record: Any) -> tuple[float | None, float | None] | None:
        money: Money | None = getattr(record, prefix)
        if money is None or (money.amount is None and money.amount_max is None):
            return None
        return (money.amount, money.amount_max)

    def currency(record: Any) -> str | None:
        money: Money | None = getattr(record, prefix)
        return None if money is None else money.currency

    def qualifier(record: Any) -> str | None:
        money: Money | None = getattr(record, prefix)
        return None if money is None else money.qualifier

    return (
        FieldSpec(f"{prefix}.value", value, _values),
        FieldSpec(f"{prefix}.currency", currency, _exact),
        FieldSpec(f"{prefix}.qualifier", qualifier, _exact),
    )


def _quantity_fields(prefix: str) -> tuple[FieldSpec, ...]:
    def value(record: Any) -> tuple[float | None, float | None] | None:
        quantity: Quantity | None = getattr(record, prefix)
        if quantity is None or (quantity.value is None and quantity.value_max is None):
            return None
        return (quantity.value, quantity.value_max)

    def qualifier(record: Any) -> str | None:
        quantity: Quantity | None = getattr(record, prefix)
        return None if quantity is None else quantity.qualifier

    return (
        FieldSpec(f"{prefix}.value", value, _values),
        FieldSpec(f"{prefix}.qualifier", qualifier, _exact),
    )


def _attribution_fields() -> tuple[FieldSpec, ...]:
    def source(record: Any) -> str | None:
        return None if record.attribution is None else record.attribution.source

    def certainty(record: Any) -> str | None:
        return None if record.attribution is None else record.attribution.certainty

    return (
        FieldSpec("attribution.source", source, _person),
        FieldSpec("attribution.certainty", certainty, _exact),
    )


RECORD_SPECS: dict[str, RecordSpec] = {
    "events": RecordSpec(
        fields=(
            FieldSpec("kind", _attr("kind"), _exact),
            FieldSpec("date", _attr("date"), _date),
            FieldSpec("attacker", _attr("attacker"), _actor),
            FieldSpec("target", _attr("target"), _name_or_text),
            FieldSpec("location", _attr("location"), _name_or_text),
            FieldSpec("country", _attr("country"), _name),
            FieldSpec("weapons", _attr("weapons"), _text_set),
            *_quantity_fields("munitions"),
            *_quantity_fields("killed"),
            *_quantity_fields("injured"),
            FieldSpec("description", _attr("description"), _text),
            *_attribution_fields(),
        ),
        keys=frozenset({"date", "kind", "attacker", "location"}),
    ),
    "aid": RecordSpec(
        fields=(
            FieldSpec("donor", _attr("donor"), _actor),
            FieldSpec("recipient", _attr("recipient"), _actor),
            *_amount_fields("amount"),
            FieldSpec("aid_type", _specified("aid_type"), _exact),
            FieldSpec("stage", _attr("stage"), _exact),
            FieldSpec("scope", _specified("scope"), _exact),
            FieldSpec("mechanism", _attr("mechanism"), _name_or_text),
            FieldSpec("items", _attr("items"), _text_set),
            FieldSpec("date", _attr("date"), _date),
            FieldSpec("description", _attr("description"), _text),
            *_attribution_fields(),
        ),
        keys=frozenset({"donor", "recipient", "amount.value"}),
    ),
    "transfers": RecordSpec(
        fields=(
            FieldSpec("supplier", _attr("supplier"), _actor),
            FieldSpec("recipient", _attr("recipient"), _actor),
            FieldSpec("weapon", _attr("weapon"), _text),
            FieldSpec("designation", _attr("designation"), _name_or_text),
            FieldSpec("category", _attr("category"), _exact),
            *_quantity_fields("quantity"),
            *_amount_fields("value"),
            FieldSpec("status", _attr("status"), _exact),
            FieldSpec("date", _attr("date"), _date),
            FieldSpec("description", _attr("description"), _text),
            *_attribution_fields(),
        ),
        keys=frozenset({"supplier", "recipient", "weapon"}),
    ),
    "quotes": RecordSpec(
        fields=(
            FieldSpec("speaker", _attr("speaker"), _person),
            FieldSpec("speaker_role", _attr("speaker_role"), _text),
            FieldSpec("text", _attr("text"), _text),
        ),
        keys=frozenset({"speaker", "text"}),
    ),
}


def _is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset):
        return len(value) == 0
    return False


# --------------------------------------------------------------------------- score models


class Counts(BaseModel):
    """Counts behind one precision/recall/F1 (see the module docstring)."""

    correct: float = 0.0
    predicted: int = 0
    gold: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def precision(self) -> float | None:
        return None if self.predicted == 0 else self.correct / self.predicted

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recall(self) -> float | None:
        return None if self.gold == 0 else self.correct / self.gold

    @computed_field  # type: ignore[prop-decorator]
    @property
    def f1(self) -> float | None:
        total = self.predicted + self.gold
        return None if total == 0 else 2 * self.correct / total

    def plus(self, other: Counts) -> Counts:
        return Counts(
            correct=self.correct + other.correct,
            predicted=self.predicted + other.predicted,
            gold=self.gold + other.gold,
        )


def _sum_counts(items: Iterable[Counts]) -> Counts:
    total = Counts()
    for item in items:
        total = total.plus(item)
    return total


class AlignedPair(BaseModel):
    """One aligned gold/predicted pair, by index into the article's record lists."""

    gold: int
    pred: int
    key_similarity: float
    credit: float
    key_match: bool


class TypeScore(BaseModel):
    """Field- and record-level counts for one record type (or all types)."""

    fields: Counts = Counts()
    by_field: dict[str, Counts] = {}
    records: Counts = Counts()
    unsupported: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unsupported_rate(self) -> float | None:
        return None if self.records.predicted == 0 else self.unsupported / self.records.predicted


class ArticleTypeScore(TypeScore):
    """A record type's score in one article, with the alignment behind it."""

    pairs: list[AlignedPair] = []
    unaligned_pred: list[int] = []
    unaligned_gold: list[int] = []


class Grounding(BaseModel):
    grounded: int = 0
    total: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rate(self) -> float | None:
        return None if self.total == 0 else self.grounded / self.total


class ArticleScore(BaseModel):
    article_id: str
    prediction: PredictionStatus = "ok"
    error: str | None = None
    types: dict[str, ArticleTypeScore]
    overall: TypeScore
    grounding: Grounding | None  # None when the article text was not found
    rouge_l: float | None


class MacroScore(BaseModel):
    """Means of per-article values over the articles where each is defined."""

    precision: float | None
    recall: float | None
    f1: float | None
    articles: int


class CorpusScore(BaseModel):
    articles: list[ArticleScore]
    micro: dict[str, TypeScore]
    macro: dict[str, MacroScore]
    grounding: Grounding
    rouge_l: float | None
    missing_predictions: list[str] = []
    error_predictions: dict[str, str] = {}
    unmatched_predictions: list[str] = []
    articles_without_text: list[str] = []
    unreadable_predictions: list[str] = []
    settings: dict[str, float] = {
        "min_key_similarity": MIN_KEY_SIMILARITY,
        "match_threshold": MATCH_THRESHOLD,
        "value_rel_tolerance": VALUE_REL_TOLERANCE,
    }


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class _Comparison:
    """Everything the scorer needs about one gold/predicted pair."""

    per_field: dict[str, Counts]
    credit: float
    key_similarity: float
    key_match: bool


def _filled_counts(
    spec: RecordSpec, record: Any, *, side: Literal["gold", "pred"]
) -> dict[str, Counts]:
    counts: dict[str, Counts] = {}
    for field_spec in spec.fields:
        if not _is_empty(field_spec.get(record)):
            counts[field_spec.name] = Counts(gold=1) if side == "gold" else Counts(predicted=1)
    return counts


def _compare(spec: RecordSpec, gold: Any, pred: Any) -> _Comparison:
    per_field: dict[str, Counts] = {}
    key_credits: list[float] = []
    key_match = True
    for field_spec in spec.fields:
        gold_value, pred_value = field_spec.get(gold), field_spec.get(pred)
        gold_filled, pred_filled = not _is_empty(gold_value), not _is_empty(pred_value)
        if not gold_filled and not pred_filled:
            continue
        credit = field_spec.compare(gold_value, pred_value) if gold_filled and pred_filled else 0.0
        per_field[field_spec.name] = Counts(
            correct=credit, predicted=int(pred_filled), gold=int(gold_filled)
        )
        if field_spec.name in spec.keys:
            key_credits.append(credit)
            # Strictly above: "missile launcher" and "ballistic missile" (F1 0.5) differ.
            key_match = key_match and credit > MATCH_THRESHOLD
    key_similarity = sum(key_credits) / len(key_credits) if key_credits else 1.0
    return _Comparison(
        per_field=per_field,
        credit=sum(counts.correct for counts in per_field.values()),
        key_similarity=key_similarity,
        key_match=key_match,
    )


def _canonical_order(records: Sequence[BaseModel]) -> list[int]:
    # Sorting by content makes the assignment (and its tie-breaking) independent of the
    # order in which the annotator or the model listed the records.
    return sorted(range(len(records)), key=lambda index: records[index].model_dump_json())


def _assign(weights: np.ndarray[Any, np.dtype[np.float64]]) -> list[tuple[int, int]]:
    if weights.size == 0:
        return []
    rows, cols = linear_sum_assignment(weights, maximize=True)
    return [(int(row), int(col)) for row, col in zip(rows, cols, strict=True)]


def score_records(
    spec: RecordSpec, gold: Sequence[BaseModel], pred: Sequence[BaseModel]
) -> ArticleTypeScore:
    """Align one article's gold and predicted records of one type and count them."""
    gold_order, pred_order = _canonical_order(gold), _canonical_order(pred)
    comparisons = [[_compare(spec, gold[g], pred[p]) for p in pred_order] for g in gold_order]

    credit = np.zeros((len(gold_order), len(pred_order)))
    key_matches = np.zeros((len(gold_order), len(pred_order)))
    for row, line in enumerate(comparisons):
        for col, comparison in enumerate(line):
            if comparison.key_similarity >= MIN_KEY_SIMILARITY:
                credit[row, col] = comparison.credit
            key_matches[row, col] = float(comparison.key_match)

    pairs: list[AlignedPair] = []
    by_field: dict[str, Counts] = {}
    aligned_gold: set[int] = set()
    aligned_pred: set[int] = set()
    for row, col in _assign(credit):
        comparison = comparisons[row][col]
        if comparison.key_similarity < MIN_KEY_SIMILARITY:
            continue  # the solver may pair leftovers at weight 0; they stay unaligned
        g, p = gold_order[row], pred_order[col]
        aligned_gold.add(g)
        aligned_pred.add(p)
        pairs.append(
            AlignedPair(
                gold=g,
                pred=p,
                key_similarity=comparison.key_similarity,
                credit=comparison.credit,
                key_match=comparison.key_match,
            )
        )
        _merge(by_field, comparison.per_field)
    unaligned_gold = sorted(set(range(len(gold))) - aligned_gold)
    unaligned_pred = sorted(set(range(len(pred))) - aligned_pred)
    for g in unaligned_gold:
        _merge(by_field, _filled_counts(spec, gold[g], side="gold"))
    for p in unaligned_pred:
        _merge(by_field, _filled_counts(spec, pred[p], side="pred"))

    # Record level is its own maximum matching, so it cannot depend on field credit.
    correct_records = sum(int(key_matches[r, c]) for r, c in _assign(key_matches))
    return ArticleTypeScore(
        fields=_sum_counts(by_field.values()),
        by_field=_ordered(spec, by_field),
        records=Counts(correct=float(correct_records), predicted=len(pred), gold=len(gold)),
        unsupported=len(unaligned_pred),
        pairs=sorted(pairs, key=lambda pair: pair.gold),
        unaligned_pred=unaligned_pred,
        unaligned_gold=unaligned_gold,
    )


def _merge(total: dict[str, Counts], part: Mapping[str, Counts]) -> None:
    for name, counts in part.items():
        total[name] = total[name].plus(counts) if name in total else counts


def _ordered(spec: RecordSpec, by_field: Mapping[str, Counts]) -> dict[str, Counts]:
    return {f.name: by_field[f.name] for f in spec.fields if f.name in by_field}


def grounding_counts(pred: ArticleSummary, text: str) -> Grounding:
    """How many predicted evidence and quote spans are verbatim at their offsets."""
    spans = list(pred.evidence_spans())
    grounded = sum(
        1
        for quote, start, end in spans
        if 0 <= start <= end <= len(text) and text[start:end] == quote
    )
    return Grounding(grounded=grounded, total=len(spans))


def score_article(
    gold: ArticleSummary, pred: ArticleSummary | None, text: str | None
) -> ArticleScore:
    """Score one article; `pred=None` is an empty prediction, `text=None` skips grounding."""
    types: dict[str, ArticleTypeScore] = {}
    for name in RECORD_TYPES:
        predicted: Sequence[BaseModel] = [] if pred is None else getattr(pred, name)
        types[name] = score_records(RECORD_SPECS[name], getattr(gold, name), predicted)
    grounding: Grounding | None = None
    if text is not None:
        grounding = Grounding() if pred is None else grounding_counts(pred, text)
    summary = (
        None if not gold.summary.strip() else rouge_l(gold.summary, pred.summary if pred else "")
    )
    return ArticleScore(
        article_id=gold.article.id,
        prediction="ok" if pred is not None else "missing",
        types=types,
        overall=_overall(types.values()),
        grounding=grounding,
        rouge_l=summary,
    )


def _overall(scores: Iterable[TypeScore]) -> TypeScore:
    scores = list(scores)
    return TypeScore(
        fields=_sum_counts(score.fields for score in scores),
        records=_sum_counts(score.records for score in scores),
        unsupported=sum(score.unsupported for score in scores),
    )


def _micro(scores: Sequence[TypeScore], spec: RecordSpec | None = None) -> TypeScore:
    by_field: dict[str, Counts] = {}
    for score in scores:
        _merge(by_field, score.by_field)
    return TypeScore(
        fields=_sum_counts(score.fields for score in scores),
        by_field=by_field if spec is None else _ordered(spec, by_field),
        records=_sum_counts(score.records for score in scores),
        unsupported=sum(score.unsupported for score in scores),
    )


def _mean(values: Iterable[float | None]) -> float | None:
    defined = [value for value in values if value is not None]
    return sum(defined) / len(defined) if defined else None


def _macro(counts: Sequence[Counts]) -> MacroScore:
    return MacroScore(
        precision=_mean(c.precision for c in counts),
        recall=_mean(c.recall for c in counts),
        f1=_mean(c.f1 for c in counts),
        articles=sum(1 for c in counts if c.f1 is not None),
    )


def score_corpus(
    gold: Mapping[str, ArticleSummary],
    pred: Mapping[str, ArticleSummary],
    texts: Mapping[str, str],
    *,
    errors: Mapping[str, str] | None = None,
    unreadable: Sequence[str] = (),
) -> CorpusScore:
    """Score every gold article.

    `errors` maps article ids to failed predictions (scored as empty); `unreadable` lists
    prediction lines or files with no usable article id, for the report.
    """
    errors = errors or {}
    articles: list[ArticleScore] = []
    for article_id in sorted(gold):
        score = score_article(gold[article_id], pred.get(article_id), texts.get(article_id))
        if article_id not in pred and article_id in errors:
            score = score.model_copy(update={"prediction": "error", "error": errors[article_id]})
        articles.append(score)

    micro = {
        name: _micro([a.types[name] for a in articles], RECORD_SPECS[name]) for name in RECORD_TYPES
    }
    micro[ALL] = _micro([a.overall for a in articles])
    macro = {name: _macro([a.types[name].fields for a in articles]) for name in RECORD_TYPES}
    macro[ALL] = _macro([a.overall.fields for a in articles])
    grounded = [a.grounding for a in articles if a.grounding is not None]
    return CorpusScore(
        articles=articles,
        micro=micro,
        macro=macro,
        grounding=Grounding(
            grounded=sum(g.grounded for g in grounded), total=sum(g.total for g in grounded)
        ),
        rouge_l=_mean(a.rouge_l for a in articles),
        missing_predictions=[a.article_id for a in articles if a.prediction == "missing"],
        error_predictions={
            a.article_id: a.error or "" for a in articles if a.prediction == "error"
        },
        unmatched_predictions=sorted(set(pred) - set(gold)),
        articles_without_text=[a.article_id for a in articles if a.grounding is None],
        unreadable_predictions=list(unreadable),
    )


# --------------------------------------------------------------------------- loading


@dataclass
class Predictions:
    """Predicted summaries by article id, and the articles whose prediction failed."""

    summaries: dict[str, ArticleSummary] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)  # lines/files with no usable id


def load_gold(directory: str | Path) -> dict[str, ArticleSummary]:
    """Every `*.json` file of a directory as an `ArticleSummary`, keyed by `article.id`."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(str(directory), "is not a directory of gold JSON files")
    gold: dict[str, ArticleSummary] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            summary = ArticleSummary.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as exc:
            raise InputError(
                str(path), f"is not a valid ArticleSummary ({_first_error(exc)})"
            ) from None
        if summary.article.id in gold:
            raise InputError(str(path), f"repeats article id {summary.article.id!r}")
        gold[summary.article.id] = summary
    if not gold:
        raise InputError(str(directory), "holds no gold *.json files")
    return gold


def load_predictions(path: str | Path) -> Predictions:
    """A directory of `*.json` summaries or a JSONL file of them (error records allowed)."""
    path = Path(path)
    predictions = Predictions()
    if path.is_dir():
        for file in sorted(path.glob("*.json")):
            _add_prediction(
                predictions,
                file.read_text(encoding="utf-8"),
                fallback_id=file.stem,
                origin=file.name,
            )
    elif path.is_file():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                _add_prediction(predictions, line, fallback_id=None, origin=f"line {number}")
    else:
        raise InputError(str(path), "does not exist (expected a directory or a JSONL file)")
    return predictions


def _add_prediction(
    predictions: Predictions, raw: str, *, fallback_id: str | None, origin: str
) -> None:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        _add_error(predictions, fallback_id, f"not JSON ({exc.msg})", origin)
        return
    if not isinstance(data, dict):
        _add_error(predictions, fallback_id, "not a JSON object", origin)
        return
    article_id = _record_id(data) or fallback_id
    if "error" in data:
        _add_error(predictions, article_id, str(data["error"]), origin)
        return
    try:
        summary = ArticleSummary.model_validate(data)
    except ValidationError as exc:
        _add_error(predictions, article_id, f"invalid ArticleSummary ({_first_error(exc)})", origin)
        return
    # A later success (a retried batch) replaces an earlier failure for the same article.
    predictions.summaries[summary.article.id] = summary
    predictions.errors.pop(summary.article.id, None)


def _add_error(predictions: Predictions, article_id: str | None, message: str, origin: str) -> None:
    if article_id is None:
        predictions.unreadable.append(f"{origin}: {message}")
    elif article_id not in predictions.summaries:
        predictions.errors[article_id] = message


def _record_id(data: Mapping[str, object]) -> str | None:
    for key in ("id", "article_id"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    article = data.get("article")
    if isinstance(article, dict) and isinstance(article.get("id"), str) and article["id"]:
        return str(article["id"])
    return None


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "<root>"
    return f"{exc.error_count()} error(s); first at {where}: {first['msg']}"


def load_texts(directory: str | Path, article_ids: Iterable[str]) -> dict[str, str]:
    """Article texts (below the metadata header) by id = file stem; missing ones are absent."""
    directory = Path(directory)
    texts: dict[str, str] = {}
    if not directory.is_dir():
        return texts
    for article_id in article_ids:
        candidates = [directory / f"{article_id}.txt", *sorted(directory.glob(f"{article_id}.*"))]
        for candidate in candidates:
            if candidate.is_file():
                texts[article_id] = read_article(candidate).text
                break
    return texts


def predict(
    summarize: Callable[[Path], ArticleSummary],
    article_ids: Iterable[str],
    articles_dir: str | Path,
) -> Predictions:
    """Run a model on the gold articles; a failure becomes that article's error, not a crash."""
    predictions = Predictions()
    for article_id in article_ids:
        path = Path(articles_dir) / f"{article_id}.txt"
        try:
            predictions.summaries[article_id] = summarize(path)
        except SummarizerError as error:
            predictions.errors[article_id] = str(error)
    return predictions


def evaluate_model(
    gold_dir: str | Path,
    articles_dir: str | Path,
    summarize: Callable[[Path], ArticleSummary],
) -> CorpusScore:
    """Run `summarize` on every gold article and score the results (`eval --backend`)."""
    gold = load_gold(gold_dir)
    predictions = predict(summarize, gold, articles_dir)
    return score_corpus(
        gold, predictions.summaries, load_texts(articles_dir, gold), errors=predictions.errors
    )


def evaluate(gold_dir: str | Path, pred_path: str | Path, articles_dir: str | Path) -> CorpusScore:
    """Load everything and score it: what `summarizer eval` runs."""
    gold = load_gold(gold_dir)
    predictions = load_predictions(pred_path)
    texts = load_texts(articles_dir, gold)
    return score_corpus(
        gold,
        predictions.summaries,
        texts,
        errors=predictions.errors,
        unreadable=predictions.unreadable,
    )


# --------------------------------------------------------------------------- rendering


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _count(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


_TYPE_HEADER = (
    "type", "gold recs", "pred recs", "rec P", "rec R", "rec F1",
    "field P", "field R", "field F1", "macro F1", "unsupported rate",
)  # fmt: skip
_FIELD_HEADER = ("field", "gold", "pred", "correct", "P", "R", "F1")
_ARTICLE_HEADER = ("article", "prediction", "field F1", "record F1", "grounding", "ROUGE-L")


def _type_rows(score: CorpusScore) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for name in (*RECORD_TYPES, ALL):
        micro, macro = score.micro[name], score.macro[name]
        rows.append((
            name,
            str(micro.records.gold),
            str(micro.records.predicted),
            _fmt(micro.records.precision),
            _fmt(micro.records.recall),
            _fmt(micro.records.f1),
            _fmt(micro.fields.precision),
            _fmt(micro.fields.recall),
            _fmt(micro.fields.f1),
            _fmt(macro.f1),
            _fmt(micro.unsupported_rate),
        ))  # fmt: skip
    return rows


def _field_rows(score: CorpusScore) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for name in RECORD_TYPES:
        for field_name, counts in score.micro[name].by_field.items():
            rows.append((
                f"{name}.{field_name}",
                str(counts.gold),
                str(counts.predicted),
                _count(round(counts.correct, 3)),
                _fmt(counts.precision),
                _fmt(counts.recall),
                _fmt(counts.f1),
            ))  # fmt: skip
    return rows


def _article_rows(score: CorpusScore) -> list[tuple[str, ...]]:
    return [
        (
            article.article_id,
            article.prediction,
            _fmt(article.overall.fields.f1),
            _fmt(article.overall.records.f1),
            "-" if article.grounding is None else _fmt(article.grounding.rate),
            _fmt(article.rouge_l),
        )
        for article in score.articles
    ]


def _notes(score: CorpusScore) -> list[str]:
    grounding = score.grounding
    notes = [
        f"Grounding rate: {_fmt(grounding.rate)} ({grounding.grounded}/{grounding.total} "
        "predicted evidence and quote spans verbatim at their offsets)",
        f"ROUGE-L F1 of summaries (information only): {_fmt(score.rouge_l)}",
    ]
    if score.missing_predictions:
        notes.append("No prediction (scored as empty): " + ", ".join(score.missing_predictions))
    if score.error_predictions:
        notes.append(
            "Failed prediction (scored as empty): "
            + "; ".join(f"{key}: {value}" for key, value in score.error_predictions.items())
        )
    if score.unmatched_predictions:
        notes.append(
            "Predictions without gold (ignored): " + ", ".join(score.unmatched_predictions)
        )
    if score.unreadable_predictions:
        notes.append("Unreadable predictions (ignored): " + "; ".join(score.unreadable_predictions))
    if score.articles_without_text:
        notes.append(
            "No article text (grounding not measured): " + ", ".join(score.articles_without_text)
        )
    return notes


def _rich_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    table = Table(title=title, title_justify="left")
    for index, name in enumerate(header):
        table.add_column(name, justify="left" if index == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def render_table(score: CorpusScore) -> RenderableType:
    """The terminal view: by type, by field, by article, then notes."""
    parts: list[RenderableType] = [
        _rich_table(
            "By record type (micro; macro F1 over articles)", _TYPE_HEADER, _type_rows(score)
        ),
        _rich_table("By field (micro)", _FIELD_HEADER, _field_rows(score)),
        _rich_table("By article (all record types)", _ARTICLE_HEADER, _article_rows(score)),
    ]
    parts.extend(Text(note) for note in _notes(score))
    return Group(*parts)


def to_text(score: CorpusScore, *, width: int = 120) -> str:
    """The terminal view as plain text (no colour), for writing to a file."""
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, highlight=False).print(render_table(score))
    return buffer.getvalue()


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    align = ["---"] + ["---:"] * (len(header) - 1)
    return "\n".join([line(header), "| " + " | ".join(align) + " |", *(line(row) for row in rows)])


def to_markdown(score: CorpusScore) -> str:
    """The report view: the same tables as Markdown."""
    sections = [
        "### By record type (micro; macro F1 over articles)",
        _md_table(_TYPE_HEADER, _type_rows(score)),
        "### By field (micro)",
        _md_table(_FIELD_HEADER, _field_rows(score)),
        "### By article (all record types)",
        _md_table(_ARTICLE_HEADER, _article_rows(score)),
        "\n".join(f"- {note}" for note in _notes(score)),
    ]
    return "\n\n".join(sections) + "\n"


def to_json(score: CorpusScore) -> str:
    """The machine view: every count and ratio, with the alignment of every article."""
    return score.model_dump_json(indent=2) + "\n"


# --------------------------------------------------------------------------- baseline gate


def gate_numbers(score: CorpusScore) -> dict[str, float | None]:
    """The numbers a baseline pins, by name; none of them may fall.

    Micro field- and record-level F1 per record type and overall, the share of gold
    articles that got a summary at all (not an error), and the summaries' ROUGE-L.
    """
    numbers: dict[str, float | None] = {}
    for record_type, type_score in score.micro.items():
        numbers[f"{record_type}.fields.f1"] = type_score.fields.f1
        numbers[f"{record_type}.records.f1"] = type_score.records.f1
    failed = len(score.error_predictions) + len(score.missing_predictions)
    numbers["articles.summarized_share"] = (
        1 - failed / len(score.articles) if score.articles else None
    )
    numbers["summary.rouge_l"] = score.rouge_l
    return numbers


def regressions(
    baseline: Mapping[str, float | None], current: Mapping[str, float | None], tolerance: float
) -> list[str]:
    """Every number that fell more than `tolerance` below its baseline (a vanished one is 0)."""
    fallen = []
    for name, before in baseline.items():
        if before is None:
            continue
        now = current.get(name) or 0.0
        if now < before - tolerance:
            fallen.append(f"{name} fell from {before:.3f} to {now:.3f}")
    return fallen
