"""Dates as written ("Tuesday", "late December", "since February 24") -> `DateRef`.

An ISO interval at a stated precision, resolved against the article's publication date.
The rules (docs/annotation-guide.md 4.2):

  * Precision is day|week|month|quarter|year; every interval carries `end` (a single day
    has end None). Weeks run Monday to Sunday.
  * A weekday ("Tuesday") is the most recent such day on or before `published` (the same
    day counts: a story published on a Thursday that says "Thursday" means that day);
    "last Tuesday" is strictly before, "next Tuesday" strictly after.
  * A day and month without a year ("Jan. 2", "Sept. 26") take the most recent occurrence
    on or before `published`, unless the next occurrence is at most 31 days ahead (an
    announced event: "will meet on Jan. 11" in a story of Jan. 4). After "since" only the
    past counts.
  * A month without a year ("in October") is the most recent one that began on or before
    `published`; a quarter without a year likewise.
  * "early"/"mid"/"late" split a month into days 1-10, 11-20, 21-end and a year into
    Jan-Apr, May-Aug, Sep-Dec, at the month's or year's precision ("the beginning of" =
    early, "the end of" = late).
  * "since X": start at X, end at `published`, precision of X. X may be a clause that
    dates itself ("since Russia launched its invasion on February 24", "since the conflict
    began in September 2014": its first date) or an administration ("since the beginning
    of the Biden Administration", "this Administration": inauguration day, from
    `data/administrations.json`).
  * "from X to Y", "between X and Y", "X-Y": start of X to end of Y, the coarser precision.
  * "overnight": the night that ended on the morning of publication: start the day before
    `published`, end `published`, precision day.
  * "in recent days", "the past few days": the seven days up to `published` (precision
    week); "in recent weeks": 28 days (month); "in recent months": three months (quarter);
    "recently", "for months": None (too vague to place). "the past/next N days|weeks|
    months|years" are windows of that length ending/starting at `published`, at the
    unit's precision ("the last two days": day); "the coming days" is the next seven days.
    Fillers go: "this week alone" is "this week", "in just recent days" "in recent days".
  * "this/last/next week|month|quarter|year" are calendar units; "earlier this week|month|
    year" runs from the unit's start to `published` ("later this ..." from `published` to
    the unit's end). "this weekend"/"the weekend" is the latest Saturday-Sunday that began on
    or before `published` (precision week).
  * Vague windows ("the past few weeks") take their precision from their length: up to
    1 day "day", 7 days "week", 31 "month", 92 "quarter", longer "year".
  * "the 2nd" (a day of the month alone) is the latest such day on or before `published`.
  * Numeric dates follow dateparser's English default: "09/08/2022" is 8 September.
  * "Fiscal Year 2024"/"FY24": the U.S. federal fiscal year (1 Oct 2023 - 30 Sep 2024).
  * Everything else goes to `dateparser` (English, relative base = `published` at noon,
    past preferred), which never reads the clock because the base is always given.
  * Years outside 1800-2199 are not dates. Seasons and half-years are not resolved.
"""

from summarizer.normalize.dates.resolve import parse_date

__all__ = ["parse_date"]
