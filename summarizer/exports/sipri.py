"""`WeaponsTransfer` -> SIPRI trade-register rows: numbers ordered / delivered by `status`
(docs/exports.md, SIPRI)."""

from __future__ import annotations

from collections.abc import Iterator

from summarizer.exports.cells import (
    Row,
    article_source,
    attribution_cells,
    evidence_cell,
    format_number,
    record_id,
    text_cell,
)
from summarizer.schemas import ArticleSummary, Quantity, WeaponsTransfer

# SIPRI's register holds deals that were agreed (ordered) or delivered; the other statuses
# are exported for review but flagged as not registrable.
SIPRI_REGISTRABLE = frozenset({"delivered", "in_progress", "agreed", "approved"})

SIPRI_COLUMNS: tuple[str, ...] = (
    "recipient",
    "supplier",
    "year_of_order",
    "year_of_order_estimate",
    "number_ordered",
    "number_ordered_estimate",
    "weapon_designation",
    "weapon_description",
    "number_delivered",
    "number_delivered_estimate",
    "year_of_delivery",
    "status",
    "comments",
    # traceability (not register columns)
    "record_id",
    "article_id",
    "source",
    "url",
    "sipri_registrable",
    "category",
    "quantity_text",
    "value_text",
    "value_amount",
    "value_currency",
    "date_text",
    "date_precision",
    "attribution",
    "certainty",
    "evidence",
)


def _estimate_flag(quantity: Quantity | None) -> str:
    """SIPRI marks uncertain numbers with "?"; anything but an exact count is uncertain."""
    if quantity is None or quantity.value is None:
        return ""
    return "" if quantity.qualifier == "exact" else "?"


def sipri_numbers(transfer: WeaponsTransfer) -> tuple[str, str, str, str]:
    """(number_ordered, its "?" flag, number_delivered, its "?" flag) for a transfer.

    A delivery of N implies an order of at least N, so a delivered count fills both; the
    order is then flagged "?" because the deal may have been larger.
    """
    q = transfer.quantity
    number = "" if q is None or q.value is None else format_number(q.value)
    flag = _estimate_flag(q)
    if not number:
        return "", "", "", ""
    if transfer.status == "delivered":
        return number, "?", number, flag
    return number, flag, "", ""


def sipri_years(transfer: WeaponsTransfer) -> tuple[str, str, str]:
    """(year_of_order, its "?" flag, year_of_delivery) from the transfer's date."""
    if transfer.date is None:
        return "", "", ""
    year = str(transfer.date.start.year)
    if transfer.status == "delivered":
        return "", "", year
    return year, "", ""


def sipri_rows(summary: ArticleSummary) -> Iterator[Row]:
    """One SIPRI-trade-register-style row per `WeaponsTransfer`."""
    for index, transfer in enumerate(summary.transfers):
        yield _sipri_row(summary, index, transfer)


def _sipri_row(summary: ArticleSummary, index: int, transfer: WeaponsTransfer) -> Row:
    ordered, ordered_flag, delivered, delivered_flag = sipri_numbers(transfer)
    order_year, order_year_flag, delivery_year = sipri_years(transfer)
    attribution, certainty = attribution_cells(transfer.attribution)
    comment = transfer.description
    if attribution:
        comment = f"{comment} (according to {attribution}; {certainty})"
    value = transfer.value
    return {
        "recipient": transfer.recipient,
        "supplier": transfer.supplier,
        "year_of_order": order_year,
        "year_of_order_estimate": order_year_flag,
        "number_ordered": ordered,
        "number_ordered_estimate": ordered_flag,
        "weapon_designation": text_cell(transfer.designation),
        "weapon_description": transfer.weapon,
        "number_delivered": delivered,
        "number_delivered_estimate": delivered_flag,
        "year_of_delivery": delivery_year,
        "status": transfer.status,
        "comments": comment,
        "record_id": record_id(summary, "transfer", index),
        "article_id": summary.article.id,
        "source": article_source(summary),
        "url": text_cell(summary.article.url),
        "sipri_registrable": "yes" if transfer.status in SIPRI_REGISTRABLE else "no",
        "category": transfer.category,
        "quantity_text": "" if transfer.quantity is None else transfer.quantity.text,
        "value_text": "" if value is None else value.text,
        "value_amount": "" if value is None else format_number(value.amount),
        "value_currency": "" if value is None else text_cell(value.currency),
        "date_text": "" if transfer.date is None else transfer.date.text,
        "date_precision": "" if transfer.date is None else transfer.date.precision,
        "attribution": attribution,
        "certainty": certainty,
        "evidence": evidence_cell(transfer.evidence),
    }
