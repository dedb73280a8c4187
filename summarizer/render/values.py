"""How a date, an amount or a count reads in a rendered view (Markdown and HTML alike)."""

from __future__ import annotations

from summarizer.schemas import DateRef, Money, Quantity


def describe_date(date: DateRef | None, separator: str = "..") -> str:
    """ "last Tuesday (2024-01-02, day)": as written, then the resolved interval."""
    if date is None:
        return ""
    interval = date.start.isoformat() + (f"{separator}{date.end.isoformat()}" if date.end else "")
    return f"{date.text} ({interval}, {date.precision})"


def describe_amount(value: Money | Quantity | None) -> str:
    """ "up to $700 million (= 700,000,000 USD, up_to)": as written, then the parsed value."""
    if value is None:
        return ""
    parsed = value.amount if isinstance(value, Money) else value.value
    unit = value.currency if isinstance(value, Money) else value.unit
    if parsed is None:
        return f"{value.text} ({value.qualifier})"
    return f"{value.text} (= {parsed:,.0f} {unit or ''}, {value.qualifier})".replace(" ,", ",")
