"""docs/annotation-guide.md as test cases: every row of its qualifier table (4.3), every
relative-date rule (4.2) and every normalization decision of its log (6).

The table is read from the guide itself, so a row added there without a case here fails.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from summarizer.normalize import parse_date, parse_money, parse_quantity

GUIDE = Path(__file__).parent.parent / "docs" / "annotation-guide.md"
D = dt.date
P000 = D(2024, 1, 4)  # 000 published on a Thursday
P002 = D(2022, 7, 1)
P004 = D(2022, 9, 8)


def qualifier_rows() -> list[tuple[str, str]]:
    """(wording, qualifier) of every row of the table in 4.3."""
    text = GUIDE.read_text(encoding="utf-8")
    table = text[text.index("| wording | qualifier | value |") :].split("\n\n")[0]
    rows = [line.split("|")[1:3] for line in table.splitlines()[2:]]
    return [(wording.strip(), qualifier.strip().strip("`")) for wording, qualifier in rows]


# Per row of the table: phrasings (from the corpus where it has them) and the expected
# (value, value_max) of parse_quantity; money rows are checked through parse_money too.
ROW_CASES: dict[str, list[tuple[str, float | None, float | None]]] = {
    "exact": [("three U.S. service members", 3, None),
              ("a multipurpose military aircraft", 1, None),
              ("one launcher", 1, None), ("two hundred and twenty-two missiles", 222, None)],
    "up_to": [("up to 150,000 rounds", 150_000, None), ("as many as 40 drones", 40, None)],
    "more_than": [("more than 1,000 containers", 1000, None), ("over 50 people", 50, None),
                  ("in excess of 300 missiles", 300, None)],
    "at_least": [("at least one of those missiles", 1, None), ("no fewer than 12 tanks", 12, None)],
    "less_than": [("less than 10 drones", 10, None), ("under 20 shells", 20, None),
                  ("fewer than 5 launchers", 5, None)],
    "approximately": [("some 500 missiles and drones", 500, None), ("about 40 tanks", 40, None),
                      ("around 30 drones", 30, None), ("nearly 81,000 metric tons", 81_000, None),
                      ("almost 100 shells", 100, None), ("approximately 60 vehicles", 60, None),
                      ("roughly 20 boats", 20, None), ("an estimated 200 rockets", 200, None)],
    "range": [("between 20 and 30 drones", 20, 30), ("20 to 30 drones", 20, 30)],
    "vague": [("dozens of Ukrainian civilians", None, None), ("hundreds more", None, None),
              ("several ballistic missiles", None, None), ("multiple others", None, None),
              ("many drones", None, None), ("a number of targets", None, None),
              ("scores of missiles", None, None)],
}  # fmt: skip
MONEY_CASES: dict[str, list[tuple[str, float | None, float | None]]] = {
    "exact": [("$250 million", 250e6, None), ("$2.1 billion", 2.1e9, None)],
    "up_to": [("up to $700 million", 700e6, None)],
    "more_than": [("more than $40 billion", 40e9, None)],
    "approximately": [("approximately $4.6 billion", 4.6e9, None),
                      ("estimated cost of $4.05 billion", 4.05e9, None),
                      ("about 2.1 billion kroner", 2.1e9, None)],
    "range": [("$1–2 billion", 1e9, 2e9)],
    "vague": [("hundreds of millions of dollars", None, None)],
}  # fmt: skip


def test_every_row_of_the_qualifier_table_has_cases() -> None:
    qualifiers = [q for _, q in qualifier_rows()]
    assert qualifiers and set(qualifiers) <= set(ROW_CASES)
    assert len(qualifiers) == len(set(qualifiers))


@pytest.mark.parametrize(("wording", "qualifier"), qualifier_rows())
def test_qualifier_table_row(wording: str, qualifier: str) -> None:
    for text, value, value_max in ROW_CASES[qualifier]:
        quantity = parse_quantity(text)
        assert (quantity.value, quantity.value_max, quantity.qualifier) == (
            value,
            value_max,
            qualifier,
        ), text
    for text, amount, amount_max in MONEY_CASES.get(qualifier, []):
        money = parse_money(text)
        assert (money.amount, money.amount_max, money.qualifier) == (
            amount,
            amount_max,
            qualifier,
        ), text
        assert money.currency == ("NOK" if "kroner" in text else "USD"), text
    # The wordings the table names are among the cases (quoted words of the row).
    for word in re.findall(r'"([^"]+)"', wording):
        if qualifier in ("exact", "range"):
            continue
        texts = [t for t, _, _ in ROW_CASES[qualifier] + MONEY_CASES.get(qualifier, [])]
        assert any(word.lower() in t.lower() for t in texts), (qualifier, word)


# 4.2: relative dates, resolved against `published`.
DATE_RULES = [
    ("today", P000, D(2024, 1, 4), None, "day"),
    ("this morning", P000, D(2024, 1, 4), None, "day"),
    ("earlier today", P000, D(2024, 1, 4), None, "day"),
    ("yesterday", P000, D(2024, 1, 3), None, "day"),
    ("Last night", P000, D(2024, 1, 3), None, "day"),
    ("Tuesday", P000, D(2024, 1, 2), None, "day"),
    ("Dec. 30", P000, D(2023, 12, 30), None, "day"),
    ("last week", P000, D(2023, 12, 25), D(2023, 12, 31), "week"),
    ("in October", P000, D(2023, 10, 1), D(2023, 10, 31), "month"),
    ("last month", P000, D(2023, 12, 1), D(2023, 12, 31), "month"),
    ("in late December", P000, D(2023, 12, 21), D(2023, 12, 31), "month"),
    ("early March", P000, D(2023, 3, 1), D(2023, 3, 10), "month"),
    ("mid-January", P000, D(2024, 1, 11), D(2024, 1, 20), "month"),
    ("FY2024", P000, D(2023, 10, 1), D(2024, 9, 30), "year"),
    ("over the past year", P000, D(2023, 1, 4), D(2024, 1, 4), "year"),
    ("since February 24", P002, D(2022, 2, 24), P002, "day"),
    ("from Dec. 29 to Jan. 2", P000, D(2023, 12, 29), D(2024, 1, 2), "day"),
    ("in recent days", P000, D(2023, 12, 28), D(2024, 1, 4), "week"),
    ("in just recent days", P000, D(2023, 12, 28), D(2024, 1, 4), "week"),
    ("in the last two days", P000, D(2024, 1, 2), D(2024, 1, 4), "day"),
    ("this week alone", P000, D(2024, 1, 1), D(2024, 1, 7), "week"),
    ("over recent months", P000, D(2023, 10, 4), D(2024, 1, 4), "quarter"),
    # decisions log: "since the beginning of the (Biden) Administration" (002, 004)
    ("since the beginning of the Biden Administration", P002, D(2021, 1, 20), P002, "day"),
    ("since the beginning of this Administration", P004, D(2021, 1, 20), P004, "day"),
    # "since X" with X a clause that dates itself (001, 002)
    ("since the beginning of Russia's unprovoked invasion on February 24", P002,
     D(2022, 2, 24), P002, "day"),
    ("since the conflict began in September 2014", P002, D(2014, 9, 1), P002, "month"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "published", "start", "end", "precision"), DATE_RULES)
def test_relative_date_rule(
    text: str, published: dt.date, start: dt.date, end: dt.date | None, precision: str
) -> None:
    ref = parse_date(text, published)
    assert ref is not None, text
    assert (ref.start, ref.end, ref.precision) == (start, end, precision)


@pytest.mark.parametrize("text", ["recently", "for months", "in the coming months"])
def test_vague_relative_expressions_give_no_date(text: str) -> None:
    assert parse_date(text, P000) is None
