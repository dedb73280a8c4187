"""How two field values are compared (credit in [0, 1]) and which fields each record type scores."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.optimize import linear_sum_assignment

from summarizer.evaluation.text import text_tokens, token_f1, words
from summarizer.normalize import same_entity
from summarizer.schemas import DateRef, Money, Quantity

MIN_KEY_SIMILARITY = 0.5
MATCH_THRESHOLD = 0.5
VALUE_REL_TOLERANCE = 1e-6

RECORD_TYPES: tuple[str, ...] = ("events", "aid", "transfers", "quotes")
ALL = "all"

PredictionStatus = Literal["ok", "missing", "error"]


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
    gold_words, pred_words = set(words(gold)), set(words(pred))
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


def is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset):
        return len(value) == 0
    return False
