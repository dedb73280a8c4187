"""Scoring: records aligned one-to-one, counted per field and record, summed over a corpus."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel
from scipy.optimize import linear_sum_assignment

from summarizer.evaluation.compare import (
    ALL,
    MATCH_THRESHOLD,
    MIN_KEY_SIMILARITY,
    RECORD_SPECS,
    RECORD_TYPES,
    RecordSpec,
    is_empty,
)
from summarizer.evaluation.models import (
    AlignedPair,
    ArticleScore,
    ArticleTypeScore,
    CorpusScore,
    Counts,
    Grounding,
    MacroScore,
    TypeScore,
    sum_counts,
)
from summarizer.evaluation.text import rouge_l
from summarizer.schemas import ArticleSummary

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
        if not is_empty(field_spec.get(record)):
            counts[field_spec.name] = Counts(gold=1) if side == "gold" else Counts(predicted=1)
    return counts


def _compare(spec: RecordSpec, gold: Any, pred: Any) -> _Comparison:
    per_field: dict[str, Counts] = {}
    key_credits: list[float] = []
    key_match = True
    for field_spec in spec.fields:
        gold_value, pred_value = field_spec.get(gold), field_spec.get(pred)
        gold_filled, pred_filled = not is_empty(gold_value), not is_empty(pred_value)
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
        fields=sum_counts(by_field.values()),
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
        fields=sum_counts(score.fields for score in scores),
        records=sum_counts(score.records for score in scores),
        unsupported=sum(score.unsupported for score in scores),
    )


def _micro(scores: Sequence[TypeScore], spec: RecordSpec | None = None) -> TypeScore:
    by_field: dict[str, Counts] = {}
    for score in scores:
        _merge(by_field, score.by_field)
    return TypeScore(
        fields=sum_counts(score.fields for score in scores),
        by_field=by_field if spec is None else _ordered(spec, by_field),
        records=sum_counts(score.records for score in scores),
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
