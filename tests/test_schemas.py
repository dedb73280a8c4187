"""The public contract: round trips, and the checks a record can make on its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from summarizer.schemas import ArticleSummary, DateRef, Evidence, Money, Quote

GOLD = Path(__file__).parent.parent / "fixtures" / "gold"


@pytest.mark.parametrize("path", sorted(GOLD.glob("*.json")), ids=lambda p: p.stem)
def test_gold_files_round_trip_unchanged(path: Path) -> None:
    original = json.loads(path.read_text(encoding="utf-8"))
    summary = ArticleSummary.model_validate(original)
    again = ArticleSummary.model_validate_json(summary.model_dump_json())
    assert again == summary
    assert json.loads(summary.model_dump_json()) == json.loads(
        ArticleSummary.model_validate(json.loads(summary.model_dump_json())).model_dump_json()
    )


def test_evidence_span_must_fit_the_quote() -> None:
    Evidence(quote="abc", start=3, end=6)
    with pytest.raises(ValidationError, match="quote's length"):
        Evidence(quote="abc", start=3, end=7)
    with pytest.raises(ValidationError):
        Quote(speaker="Kirby", text="words", start=0, end=4)


def test_currency_must_be_iso_4217() -> None:
    assert Money(text="$5", amount=5, currency="USD").currency == "USD"
    with pytest.raises(ValidationError, match="ISO 4217"):
        Money(text="$5", amount=5, currency="$")


def test_date_interval_cannot_run_backwards() -> None:
    with pytest.raises(ValidationError, match="before start"):
        DateRef(text="x", start="2024-01-05", end="2024-01-01", precision="day")


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        Evidence.model_validate({"quote": "a", "start": 0, "end": 1, "page": 3})
