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


def date_columns(date: DateRef | None) -> Row:
    if date is None:
        return {"date_text": "", "date_start": "", "date_end": "", "date_precision": ""}
    return {
        "date_text": date.text,
        "date_start": iso_date(date.start),
        "date_end": iso_date(date.end),
        "date_precision": date.precision,
    }


def quantity_columns(prefix: str, quantity: Quantity | None) -> Row:
    q = quantity
    return {
        f"{prefix}_text": "" if q is None else q.text,
        f"{prefix}_value": "" if q is None else format_number(q.value),
        f"{prefix}_value_max": "" if q is None else format_number(q.value_max),
        f"{prefix}_unit": "" if q is None else text_cell(q.unit),
        f"{prefix}_qualifier": "" if q is None else q.qualifier,
    }


def money_columns(prefix: str, money: Money | None) -> Row:
    m = money
    return {
        f"{prefix}_text": "" if m is None else m.text,
        f"{prefix}_amount": "" if m is None else format_number(m.amount),
        f"{prefix}_amount_max": "" if m is None else format_number(m.amount_max),
        f"{prefix}_currency": "" if m is None else text_cell(m.currency),
        f"{prefix}_qualifier": "" if m is None else m.qualifier,
    }


def record_id(summary: ArticleSummary, record_type: str, index: int) -> str:
    """A stable id for one record of one article: `<article id>:<type>:<index>`."""
    return f"{summary.article.id}:{record_type}:{index}"


def article_source(summary: ArticleSummary) -> str:
    """Who published the article (header `source`), else its URL, else its id."""
    meta = summary.article
    return meta.source or meta.url or meta.id
