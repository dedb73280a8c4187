"""`AidFigure` -> Kiel Ukraine Support Tracker rows: measure Commitment / Allocation from
`stage` (docs/exports.md, Kiel)."""

from __future__ import annotations

from collections.abc import Iterator

from summarizer.exports.cells import (
    Row,
    article_source,
    attribution_cells,
    evidence_cell,
    format_number,
    iso_date,
    join_values,
    record_id,
    text_cell,
)
from summarizer.schemas import AidFigure, ArticleSummary

KIEL_AID_TYPES = {"military": "Military", "financial": "Financial", "humanitarian": "Humanitarian"}

# The tracker counts government commitments (promised) and allocations (earmarked for or
# delivered to the recipient); a request is neither, so it gets no measure.
KIEL_MEASURES = {
    "pledged": "Commitment",
    "approved": "Commitment",
    "announced": "Commitment",
    "allocated": "Allocation",
    "delivered": "Allocation",
    "requested": "",
}

KIEL_COLUMNS: tuple[str, ...] = (
    "donor",
    "recipient",
    "announcement_date",
    "aid_type_general",
    "aid_type_specific",
    "measure",
    "reported_value",
    "reported_value_max",
    "reported_currency",
    "item",
    "explanation",
    "source",
    # traceability (not tracker columns)
    "record_id",
    "article_id",
    "url",
    "announcement_date_from",
    "aid_type",
    "stage",
    "scope",
    "amount_text",
    "amount_qualifier",
    "date_text",
    "date_precision",
    "attribution",
    "certainty",
    "evidence",
)


def kiel_rows(summary: ArticleSummary) -> Iterator[Row]:
    """One Kiel-tracker-style row per `AidFigure`."""
    for index, aid in enumerate(summary.aid):
        yield _kiel_row(summary, index, aid)


def _kiel_row(summary: ArticleSummary, index: int, aid: AidFigure) -> Row:
    if aid.date is not None:
        announced, date_from = iso_date(aid.date.start), "record"
    elif summary.article.published is not None:
        announced, date_from = iso_date(summary.article.published), "published"
    else:
        announced, date_from = "", ""
    money = aid.amount
    attribution, certainty = attribution_cells(aid.attribution)
    return {
        "donor": aid.donor,
        "recipient": aid.recipient,
        "announcement_date": announced,
        "aid_type_general": KIEL_AID_TYPES.get(aid.aid_type, ""),
        "aid_type_specific": text_cell(aid.mechanism),
        "measure": KIEL_MEASURES[aid.stage],
        "reported_value": "" if money is None else format_number(money.amount),
        "reported_value_max": "" if money is None else format_number(money.amount_max),
        "reported_currency": "" if money is None else text_cell(money.currency),
        "item": join_values(aid.items),
        "explanation": aid.description,
        "source": article_source(summary),
        "record_id": record_id(summary, "aid", index),
        "article_id": summary.article.id,
        "url": text_cell(summary.article.url),
        "announcement_date_from": date_from,
        "aid_type": aid.aid_type,
        "stage": aid.stage,
        "scope": aid.scope,
        "amount_text": "" if money is None else money.text,
        "amount_qualifier": "" if money is None else money.qualifier,
        "date_text": "" if aid.date is None else aid.date.text,
        "date_precision": "" if aid.date is None else aid.date.precision,
        "attribution": attribution,
        "certainty": certainty,
        "evidence": evidence_cell(aid.evidence),
    }
