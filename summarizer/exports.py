"""Exports: results JSONL -> ACLED / Kiel / SIPRI / flat CSV rows (`summarizer export`).

This module owns the mapping from the public records (`schemas`) onto the field's coding
schemes, as documented column by column in `docs/exports.md`:

- `Event` -> ACLED event rows (event_type / sub_event_type from `kind`, time_precision from
  `date.precision`, fatalities from `killed`),
- `AidFigure` -> Kiel Ukraine Support Tracker rows (measure Commitment / Allocation from
  `stage`),
- `WeaponsTransfer` -> SIPRI trade-register rows (numbers ordered / delivered by `status`),
- every record -> one flat row (`csv`).

Rows are plain `dict[str, str]`; `write_csv` writes them with every cell defused against
formula injection. Reading a results file is streaming: error lines (`{"id", "source",
"error", "kind"}`) are skipped and counted, as are lines that are not valid results.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

from summarizer.datemath import month_end
from summarizer.results import ErrorRecord, InvalidLine, iter_result_lines
from summarizer.schemas import (
    AidFigure,
    ArticleSummary,
    Attribution,
    DateRef,
    Event,
    EventKind,
    Evidence,
    Money,
    Quantity,
    Quote,
    WeaponsTransfer,
)

Row = dict[str, str]
ExportFormat = Literal["acled", "kiel", "sipri", "csv"]

# Cells a spreadsheet would read as a formula (or DDE call) start with one of these.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
_LIST_SEPARATOR = "; "
_EVIDENCE_SEPARATOR = " | "


# --------------------------------------------------------------------------- cells


def defuse_cell(value: str) -> str:
    """Neutralise spreadsheet formula injection: prefix risky cells with `'` (OWASP)."""
    if value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def format_number(value: float | int | None) -> str:
    """A number without float noise: 250000000.0 -> "250000000", 1.5 -> "1.5"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(value: str | None) -> str:
    return "" if value is None else value


def _iso(value: dt.date | None) -> str:
    return "" if value is None else value.isoformat()


def _join(values: Iterable[str]) -> str:
    return _LIST_SEPARATOR.join(v for v in values if v)


def _evidence(evidence: Iterable[Evidence]) -> str:
    return _EVIDENCE_SEPARATOR.join(e.quote for e in evidence)


def _attribution(attribution: Attribution | None) -> tuple[str, str]:
    if attribution is None:
        return "", ""
    return attribution.source, attribution.certainty


def _date_columns(date: DateRef | None) -> Row:
    if date is None:
        return {"date_text": "", "date_start": "", "date_end": "", "date_precision": ""}
    return {
        "date_text": date.text,
        "date_start": _iso(date.start),
        "date_end": _iso(date.end),
        "date_precision": date.precision,
    }


def _quantity_columns(prefix: str, quantity: Quantity | None) -> Row:
    q = quantity
    return {
        f"{prefix}_text": "" if q is None else q.text,
        f"{prefix}_value": "" if q is None else format_number(q.value),
        f"{prefix}_value_max": "" if q is None else format_number(q.value_max),
        f"{prefix}_unit": "" if q is None else _text(q.unit),
        f"{prefix}_qualifier": "" if q is None else q.qualifier,
    }


def _money_columns(prefix: str, money: Money | None) -> Row:
    m = money
    return {
        f"{prefix}_text": "" if m is None else m.text,
        f"{prefix}_amount": "" if m is None else format_number(m.amount),
        f"{prefix}_amount_max": "" if m is None else format_number(m.amount_max),
        f"{prefix}_currency": "" if m is None else _text(m.currency),
        f"{prefix}_qualifier": "" if m is None else m.qualifier,
    }


def record_id(summary: ArticleSummary, record_type: str, index: int) -> str:
    """A stable id for one record of one article: `<article id>:<type>:<index>`."""
    return f"{summary.article.id}:{record_type}:{index}"


def _article_source(summary: ArticleSummary) -> str:
    """Who published the article (header `source`), else its URL, else its id."""
    meta = summary.article
    return meta.source or meta.url or meta.id


# --------------------------------------------------------------------------- ACLED

# kind -> (disorder_type, event_type, sub_event_type), per ACLED's codebook definitions:
# ground-launched missiles and rockets are "Shelling/artillery/missile attack"; anything
# launched from the air (aircraft, drones) is "Air/drone strike"; an intercepted strike is
# "Disrupted weapons use" (a strategic development, not political violence).
ACLED_EVENT_TYPES: dict[EventKind, tuple[str, str, str]] = {
    "missile_strike": (
        "Political violence",
        "Explosions/Remote violence",
        "Shelling/artillery/missile attack",
    ),
    "shelling": (
        "Political violence",
        "Explosions/Remote violence",
        "Shelling/artillery/missile attack",
    ),
    "drone_strike": ("Political violence", "Explosions/Remote violence", "Air/drone strike"),
    "air_strike": ("Political violence", "Explosions/Remote violence", "Air/drone strike"),
    "ground_attack": ("Political violence", "Battles", "Armed clash"),
    "attack_on_civilians": ("Political violence", "Violence against civilians", "Attack"),
    "interception": ("Strategic developments", "Strategic developments", "Disrupted weapons use"),
    "other": ("Strategic developments", "Strategic developments", "Other"),
}

ACLED_COLUMNS: tuple[str, ...] = (
    # ACLED's own columns, in ACLED's order
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "civilian_targeting",
    "country",
    "location",
    "source",
    "notes",
    "fatalities",
    # traceability back to the summary (not ACLED columns)
    "record_id",
    "article_id",
    "url",
    "kind",
    "target",
    "weapons",
    "munitions_text",
    "fatalities_text",
    "injured_text",
    "injured",
    "date_text",
    "date_start",
    "date_end",
    "date_precision",
    "attribution",
    "certainty",
    "evidence",
)


def _interval_end(date: DateRef) -> dt.date:
    """The last day a date reference covers (its `end`, else implied by its precision)."""
    if date.end is not None:
        return date.end
    start = date.start
    if date.precision == "week":
        return start + dt.timedelta(days=6)
    if date.precision == "month":
        return month_end(start.year, start.month)
    if date.precision == "quarter":
        return month_end(start.year, min(12, start.month + 2))
    if date.precision == "year":
        return dt.date(start.year, 12, 31)
    return start


def acled_date(date: DateRef | None) -> tuple[str, str, str]:
    """(event_date, year, time_precision) for an event date, following ACLED's codebook.

    ACLED codes the actual day as precision 1; an event known only to a week (or a span of
    a few days) as 2, dated to the middle of that span; an event known only to a month as
    3, dated to the middle of the month. ACLED has no code coarser than a month, so
    quarter- and year-level dates get no time_precision (the row needs manual review).
    """
    if date is None:
        return "", "", ""
    last = _interval_end(date)
    span_days = (last - date.start).days
    middle = date.start + dt.timedelta(days=span_days // 2)
    if date.precision in ("quarter", "year") or span_days > 31:
        return middle.isoformat(), str(middle.year), ""
    if span_days == 0:
        precision = "1"
    elif span_days <= 7:
        precision = "2"
    else:
        precision = "3"
    return middle.isoformat(), str(middle.year), precision


def acled_fatalities(killed: Quantity | None) -> str:
    """ACLED's fatalities: 0 when none are reported, the lower bound of a count otherwise.

    A vague count ("dozens") has no value and is left empty for manual coding; its text is
    in `fatalities_text`.
    """
    if killed is None:
        return "0"
    if killed.value is None:
        return ""
    return str(int(killed.value))


def acled_rows(summary: ArticleSummary) -> Iterator[Row]:
    """One ACLED-style row per `Event`."""
    for index, event in enumerate(summary.events):
        yield _acled_row(summary, index, event)


def _acled_row(summary: ArticleSummary, index: int, event: Event) -> Row:
    disorder, event_type, sub_event_type = ACLED_EVENT_TYPES[event.kind]
    event_date, year, precision = acled_date(event.date)
    civilians = event.kind == "attack_on_civilians"
    attribution, certainty = _attribution(event.attribution)
    return {
        "event_date": event_date,
        "year": year,
        "time_precision": precision,
        "disorder_type": disorder,
        "event_type": event_type,
        "sub_event_type": sub_event_type,
        "actor1": _text(event.attacker),
        # ACLED's actor2 is a named actor; our `target` is often a place or an object, so
        # it goes to its own column and actor2 is only filled where ACLED's rule is clear.
        "actor2": _civilians_actor(event.country) if civilians else "",
        "civilian_targeting": "Civilian targeting" if civilians else "",
        "country": _text(event.country),
        "location": _text(event.location),
        "source": _article_source(summary),
        "notes": event.description,
        "fatalities": acled_fatalities(event.killed),
        "record_id": record_id(summary, "event", index),
        "article_id": summary.article.id,
        "url": _text(summary.article.url),
        "kind": event.kind,
        "target": _text(event.target),
        "weapons": _join(event.weapons),
        "munitions_text": "" if event.munitions is None else event.munitions.text,
        "fatalities_text": "" if event.killed is None else event.killed.text,
        "injured_text": "" if event.injured is None else event.injured.text,
        "injured": "" if event.injured is None else format_number(event.injured.value),
        **_date_columns(event.date),
        "attribution": attribution,
        "certainty": certainty,
        "evidence": _evidence(event.evidence),
    }


def _civilians_actor(country: str | None) -> str:
    return f"Civilians ({country})" if country else "Civilians"


# --------------------------------------------------------------------------- Kiel

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
        announced, date_from = _iso(aid.date.start), "record"
    elif summary.article.published is not None:
        announced, date_from = _iso(summary.article.published), "published"
    else:
        announced, date_from = "", ""
    money = aid.amount
    attribution, certainty = _attribution(aid.attribution)
    return {
        "donor": aid.donor,
        "recipient": aid.recipient,
        "announcement_date": announced,
        "aid_type_general": KIEL_AID_TYPES.get(aid.aid_type, ""),
        "aid_type_specific": _text(aid.mechanism),
        "measure": KIEL_MEASURES[aid.stage],
        "reported_value": "" if money is None else format_number(money.amount),
        "reported_value_max": "" if money is None else format_number(money.amount_max),
        "reported_currency": "" if money is None else _text(money.currency),
        "item": _join(aid.items),
        "explanation": aid.description,
        "source": _article_source(summary),
        "record_id": record_id(summary, "aid", index),
        "article_id": summary.article.id,
        "url": _text(summary.article.url),
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
        "evidence": _evidence(aid.evidence),
    }


# --------------------------------------------------------------------------- SIPRI

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
    attribution, certainty = _attribution(transfer.attribution)
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
        "weapon_designation": _text(transfer.designation),
        "weapon_description": transfer.weapon,
        "number_delivered": delivered,
        "number_delivered_estimate": delivered_flag,
        "year_of_delivery": delivery_year,
        "status": transfer.status,
        "comments": comment,
        "record_id": record_id(summary, "transfer", index),
        "article_id": summary.article.id,
        "source": _article_source(summary),
        "url": _text(summary.article.url),
        "sipri_registrable": "yes" if transfer.status in SIPRI_REGISTRABLE else "no",
        "category": transfer.category,
        "quantity_text": "" if transfer.quantity is None else transfer.quantity.text,
        "value_text": "" if value is None else value.text,
        "value_amount": "" if value is None else format_number(value.amount),
        "value_currency": "" if value is None else _text(value.currency),
        "date_text": "" if transfer.date is None else transfer.date.text,
        "date_precision": "" if transfer.date is None else transfer.date.precision,
        "attribution": attribution,
        "certainty": certainty,
        "evidence": _evidence(transfer.evidence),
    }


# --------------------------------------------------------------------------- flat CSV

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
    return tuple(_quantity_columns(prefix, None))


def _money_names(prefix: str) -> tuple[str, ...]:
    return tuple(_money_columns(prefix, None))


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
    *_date_columns(None),
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
        article_title=_text(meta.title),
        article_published=_iso(meta.published),
        article_source=_text(meta.source),
        article_url=_text(meta.url),
        record_type=record_type,
        description=description,
    )
    row.update(fields)
    return row


def _flat_shared(
    date: DateRef | None, attribution: Attribution | None, evidence: Iterable[Evidence]
) -> Row:
    source, certainty = _attribution(attribution)
    return {
        **_date_columns(date),
        "attribution": source,
        "certainty": certainty,
        "evidence": _evidence(evidence),
    }


def _flat_event(event: Event) -> Row:
    return {
        "kind": event.kind,
        "attacker": _text(event.attacker),
        "target": _text(event.target),
        "location": _text(event.location),
        "country": _text(event.country),
        "weapons": _join(event.weapons),
        **_quantity_columns("munitions", event.munitions),
        **_quantity_columns("killed", event.killed),
        **_quantity_columns("injured", event.injured),
        **_flat_shared(event.date, event.attribution, event.evidence),
    }


def _flat_aid(aid: AidFigure) -> Row:
    return {
        "donor": aid.donor,
        "recipient": aid.recipient,
        "aid_type": aid.aid_type,
        "stage": aid.stage,
        "scope": aid.scope,
        "mechanism": _text(aid.mechanism),
        "items": _join(aid.items),
        **_money_columns("amount", aid.amount),
        **_flat_shared(aid.date, aid.attribution, aid.evidence),
    }


def _flat_transfer(transfer: WeaponsTransfer) -> Row:
    return {
        "supplier": transfer.supplier,
        "recipient": transfer.recipient,
        "weapon": transfer.weapon,
        "designation": _text(transfer.designation),
        "category": transfer.category,
        "status": transfer.status,
        **_quantity_columns("quantity", transfer.quantity),
        **_money_columns("value", transfer.value),
        **_flat_shared(transfer.date, transfer.attribution, transfer.evidence),
    }


def _flat_quote(quote: Quote) -> Row:
    return {
        "speaker": quote.speaker,
        "speaker_role": _text(quote.speaker_role),
        "quote_text": quote.text,
        "quote_start": str(quote.start),
        "quote_end": str(quote.end),
    }


# --------------------------------------------------------------------------- formats


@dataclass(frozen=True)
class Format:
    """One export format: its columns and how a summary becomes rows."""

    name: ExportFormat
    columns: tuple[str, ...]
    rows: Callable[[ArticleSummary], Iterator[Row]]


FORMATS: dict[ExportFormat, Format] = {
    "acled": Format("acled", ACLED_COLUMNS, acled_rows),
    "kiel": Format("kiel", KIEL_COLUMNS, kiel_rows),
    "sipri": Format("sipri", SIPRI_COLUMNS, sipri_rows),
    "csv": Format("csv", FLAT_COLUMNS, flat_rows),
}


# --------------------------------------------------------------------------- reading


# --------------------------------------------------------------------------- writing


@dataclass
class ExportReport:
    """What an export did: rows written, summaries read, lines skipped."""

    format: ExportFormat
    rows: int = 0
    summaries: int = 0
    skipped_errors: int = 0
    invalid_lines: list[InvalidLine] | None = None

    @property
    def invalid(self) -> int:
        return len(self.invalid_lines or [])


def write_csv(rows: Iterable[Row], columns: tuple[str, ...], out: TextIO) -> int:
    """Write a header and rows as RFC 4180 CSV, every cell defused; returns rows written."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([defuse_cell(row.get(column, "")) for column in columns])
        count += 1
    return count


def export_lines(lines: Iterable[str | bytes], to: ExportFormat, out: TextIO) -> ExportReport:
    """Export results JSONL lines to CSV in format `to`; error and invalid lines are skipped."""
    fmt = FORMATS[to]
    report = ExportReport(format=to, invalid_lines=[])

    def rows() -> Iterator[Row]:
        for item in iter_result_lines(lines):
            if isinstance(item, ErrorRecord):
                report.skipped_errors += 1
            elif isinstance(item, InvalidLine):
                assert report.invalid_lines is not None
                report.invalid_lines.append(item)
            else:
                report.summaries += 1
                yield from fmt.rows(item)

    report.rows = write_csv(rows(), fmt.columns, out)
    return report


def export_file(results: Path, to: ExportFormat, out: TextIO) -> ExportReport:
    """Export a results JSONL file (streamed, so any size fits in memory)."""
    with results.open("rb") as lines:  # bytes: a non-UTF-8 line is one invalid line
        return export_lines(lines, to, out)


def store_lines(store: Any, *, batch: str | None = None) -> Iterator[str]:
    """The store's results as results-file lines: summaries, then error records."""
    yield from store.iter_results(batch=batch)
    for error in store.iter_errors(batch=batch):
        yield error.line()


def summaries_to_csv(summaries: Iterable[ArticleSummary], to: ExportFormat, out: TextIO) -> int:
    """Export summaries already in memory (Python API); returns rows written."""
    fmt = FORMATS[to]
    return write_csv((row for s in summaries for row in fmt.rows(s)), fmt.columns, out)
