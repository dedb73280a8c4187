"""Resolving one date expression against the publication date (rules: `dates/__init__`)."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from typing import Final

from dateparser.date import DateDataParser

from summarizer.datemath import month_end
from summarizer.normalize.dates.names import MONTH_NAMES, WEEKDAY_NAMES
from summarizer.normalize.numbers import as_text, clean, words_to_digits
from summarizer.schemas import DateRef, Precision

__all__ = ["parse_date"]


_MIN_YEAR: Final = 1800
_MAX_YEAR: Final = 2199
_FUTURE_WINDOW_DAYS: Final = 31
_RECENT_DAYS: Final = 7
_RECENT_WEEKS_DAYS: Final = 28
_RECENT_MONTHS: Final = 3
_PRECISION_ORDER: Final[tuple[Precision, ...]] = ("day", "week", "month", "quarter", "year")
# Stands in for `published` when there is none: dateparser then never reads the clock, and
# only results from text that names its year are kept.
_NO_BASE: Final = dt.date(2000, 1, 1)

_MONTH: Final = (
    r"(?P<{name}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY: Final = (
    r"(?P<{name}>mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?"
    r"|fri(?:day)?|sat(?:urday)?|sun(?:day)?)\.?"
)
_ORDINAL: Final = r"(?:st|nd|rd|th)"


def _month(name: str = "month") -> str:
    return _MONTH.format(name=name)


def _weekday(name: str = "weekday") -> str:
    return _WEEKDAY.format(name=name)


def _month_number(token: str) -> int:
    return MONTH_NAMES[token.lower().rstrip(".")]


def _weekday_number(token: str) -> int:
    return WEEKDAY_NAMES.index(token.lower()[:3])


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _in_bounds(day: dt.date) -> bool:
    return _MIN_YEAR <= day.year <= _MAX_YEAR


def _ref(text: str, start: dt.date, end: dt.date | None, precision: Precision) -> DateRef | None:
    """A DateRef, or None if it falls outside the years this module treats as dates."""
    if not _in_bounds(start) or (end is not None and not _in_bounds(end)):
        return None
    if end is not None and end <= start:
        end = None if end == start or precision == "day" else end
        if end is not None:
            return None
    return DateRef(text=text, start=start, end=end, precision=precision)


def _day_ref(text: str, day: dt.date) -> DateRef | None:
    return _ref(text, day, None, "day")


def _week_ref(text: str, day: dt.date) -> DateRef | None:
    monday = day - dt.timedelta(days=day.weekday())
    return _ref(text, monday, monday + dt.timedelta(days=6), "week")


def _month_ref(text: str, year: int, month: int) -> DateRef | None:
    return _ref(text, dt.date(year, month, 1), month_end(year, month), "month")


def _quarter_ref(text: str, year: int, quarter: int) -> DateRef | None:
    first = 3 * (quarter - 1) + 1
    return _ref(text, dt.date(year, first, 1), month_end(year, first + 2), "quarter")


def _year_ref(text: str, year: int) -> DateRef | None:
    return _ref(text, dt.date(year, 1, 1), dt.date(year, 12, 31), "year")


def _span_precision(days: int) -> Precision:
    """Precision of a window by its length: a week or less is "week", and so on."""
    if days <= 1:
        return "day"
    if days <= 7:
        return "week"
    if days <= 31:
        return "month"
    if days <= 92:
        return "quarter"
    return "year"


def _window(text: str, start: dt.date, end: dt.date) -> DateRef | None:
    return _ref(text, start, end, _span_precision((end - start).days))


def _latest_month(month: int, anchor: dt.date) -> int:
    """Year of the most recent `month` that began on or before `anchor`."""
    return anchor.year if month <= anchor.month else anchor.year - 1


def _pick_year(
    month: int, day: int, anchor: dt.date, *, allow_future: bool, weekday: int | None = None
) -> dt.date | None:
    """A day and month without a year: the latest on or before `anchor`, or one just ahead."""
    candidates: list[dt.date] = []
    for year in range(anchor.year - 4, anchor.year + 2):
        try:
            candidates.append(dt.date(year, month, day))
        except ValueError:
            continue  # 29 February, or a day the month does not have
    if weekday is not None:
        # "Monday 23 October": a weekday that fits a nearby year settles the year.
        near = [c for c in candidates if abs(c.year - anchor.year) <= 1 and c.weekday() == weekday]
        candidates = near or candidates
    past = [c for c in candidates if c <= anchor]
    future = [c for c in candidates if c > anchor]
    if allow_future and future and (future[0] - anchor).days <= _FUTURE_WINDOW_DAYS:
        return future[0]
    if past:
        return past[-1]
    return future[0] if future else None


def _latest_weekday(weekday: int, anchor: dt.date, relation: str | None) -> dt.date:
    """The weekday on or before anchor; strictly before for "last", after for "next"."""
    back = (anchor.weekday() - weekday) % 7
    if relation in ("next", "coming", "this coming"):
        return anchor + dt.timedelta(days=(weekday - anchor.weekday()) % 7 or 7)
    if relation in ("last", "past", "this past") and back == 0:
        back = 7
    return anchor - dt.timedelta(days=back)


# --- fixed relative phrases -------------------------------------------------------------

_SAME_DAY: Final = re.compile(
    r"^(?:(?:early|earlier|late|later)\s+)?(?:today|tonight|this\s+(?:morning|afternoon|evening)"
    r"|this\s+day|now|just\s+now)$"
)
_YESTERDAY: Final = re.compile(
    r"^(?:(?:early|late)\s+)?(?:yesterday(?:\s+(?:morning|afternoon|evening|night))?|last\s+night"
    r"|last\s+evening)$"
)
_TOMORROW: Final = re.compile(r"^tomorrow(?:\s+(?:morning|afternoon|evening|night))?$")
_OVERNIGHT: Final = re.compile(r"^(?:overnight|last\s+overnight|during\s+the\s+night|the\s+night)$")
_WEEKEND: Final = re.compile(
    r"^(?P<rel>this\s+past|last|this|the|next|this\s+coming|the\s+coming)\s+weekend$"
)
_QUARTER_REL: Final = re.compile(
    r"^(?P<rel>this|last|next|the\s+previous|the\s+current)\s+quarter$"
)


def _relative_phrase(s: str, text: str, anchor: dt.date) -> DateRef | None:
    """Phrases that only make sense against the publication date."""
    monday = anchor - dt.timedelta(days=anchor.weekday())
    one_day = dt.timedelta(days=1)
    simple: dict[str, Callable[[], DateRef | None]] = {
        "this week": lambda: _week_ref(text, anchor),
        "the current week": lambda: _week_ref(text, anchor),
        "last week": lambda: _week_ref(text, anchor - dt.timedelta(days=7)),
        "the previous week": lambda: _week_ref(text, anchor - dt.timedelta(days=7)),
        "next week": lambda: _week_ref(text, anchor + dt.timedelta(days=7)),
        "earlier this week": lambda: _ref(text, monday, anchor, "week"),
        "later this week": lambda: _ref(text, anchor, monday + dt.timedelta(days=6), "week"),
        "earlier this month": lambda: _ref(text, anchor.replace(day=1), anchor, "month"),
        "later this month": lambda: _ref(
            text, anchor, month_end(anchor.year, anchor.month), "month"
        ),
        "earlier this year": lambda: _ref(text, dt.date(anchor.year, 1, 1), anchor, "year"),
        "later this year": lambda: _ref(text, anchor, dt.date(anchor.year, 12, 31), "year"),
        "recent days": lambda: _ref(text, anchor - dt.timedelta(days=_RECENT_DAYS), anchor, "week"),
        "recent weeks": lambda: _ref(
            text, anchor - dt.timedelta(days=_RECENT_WEEKS_DAYS), anchor, "month"
        ),
        "recent months": lambda: _ref(
            text, _add_months(anchor, -_RECENT_MONTHS), anchor, "quarter"
        ),
        "the day before yesterday": lambda: _day_ref(text, anchor - 2 * one_day),
    }
    if s in simple:
        return simple[s]()
    if _SAME_DAY.match(s):
        return _day_ref(text, anchor)
    if _YESTERDAY.match(s):
        return _day_ref(text, anchor - one_day)
    if _TOMORROW.match(s):
        return _day_ref(text, anchor + one_day)
    if _OVERNIGHT.match(s):
        return _ref(text, anchor - one_day, anchor, "day")
    weekend = _WEEKEND.match(s)
    if weekend:
        relation = "next" if weekend.group("rel") in ("next", "this coming", "the coming") else None
        saturday = _latest_weekday(5, anchor, relation)
        if relation is None and anchor.weekday() == 6:
            saturday = anchor - one_day  # published on Sunday: this weekend began yesterday
        return _ref(text, saturday, saturday + one_day, "week")
    quarter = _QUARTER_REL.match(s)
    if quarter:
        shift = {"last": -1, "the previous": -1, "next": 1}.get(quarter.group("rel"), 0)
        index = anchor.year * 4 + (anchor.month - 1) // 3 + shift
        return _quarter_ref(text, index // 4, index % 4 + 1)
    return None


_ROLLING: Final = re.compile(
    r"^the\s+(?P<dir>past|last|previous|preceding|next|coming|following)\s+"
    r"(?:(?P<n>\d+(?:\.\d+)?|few|several|couple\s+of|a\s+couple\s+of)\s+)?"
    r"(?P<unit>day|week|month|year)(?P<plural>s)?$"
)


_UNIT_PRECISION: Final[dict[str, Precision]] = {
    "day": "day", "week": "week", "month": "month", "year": "year",
}  # fmt: skip


def _rolling_window(s: str, text: str, anchor: dt.date) -> DateRef | None:
    """ "the past seven weeks", "the next year": a window ending or starting at `anchor`."""
    match = _ROLLING.match(words_to_digits(s))
    if not match:
        return None
    unit = match.group("unit")
    count_text = match.group("n")
    if count_text is None and match.group("plural"):
        count_text = "few"  # "the coming days": as vague as "the next few days"
    if count_text is None:
        count = Decimal(1)
    elif count_text[0].isdigit():
        count = Decimal(count_text)
    elif unit in ("day", "week"):
        # Vague days are a week, vague weeks four weeks; vague months or years are no date.
        count = Decimal(_RECENT_DAYS if unit == "day" else 4)
    else:
        return None
    forward = match.group("dir") in ("next", "coming", "following")
    sign = 1 if forward else -1
    if unit in ("month", "year") and count == count.to_integral_value():
        other = _add_months(anchor, sign * int(count) * (12 if unit == "year" else 1))
    else:
        days = {"day": 1, "week": 7, "month": 30, "year": 365}[unit]
        other = anchor + dt.timedelta(days=sign * int(count * days))
    start, end = (anchor, other) if forward else (other, anchor)
    if count_text is not None and count_text[0].isdigit():
        # "the last two days" is two days at day precision, "the past seven weeks" weeks.
        return _ref(text, start, end, _UNIT_PRECISION[unit])
    return _window(text, start, end)


def _absolutize(s: str, anchor: dt.date) -> str:
    """Replace "this/last/next month|year" with the month or year they name."""

    def month_name(match: re.Match[str]) -> str:
        shift = {"this": 0, "last": -1, "next": 1}[match.group(1)]
        day = _add_months(anchor.replace(day=1), shift)
        return f"{calendar.month_name[day.month].lower()} {day.year}"

    def year_name(match: re.Match[str]) -> str:
        return str(anchor.year + {"this": 0, "last": -1, "next": 1}[match.group(1)])

    s = re.sub(r"\b(this|last|next)\s+month\b", month_name, s)
    s = re.sub(r"\b(this|last|next)\s+year\b", year_name, s)
    # "the end of the year": the year of publication.
    return re.sub(r"(?<=\s)(?:the\s+)?(?:current\s+)?year$", str(anchor.year), s)


# --- absolute forms ---------------------------------------------------------------------

_ISO_DATE: Final = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$")
_WEEKDAY_ONLY: Final = re.compile(
    r"^(?:(?P<rel>last|this\s+past|past|this\s+coming|this|next|coming)\s+)?"
    rf"(?:(?:early|late)\s+(?:on\s+)?)?{_weekday()}"
    r"(?:\s+(?:morning|afternoon|evening|night))?$"
)
_QUARTER_FORMS: Final = (
    re.compile(
        r"^(?:the\s+)?(?P<ord>first|second|third|fourth|final|last|1st|2nd|3rd|4th)\s+quarter"
        r"(?:\s+(?:of\s+)?(?:(?:calendar\s+)?year\s+)?(?P<year>\d{4}))?$"
    ),
    re.compile(r"^q(?P<q>[1-4])(?:\s*(?:of\s+)?(?P<year>\d{4}|'?\d{2}))?$"),
    re.compile(r"^(?P<year>\d{4})\s*-?\s*q(?P<q>[1-4])$"),
    re.compile(r"^(?P<q>[1-4])q\s*(?P<year>\d{4}|'?\d{2})$"),
)
_QUARTER_ORDINALS: Final = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
    "4th": 4, "final": 4, "last": 4,
}  # fmt: skip
_FISCAL_YEAR: Final = re.compile(
    r"^(?:the\s+)?(?:u\.?s\.?\s+)?(?:federal\s+)?(?:fiscal\s+year|fiscal|fy)\s*'?(?P<year>\d{4}|\d{2})$"
)
_PART: Final = (
    r"(?P<part>early|beginning\s+of|the\s+beginning\s+of|start\s+of|the\s+start\s+of|mid"
    r"|middle\s+of|the\s+middle\s+of|late|end\s+of|the\s+end\s+of)"
)
_PART_OF_PERIOD: Final = re.compile(
    rf"^{_PART}[\s-]*(?:{_month()}(?:,?\s+(?:of\s+)?(?P<year>\d{{4}}))?|(?P<yonly>\d{{4}}))$"
)
_WEEK_OF_MONTH: Final = re.compile(
    r"^the\s+(?P<nth>first|second|third|fourth|last|final|1st|2nd|3rd|4th)\s+week\s+of\s+"
    rf"{_month()}(?:,?\s+(?:of\s+)?(?P<year>\d{{4}}))?$"
)
_MONTH_ONLY: Final = re.compile(rf"^{_month()}(?:,?\s+(?:of\s+)?(?P<year>\d{{4}}))?$")
_YEAR_ONLY: Final = re.compile(r"^(?:the\s+year\s+|calendar\s+year\s+|year\s+)?(?P<year>\d{4})$")
_DAY_ONLY: Final = re.compile(rf"^(?:the\s+)?(?P<day>\d{{1,2}}){_ORDINAL}$")
_BARE_DAY: Final = re.compile(rf"^(?:the\s+)?(?P<day>\d{{1,2}}){_ORDINAL}?$")
_MONTH_DAY: Final = re.compile(
    rf"^(?:{_weekday()},?\s+)?{_month()}\s+(?P<day>\d{{1,2}}){_ORDINAL}?$"
)
_DAY_MONTH: Final = re.compile(
    rf"^(?:{_weekday()},?\s+)?(?:the\s+)?(?P<day>\d{{1,2}}){_ORDINAL}?\s+(?:of\s+)?{_month()}$"
)
_PART_THIRDS: Final = {
    "early": 0, "beginning of": 0, "the beginning of": 0, "start of": 0, "the start of": 0,
    "mid": 1, "middle of": 1, "the middle of": 1, "late": 2, "end of": 2, "the end of": 2,
}  # fmt: skip
_EXPLICIT_YEAR: Final = re.compile(
    r"(?<!\d)(?:1[89]|2[01])\d\d(?!\d)|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}"
)
_LOOKS_LIKE_DATE: Final = re.compile(
    rf"(?<![a-z]){_month('m')}(?![a-z])|(?<![a-z]){_weekday('w')}(?![a-z])"
    r"|(?<!\d)\d{4}(?!\d)|\d{1,4}[/.-]\d{1,2}|\bago\b|\btoday\b|\byesterday\b|\btomorrow\b"
    r"|\bin\s+\d+\s+(?:day|week|month|year)s?\b"
)


def _two_digit_year(text: str) -> int:
    digits = text.lstrip("'")
    return int(digits) + 2000 if len(digits) == 2 else int(digits)


def _absolute_form(
    s: str, text: str, anchor: dt.date | None, *, allow_future: bool
) -> DateRef | None:
    """Written dates and calendar units: ISO, weekday, quarter, fiscal year, months, years."""
    iso = _ISO_DATE.match(s)
    if iso:
        try:
            return _day_ref(text, dt.date(int(iso["y"]), int(iso["m"]), int(iso["d"])))
        except ValueError:
            return None
    year_only = _YEAR_ONLY.match(s)
    if year_only:
        return _year_ref(text, int(year_only["year"]))
    fiscal = _FISCAL_YEAR.match(s)
    if fiscal:
        year = _two_digit_year(fiscal["year"])
        return _ref(text, dt.date(year - 1, 10, 1), dt.date(year, 9, 30), "year")
    for pattern in _QUARTER_FORMS:
        quarter = pattern.match(s)
        if quarter:
            groups = quarter.groupdict()
            number = int(groups["q"]) if groups.get("q") else _QUARTER_ORDINALS[groups["ord"]]
            if groups.get("year"):
                return _quarter_ref(text, _two_digit_year(groups["year"]), number)
            if anchor is None:
                return None
            first_month = 3 * (number - 1) + 1
            return _quarter_ref(text, _latest_month(first_month, anchor), number)
    weekday = _WEEKDAY_ONLY.match(s)
    if weekday:
        if anchor is None:
            return None
        relation = " ".join(weekday["rel"].split()) if weekday["rel"] else None
        day = _latest_weekday(_weekday_number(weekday["weekday"]), anchor, relation)
        return _day_ref(text, day)
    return _month_form(s, text, anchor, allow_future=allow_future)


def _month_form(s: str, text: str, anchor: dt.date | None, *, allow_future: bool) -> DateRef | None:
    """Forms built on a month name: parts of months or years, weeks, months, month-days."""
    part = _PART_OF_PERIOD.match(s)
    if part:
        third = _PART_THIRDS[" ".join(part["part"].split())]
        if part["yonly"]:
            year = int(part["yonly"])
            first = 4 * third + 1
            return _ref(text, dt.date(year, first, 1), month_end(year, first + 3), "year")
        month = _month_number(part["month"])
        if part["year"]:
            year = int(part["year"])
        elif anchor is not None:
            year = _latest_month(month, anchor)
        else:
            return None
        start = dt.date(year, month, 10 * third + 1)
        end = dt.date(year, month, 10 * (third + 1)) if third < 2 else month_end(year, month)
        return _ref(text, start, end, "month")
    week = _WEEK_OF_MONTH.match(s)
    if week:
        month = _month_number(week["month"])
        if week["year"]:
            year = int(week["year"])
        elif anchor is not None:
            year = _latest_month(month, anchor)
        else:
            return None
        if week["nth"] in ("last", "final"):
            end = month_end(year, month)
            return _ref(text, end - dt.timedelta(days=6), end, "week")
        start = dt.date(year, month, 1 + 7 * (_QUARTER_ORDINALS[week["nth"]] - 1))
        return _ref(text, start, min(start + dt.timedelta(days=6), month_end(year, month)), "week")
    month_only = _MONTH_ONLY.match(s)
    if month_only:
        month = _month_number(month_only["month"])
        if month_only["year"]:
            return _month_ref(text, int(month_only["year"]), month)
        if anchor is None:
            return None
        return _month_ref(text, _latest_month(month, anchor), month)
    day_only = _DAY_ONLY.match(s)
    if day_only:
        return _day_of_month(text, int(day_only["day"]), anchor)
    month_day = _MONTH_DAY.match(s) or _DAY_MONTH.match(s)
    if month_day:
        if anchor is None:
            return None
        weekday = month_day["weekday"]
        day = _pick_year(
            _month_number(month_day["month"]),
            int(month_day["day"]),
            anchor,
            allow_future=allow_future,
            weekday=_weekday_number(weekday) if weekday else None,
        )
        return None if day is None else _day_ref(text, day)
    return None


def _day_of_month(text: str, day: int, anchor: dt.date | None) -> DateRef | None:
    """ "the 2nd": the latest such day of a month on or before the anchor."""
    if anchor is None or not 1 <= day <= 31:
        return None
    month_start = anchor.replace(day=1)
    for back in range(13):
        first = _add_months(month_start, -back)
        try:
            candidate = first.replace(day=day)
        except ValueError:
            continue
        if candidate <= anchor:
            return _day_ref(text, candidate)
    return None


# --- dateparser -------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _date_parser(base: dt.date) -> DateDataParser:
    """A parser whose "now" is noon on `base` (noon keeps "an hour ago" on the same day)."""
    settings = {
        "RELATIVE_BASE": dt.datetime.combine(base, dt.time(12, 0)),
        "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
        # No "timestamp" parser: a bare number such as 1700000000 is no date here.
        "PARSERS": ["relative-time", "absolute-time", "custom-formats"],
    }
    return DateDataParser(languages=["en"], settings=settings)


def _via_dateparser(
    s: str, text: str, anchor: dt.date | None, *, allow_future: bool
) -> DateRef | None:
    # dateparser reads "24" or "two" as dates; only text that looks like one goes to it.
    if not _LOOKS_LIKE_DATE.search(s):
        return None
    explicit_year = bool(_EXPLICIT_YEAR.search(s))
    if anchor is None and not explicit_year:
        return None
    data = _date_parser(anchor or _NO_BASE).get_date_data(s)
    if data.date_obj is None:
        return None
    day = data.date_obj.date()
    period = str(data.period or "day")
    if period in ("day", "time"):
        names_a_day = _MONTH_NAME_ANYWHERE.search(s) or re.search(r"\d{1,2}/\d{1,2}", s)
        if anchor is not None and not explicit_year and names_a_day:
            # dateparser only looks back; apply this module's year rule instead.
            day = _pick_year(day.month, day.day, anchor, allow_future=allow_future) or day
        return _day_ref(text, day)
    if period == "week":
        return _week_ref(text, day)
    if period == "month":
        return _month_ref(text, day.year, day.month)
    if period == "quarter":
        return _quarter_ref(text, day.year, (day.month - 1) // 3 + 1)
    if period == "year":
        return _year_ref(text, day.year)
    return None


_MONTH_NAME_ANYWHERE: Final = re.compile(rf"(?<![a-z]){_month('m')}(?![a-z])")


# --- ranges, "since", embedded dates ----------------------------------------------------

_LEADING_WORDS: Final = re.compile(
    r"^(?:on|in|during|at|by|as\s+of|around|circa|about|approximately|sometime\s+in"
    r"|some\s+time\s+in|over|within|for|until|till|through|starting|beginning\s+on|just)\s+"
)
_SINCE: Final = re.compile(r"^(?:ever\s+)?since\s+(?P<inner>.+)$")
_RANGE_WORDS: Final = (
    re.compile(r"^between\s+(?P<a>.+?)\s+and\s+(?P<b>.+)$"),
    re.compile(r"^(?:from\s+)?(?P<a>.+?)\s+(?:to|until|till|through|thru)\s+(?P<b>.+)$"),
)
_RANGE_DASH: Final = re.compile(r"^(?:from\s+)?(?P<a>[^-]+?)\s*-\s*(?P<b>[^-]+)$")
_EMBEDDED: Final = tuple(
    re.compile(pattern)
    for pattern in (
        r"\b\d{4}-\d{2}-\d{2}\b",
        rf"(?<![a-z]){_month()}\s+\d{{1,2}}{_ORDINAL}?,?\s+\d{{4}}(?!\d)",
        rf"(?<![\w])\d{{1,2}}{_ORDINAL}?\s+(?:of\s+)?{_month()},?\s+\d{{4}}(?!\d)",
        rf"(?<![a-z]){_month()}\s+\d{{1,2}}{_ORDINAL}?(?![\w])",
        rf"(?<![\w])\d{{1,2}}{_ORDINAL}?\s+(?:of\s+)?{_month()}(?![a-z])",
        rf"(?<![a-z]){_month()},?\s+(?:of\s+)?\d{{4}}(?!\d)",
        rf"(?<![a-z]){_weekday()}(?![a-z])",
    )
)
_MAX_DATE_CHARS: Final = 200


def _normalize_date_text(text: str) -> str:
    s = clean(text).lower().strip(" ,;:()\"'")
    s = re.sub(r"'s$", "", s)  # "Tuesday's strike" -> "tuesday"
    s = re.sub(r"\s+alone$", "", s)  # "this week alone"
    s = s.rstrip(" ,;:")
    while True:
        stripped = _LEADING_WORDS.sub("", s)
        if stripped == s:
            return s
        s = stripped


def _single(s: str, text: str, anchor: dt.date | None, *, allow_future: bool) -> DateRef | None:
    """One date expression (no range, no "since")."""
    s = _LEADING_WORDS.sub("", s).rstrip(".")
    if anchor is not None:
        ref = _relative_phrase(s, text, anchor) or _rolling_window(s, text, anchor)
        if ref is not None:
            return ref
        s = _absolutize(s, anchor)
    return _absolute_form(s, text, anchor, allow_future=allow_future) or _via_dateparser(
        s, text, anchor, allow_future=allow_future
    )


def _coarser(a: Precision, b: Precision) -> Precision:
    return max(a, b, key=_PRECISION_ORDER.index)


def _range(a: str, b: str, text: str, anchor: dt.date | None) -> DateRef | None:
    """ "Dec. 29 to Jan. 2": Y against the anchor, then X at or before Y."""
    bare_a, bare_b = _BARE_DAY.match(a), _BARE_DAY.match(b)
    if bare_a and bare_b:
        return None
    if bare_a:
        # "29-31 December 2023": the first day borrows the second's month.
        last = _single(b, text, anchor, allow_future=True)
        if last is None or last.precision != "day":
            return None
        try:
            first = last.start.replace(day=int(bare_a["day"]))
        except ValueError:
            return None
        return _ref(text, first, last.start, "day")
    if bare_b:
        # "December 29-31": the last day borrows the first's month.
        first_ref = _single(a, text, anchor, allow_future=True)
        if first_ref is None or first_ref.precision != "day":
            return None
        try:
            last_day = first_ref.start.replace(day=int(bare_b["day"]))
        except ValueError:
            return None
        return _ref(text, first_ref.start, last_day, "day")
    end_ref = _single(b, text, anchor, allow_future=True)
    if end_ref is None:
        return None
    end = end_ref.end or end_ref.start
    start_ref = _single(a, text, end, allow_future=False)
    if start_ref is None or start_ref.start > end:
        return None
    return _ref(text, start_ref.start, end, _coarser(start_ref.precision, end_ref.precision))


def parse_date(text: str, published: dt.date | None) -> DateRef | None:
    """Resolve a date as written ("Tuesday", "late December") against `published`.

    Returns None when the text is not a date (or needs a publication date that is
    missing). Never raises. The rules are in the module docstring.
    """
    try:
        if isinstance(published, dt.datetime):
            published = published.date()
        return _parse_date(as_text(text), published)
    except Exception:  # the text is untrusted model output; a bug must not stop the pipeline
        return None


_ADMINISTRATION: Final = re.compile(
    r"^(?:the\s+)?(?:(?:very\s+)?(?:beginning|start)\s+of\s+)?(?:the\s+|this\s+)?"
    r"(?:(?P<name>[a-z]+)(?:-[a-z]+)?\s+)?administration$"
)


@functools.cache
def _administrations() -> tuple[tuple[str, dt.date, dt.date], ...]:
    raw = resources.files("summarizer").joinpath("data/administrations.json").read_text("utf-8")
    return tuple(
        (a["name"].casefold(), dt.date.fromisoformat(a["start"]), dt.date.fromisoformat(a["end"]))
        for a in json.loads(raw)["administrations"]
    )


def _administration_start(s: str, anchor: dt.date | None) -> dt.date | None:
    """ "the beginning of the Biden Administration" / "this Administration": inauguration day
    (data/administrations.json; a name takes its latest term begun by `anchor`)."""
    match = _ADMINISTRATION.match(s)
    if match is None or anchor is None:
        return None
    name = match["name"]
    terms = [
        (start, end)
        for who, start, end in _administrations()
        if start <= anchor and (who == name if name and name != "this" else start <= anchor <= end)
    ]
    return max(terms)[0] if terms else None


def _since_start(inner: str, text: str, anchor: dt.date | None) -> DateRef | None:
    """The start of "since X": a date, an administration, or the first date named in a
    clause ("since Russia launched its invasion ... on February 24", "since the conflict
    began in September 2014")."""
    start = _single(inner, text, anchor, allow_future=False)
    if start is not None:
        return start
    inauguration = _administration_start(inner, anchor)
    if inauguration is not None:
        return _day_ref(text, inauguration)
    for pattern in _EMBEDDED:
        found = pattern.search(inner)
        if found:
            ref = _single(found.group(), text, anchor, allow_future=False)
            if ref is not None:
                return ref
    year = re.search(r"(?<!\d)(?:1[89]|2[01])\d\d(?!\d)", inner)
    return _year_ref(text, int(year.group())) if year else None


def _parse_date(text: str, published: dt.date | None) -> DateRef | None:
    s = _normalize_date_text(text)
    if not s or len(s) > _MAX_DATE_CHARS:
        return None
    since = _SINCE.match(s)
    if since:
        start = _since_start(since["inner"], text, published)
        if start is None:
            return None
        if published is not None and published >= start.start:
            return _ref(text, start.start, published, start.precision)
        return start
    for pattern in _RANGE_WORDS:
        match = pattern.match(s)
        if match:
            ranged = _range(match["a"], match["b"], text, published)
            if ranged is not None:
                return ranged
    # Before the single forms: dateparser would read "29-31 December 2023" as one day.
    dash = None if _ISO_DATE.match(s) else _RANGE_DASH.match(s)
    if dash:
        ranged = _range(dash["a"].strip(), dash["b"].strip(), text, published)
        if ranged is not None:
            return ranged
    ref = _single(s, text, published, allow_future=True)
    if ref is not None:
        return ref
    # "a Dec. 30, 2023, strike": the first date-shaped piece of a longer phrase.
    for pattern in _EMBEDDED:
        found = pattern.search(s)
        if found and found.group() != s:
            ref = _single(found.group(), text, published, allow_future=True)
            if ref is not None:
                return ref
    return None
