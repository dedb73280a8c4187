"""The score models: counts, per-type, per-article and corpus scores (pydantic)."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, computed_field

from summarizer.evaluation.compare import (
    MATCH_THRESHOLD,
    MIN_KEY_SIMILARITY,
    VALUE_REL_TOLERANCE,
    PredictionStatus,
)

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


def sum_counts(items: Iterable[Counts]) -> Counts:
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
