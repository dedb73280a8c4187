"""The baseline gate: the numbers a change must not lower, and what regressed."""

from __future__ import annotations

from collections.abc import Mapping

from summarizer.evaluation.models import CorpusScore

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
