"""Every record -> one flat CSV row (`--to csv`; docs/exports.md, flat CSV)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from summarizer.exports.cells import (
    Row,
    attribution_cells,
    date_columns,
    evidence_cell,
    iso_date,
    join_values,
    money_columns,
    quantity_columns,
    record_id,
    text_cell,
)
from summarizer.schemas import (
    AidFigure,
    ArticleSummary,
    Attribution,
    DateRef,
    Event,
    Evidence,
    Quote,
    WeaponsTransfer,
)

_FLAT_COMMON = (
    "record_id",
    "article_id",
    "article_title",
    "article_published",
    "article_source",
    "article_url",
    "record_type",
    "description",
)
_FLAT_EVENT = ("kind", "attacker", "target", "location", "country", "weapons")
_FLAT_AID = ("donor", "recipient", "aid_type", "stage", "scope", "mechanism", "items")
_FLAT_TRANSFER = ("supplier", "weapon", "designation", "category", "status")
_FLAT_QUOTE = ("speaker", "speaker_role", "quote_text", "quote_start", "quote_end")


def _quantity_names(prefix: str) -> tuple[str, ...]:
    return tuple(quantity_columns(prefix, None))


def _money_names(prefix: str) -> tuple[str, ...]:
    return tuple(money_columns(prefix, None))


FLAT_COLUMNS: tuple[str, ...] = (
    *_FLAT_COMMON,
    *_FLAT_EVENT,
    *_quantity_names("munitions"),
    *_quantity_names("killed"),
    *_quantity_names("injured"),
    *_FLAT_AID,
    *_money_names("amount"),
    *_FLAT_TRANSFER,
    *_quantity_names("quantity"),
    *_money_names("value"),
    *_FLAT_QUOTE,
    *date_columns(None),
    "attribution",
    "certainty",
    "evidence",
)


def flat_rows(summary: ArticleSummary) -> Iterator[Row]:
    """One row per record of any type (events, aid, transfers, quotes), in that order."""
    for index, event in enumerate(summary.events):
        yield _flat(summary, "event", index, event.description, _flat_event(event))
    for index, aid in enumerate(summary.aid):
        yield _flat(summary, "aid", index, aid.description, _flat_aid(aid))
    for index, transfer in enumerate(summary.transfers):
        yield _flat(summary, "transfer", index, transfer.description, _flat_transfer(transfer))
    for index, quote in enumerate(summary.quotes):
        yield _flat(summary, "quote", index, "", _flat_quote(quote))


def _flat(
    summary: ArticleSummary, record_type: str, index: int, description: str, fields: Row
) -> Row:
    meta = summary.article
    row = dict.fromkeys(FLAT_COLUMNS, "")
    row.update(
        record_id=record_id(summary, record_type, index),
        article_id=meta.id,
        article_title=text_cell(meta.title),
        article_published=iso_date(meta.published),
        article_source=text_cell(meta.source),
        article_url=text_cell(meta.url),
        record_type=record_type,
        description=description,
    )
    row.update(fields)
    return row


def _flat_shared(
    date: DateRef | None, attribution: Attribution | None, evidence: Iterable[Evidence]
) -> Row:
    source, certainty = attribution_cells(attribution)
    return {
        **date_columns(date),
        "attribution": source,
        "certainty": certainty,
        "evidence": evidence_cell(evidence),
    }


def _flat_event(event: Event) -> Row:
    return {
        "kind": event.kind,
        "attacker": text_cell(event.attacker),
        "target": text_cell(event.target),
        "location": text_cell(event.location),
        "country": text_cell(event.country),
        "weapons": join_values(event.weapons),
        **quantity_columns("munitions", event.munitions),
        **quantity_columns("killed", event.killed),
        **quantity_columns("injured", event.injured),
        **_flat_shared(event.date, event.attribution, event.evidence),
    }


def _flat_aid(aid: AidFigure) -> Row:
    return {
        "donor": aid.donor,
        "recipient": aid.recipient,
        "aid_type": aid.aid_type,
        "stage": aid.stage,
        "scope": aid.scope,
        "mechanism": text_cell(aid.mechanism),
        "items": join_values(aid.items),
        **money_columns("amount", aid.amount),
        **_flat_shared(aid.date, aid.attribution, aid.evidence),
    }


def _flat_transfer(transfer: WeaponsTransfer) -> Row:
    return {
        "supplier": transfer.supplier,
        "recipient": transfer.recipient,
        "weapon": transfer.weapon,
        "designation": text_cell(transfer.designation),
        "category": transfer.category,
        "status": transfer.status,
        **quantity_columns("quantity", transfer.quantity),
        **money_columns("value", transfer.value),
        **_flat_shared(transfer.date, transfer.attribution, transfer.evidence),
    }


def _flat_quote(quote: Quote) -> Row:
    return {
        "speaker": quote.speaker,
        "speaker_role": text_cell(quote.speaker_role),
        "quote_text": quote.text,
        "quote_start": str(quote.start),
        "quote_end": str(quote.end),
    }
