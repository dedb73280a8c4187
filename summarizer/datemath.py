"""Calendar arithmetic shared by date normalization and the exports (no parsing here, so
importing it loads no date parser)."""

from __future__ import annotations

import calendar
import datetime as dt

__all__ = ["month_end"]


def month_end(year: int, month: int) -> dt.date:
    """The last day of a month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])
