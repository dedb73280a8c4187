"""Cells every export shares: formula defusing, numbers, dates, lists, evidence, ids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from summarizer.schemas import ArticleSummary, Attribution, DateRef, Evidence, Money, Quantity

Row = dict[str, str]
ExportFormat = Literal["acled", "kiel", "sipri", "csv"]

# Cells a spreadsheet would read as a formula (or DDE call) start with one of these.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
_LIST_SEPARATOR = "; "
_EVIDENCE_SEPARATOR = " | "


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


def text_cell(value: str | None) -> str:
    return "" if value is None else value


def iso_date(value: dt.date | None) -> str:
    return "" if value is None else value.isoformat()


def join_values(values: Iterable[str]) -> str:
    return _LIST_SEPARATOR.join(v for v in values if v)


def evidence_cell(evidence: Iterable[Evidence]) -> str:
    return _EVIDENCE_SEPARATOR.join(e.quote for e in evidence)


def attribution_cells(attribution: Attribution | None) -> tuple[str, str]:
    if attribution is None:
        return "", ""
    return attribution.source, attribution.certainty


def _columns(prefix: str, names: tuple[str, ...], cells: tuple[str, ...] | None) -> Row:
    """`prefix_name` columns holding `cells`, all empty when there is no value."""
    return dict(zip((f"{prefix}_{n}" for n in names), cells or ("",) * len(names), strict=True))


def date_columns(date: DateRef | None) -> Row:
    cells = None
    if date is not None:
        cells = (date.text, iso_date(date.start), iso_date(date.end), date.precision)
    return _columns("date", ("text", "start", "end", "precision"), cells)


def quantity_columns(prefix: str, q: Quantity | None) -> Row:
    cells = None
    if q is not None:
        value, value_max = format_number(q.value), format_number(q.value_max)
        cells = (q.text, value, value_max, text_cell(q.unit), q.qualifier)
    return _columns(prefix, ("text", "value", "value_max", "unit", "qualifier"), cells)


def money_columns(prefix: str, m: Money | None) -> Row:
    cells = None
    if m is not None:
        amount, amount_max = format_number(m.amount), format_number(m.amount_max)
        cells = (m.text, amount, amount_max, text_cell(m.currency), m.qualifier)
    return _columns(prefix, ("text", "amount", "amount_max", "currency", "qualifier"), cells)


def record_id(summary: ArticleSummary, record_type: str, index: int) -> str:
    """A stable id for one record of one article: `<article id>:<type>:<index>`."""
    return f"{summary.article.id}:{record_type}:{index}"


def article_source(summary: ArticleSummary) -> str:
    """Who published the article (header `source`), else its URL, else its id."""
    meta = summary.article
    return meta.source or meta.url or meta.id
