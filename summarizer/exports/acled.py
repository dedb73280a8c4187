"""`Event` -> ACLED event rows: event_type / sub_event_type from `kind`, time_precision
from `date.precision`, fatalities from `killed` (docs/exports.md, ACLED)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from summarizer.datemath import month_end
from summarizer.exports.cells import (
    Row,
    article_source,
    attribution_cells,
    date_columns,
    evidence_cell,
    format_number,
    join_values,
    record_id,
    text_cell,
)
from summarizer.schemas import ArticleSummary, DateRef, Event, EventKind, Quantity

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
    attribution, certainty = attribution_cells(event.attribution)
    return {
        "event_date": event_date,
        "year": year,
        "time_precision": precision,
        "disorder_type": disorder,
        "event_type": event_type,
        "sub_event_type": sub_event_type,
        "actor1": text_cell(event.attacker),
        # ACLED's actor2 is a named actor; our `target` is often a place or an object, so
        # it goes to its own column and actor2 is only filled where ACLED's rule is clear.
        "actor2": _civilians_actor(event.country) if civilians else "",
        "civilian_targeting": "Civilian targeting" if civilians else "",
        "country": text_cell(event.country),
        "location": text_cell(event.location),
        "source": article_source(summary),
        "notes": event.description,
        "fatalities": acled_fatalities(event.killed),
        "record_id": record_id(summary, "event", index),
        "article_id": summary.article.id,
        "url": text_cell(summary.article.url),
        "kind": event.kind,
        "target": text_cell(event.target),
        "weapons": join_values(event.weapons),
        "munitions_text": "" if event.munitions is None else event.munitions.text,
        "fatalities_text": "" if event.killed is None else event.killed.text,
        "injured_text": "" if event.injured is None else event.injured.text,
        "injured": "" if event.injured is None else format_number(event.injured.value),
        **date_columns(event.date),
        "attribution": attribution,
        "certainty": certainty,
        "evidence": evidence_cell(event.evidence),
    }


def _civilians_actor(country: str | None) -> str:
    return f"Civilians ({country})" if country else "Civilians"
