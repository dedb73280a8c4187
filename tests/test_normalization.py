"""Tests for `summarizer.normalize`: money, counts, dates and entity names.

Most phrasings are verbatim from the project's corpus (the article id is noted); the expected
values were worked out by hand. Every date is resolved against a fixed `published`, so the
tests never depend on the clock.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from importlib import resources
from pathlib import Path

import pytest

from summarizer.normalize import (
    canonical_entity,
    entity_names,
    parse_date,
    parse_money,
    parse_quantity,
    same_entity,
)
from summarizer.schemas import DateRef, Money, Quantity

D = dt.date
# Publication dates of corpus articles.
P000 = D(2024, 1, 4)  # 000 / 012: a Thursday
P001 = D(2022, 6, 1)
P002 = D(2022, 7, 1)
P008 = D(2022, 11, 4)  # a Friday
P013 = D(2024, 9, 26)
P014 = D(2024, 9, 25)
P015 = D(2024, 9, 17)
P016 = D(2024, 2, 27)
P017 = D(2023, 11, 28)
P018 = D(2023, 10, 23)  # a Monday
P019 = D(2024, 1, 11)
P020 = D(2024, 1, 24)

FIXTURE_000 = (
    Path(__file__).resolve().parent.parent / "fixtures/articles/000_nk-missiles-russia.txt"
)

# ---------------------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------------------

B = 1_000_000_000
M = 1_000_000

MONEY_CASES: list[tuple[str, float | None, float | None, str | None, str]] = [
    # corpus
    ("$250 million", 250 * M, None, "USD", "exact"),  # 000
    ("up to $700 million", 700 * M, None, "USD", "up_to"),  # 001
    ("approximately $4.6 billion", 4.6 * B, None, "USD", "approximately"),  # 001
    ("more than $40 billion", 40 * B, None, "USD", "more_than"),  # 001
    ("another $10 billion", 10 * B, None, "USD", "exact"),  # 001
    ("$820 million", 820 * M, None, "USD", "exact"),  # 002
    ("approximately $7.6 billion", 7.6 * B, None, "USD", "approximately"),  # 002
    ("more than $8.8 billion", 8.8 * B, None, "USD", "more_than"),  # 002
    ("$2.1 Billion", 2.1 * B, None, "USD", "exact"),  # 003 (title case)
    ("valued at up to $2.1 billion", 2.1 * B, None, "USD", "up_to"),  # 003
    ("more than $39.7 billion", 39.7 * B, None, "USD", "more_than"),  # 003
    ("$2.8 Billion", 2.8 * B, None, "USD", "exact"),  # 004
    ("This $675 million drawdown", 675 * M, None, "USD", "exact"),  # 004
    ("a further $2.2 billion", 2.2 * B, None, "USD", "exact"),  # 004
    (
        "a package of security assistance valued at up to $275 million",
        275 * M,
        None,
        "USD",
        "up_to",
    ),  # 008
    ("an estimated cost of $4.05 billion", 4.05 * B, None, "USD", "approximately"),  # 009
    ("more than $1 billion", 1 * B, None, "USD", "more_than"),  # 011
    ("$5.5 billion", 5.5 * B, None, "USD", "exact"),  # 013
    ("nearly $424 million", 424 * M, None, "USD", "approximately"),  # 014
    ("more than $276 million", 276 * M, None, "USD", "more_than"),  # 014
    ("$175 million", 175 * M, None, "USD", "exact"),  # 014
    ("over $1.6 billion", 1.6 * B, None, "USD", "more_than"),  # 015
    ("an additional $53 million", 53 * M, None, "USD", "exact"),  # 016
    ("more than $180 million", 180 * M, None, "USD", "more_than"),  # 016
    ("a further £20 million", 20 * M, None, "GBP", "exact"),  # 018
    ("£27m", 27 * M, None, "GBP", "exact"),  # 018
    ("€5 million", 5 * M, None, "EUR", "exact"),  # 024
    ("€35 million", 35 * M, None, "EUR", "exact"),  # 024
    # the brief's list
    ("€50 billion", 50 * B, None, "EUR", "exact"),
    ("1.2bn", 1.2 * B, None, None, "exact"),
    ("$4.6 billion", 4.6 * B, None, "USD", "exact"),
    ("£20 million", 20 * M, None, "GBP", "exact"),
    ("$1.7 billion to $2 billion", 1.7 * B, 2 * B, "USD", "range"),
    ("between $1 and $2 billion", 1 * B, 2 * B, "USD", "range"),
    ("approximately $53 million", 53 * M, None, "USD", "approximately"),
    ("an additional $275 million", 275 * M, None, "USD", "exact"),
    ("$125m", 125 * M, None, "USD", "exact"),
    ("$1.5 trillion", 1.5e12, None, "USD", "exact"),
    ("hundreds of millions of dollars", None, None, "USD", "vague"),
    # currencies and forms
    ("US$1.2 billion", 1.2 * B, None, "USD", "exact"),
    ("USD 300 million", 300 * M, None, "USD", "exact"),
    ("300 million U.S. dollars", 300 * M, None, "USD", "exact"),
    ("300 million euros", 300 * M, None, "EUR", "exact"),
    ("EUR 50bn", 50 * B, None, "EUR", "exact"),
    ("£1.2bn", 1.2 * B, None, "GBP", "exact"),
    ("5 trillion won", 5e12, None, "KRW", "exact"),
    ("¥1 trillion", 1e12, None, "JPY", "exact"),
    ("1 trillion yen", 1e12, None, "JPY", "exact"),
    ("500 billion rubles", 500 * B, None, "RUB", "exact"),
    ("NT$10 billion", 10 * B, None, "TWD", "exact"),
    ("C$50 million", 50 * M, None, "CAD", "exact"),
    ("us$1.2 billion", 1.2 * B, None, "USD", "exact"),
    ("$500k", 500_000, None, "USD", "exact"),
    ("$2b", 2 * B, None, "USD", "exact"),
    ("five million British pounds", 5 * M, None, "GBP", "exact"),
    ("under $5 million", 5 * M, None, "USD", "less_than"),
    ("some $250 million", 250 * M, None, "USD", "approximately"),
    ("2 billion hryvnias", 2 * B, None, "UAH", "exact"),
    ("a billion dollars", 1 * B, None, "USD", "exact"),
    ("half a billion euros", 0.5 * B, None, "EUR", "exact"),
    ("$1-2 billion", 1 * B, 2 * B, "USD", "range"),
    ("$300 to $400 million", 300 * M, 400 * M, "USD", "range"),
    ("$50 million or more", 50 * M, None, "USD", "at_least"),
    ("tens of millions of pounds", None, None, "GBP", "vague"),
    ("several billion dollars", None, None, "USD", "vague"),
    # the second figure has a scale, but the first is too large to borrow it
    ("between $500,000 and $2 million", 500_000, 2 * M, "USD", "range"),
    # two amounts that are not a range: the first one
    ("€25 million and €5 million", 25 * M, None, "EUR", "exact"),
    # nothing to read
    ("an undisclosed sum", None, None, None, "vague"),
    ("", None, None, None, "vague"),
    ("$", None, None, "USD", "vague"),
]


@pytest.mark.parametrize(("text", "amount", "amount_max", "currency", "qualifier"), MONEY_CASES)
def test_parse_money(
    text: str, amount: float | None, amount_max: float | None, currency: str | None, qualifier: str
) -> None:
    money = parse_money(text)
    assert isinstance(money, Money)
    assert (money.amount, money.amount_max, money.currency, money.qualifier) == (
        amount,
        amount_max,
        currency,
        qualifier,
    )
    assert money.text == text


def test_money_is_computed_exactly() -> None:
    # Decimal arithmetic: 4.05 * 10**9 in floats would be 4049999999.9999995.
    assert parse_money("$4.05 billion").amount == 4_050_000_000
    assert parse_money("$39.7 billion").amount == 39_700_000_000


# ---------------------------------------------------------------------------------------
# Counts
# ---------------------------------------------------------------------------------------

QUANTITY_CASES: list[tuple[str, float | None, float | None, str | None, str]] = [
    # corpus
    ("more than 1,000 containers of munitions", 1000, None, "containers", "more_than"),  # 000
    ("some 500 missiles and drones", 500, None, "missiles and drones", "approximately"),  # 000
    ("at least one of those missiles", 1, None, "missiles", "at_least"),  # 000
    ("several ballistic missiles", None, None, "ballistic missiles", "vague"),  # 000
    ("multiple others", None, None, None, "vague"),  # 000
    ("dozens of Ukrainian civilians", None, None, "Ukrainian civilians", "vague"),  # 000
    ("hundreds more", None, None, None, "vague"),  # 000
    ("several [dozen] ballistic missiles", None, None, "ballistic missiles", "vague"),  # 012
    (
        "multiple North Korean ballistic missiles",
        None,
        None,
        "North Korean ballistic missiles",
        "vague",
    ),  # 012
    (
        "Two National Advanced Surface-to-Air Missile Systems (NASAMS)",
        2,
        None,
        "National Advanced Surface-to-Air Missile Systems (NASAMS)",
        "exact",
    ),  # 002
    ("Up to 150,000 rounds of 155mm artillery ammunition", 150_000, None, "rounds", "up_to"),
    ("Four additional counter-artillery radars", 4, None, "counter-artillery radars", "exact"),
    (
        "eighty-two (82) M142 High Mobility Artillery Rocket Systems (HIMARS)",
        82,
        None,
        "M142 High Mobility Artillery Rocket Systems (HIMARS)",
        "exact",
    ),  # 009
    (
        "four hundred twenty (420) M57 Army Tactical Missile System (ATACMS)",
        420,
        None,
        "M57 Army Tactical Missile System (ATACMS)",
        "exact",
    ),  # 009
    (
        "seven hundred fifty-six (756) M31A2 Guided Multiple Launch Rocket System-Unitary pods",
        756,
        None,
        "M31A2 Guided Multiple Launch Rocket System-Unitary pods",
        "exact",
    ),  # 009
    (
        "thirty-nine (39) M1152A1 High Mobility Multipurpose Wheeled Vehicles (HMMWV)",
        39,
        None,
        "M1152A1 High Mobility Multipurpose Wheeled Vehicles (HMMWV)",
        "exact",
    ),  # 009
    ("dozens of Russian military personnel", None, None, "Russian military personnel", "vague"),
    ("These five strategic air defense systems", 5, None, "strategic air defense systems", "exact"),
    (
        "hundreds of additional air defense interceptors",
        None,
        None,
        "air defense interceptors",
        "vague",
    ),  # 011
    ("an additional 18 pilots", 18, None, "pilots", "exact"),  # 013
    (
        "an additional Patriot air defense battery",
        1,
        None,
        "Patriot air defense battery",
        "exact",
    ),  # 013
    ("nearly 81,000 metric tons of food commodities", 81_000, None, "metric tons", "approximately"),
    ("more than 1.2 million people", 1_200_000, None, "people", "more_than"),  # 014
    ("Nearly 10 million people", 10_000_000, None, "people", "approximately"),  # 015
    ("nearly two million people", 2_000_000, None, "people", "approximately"),  # 015
    (
        "hundreds of thousands of displaced persons",
        None,
        None,
        "displaced persons",
        "vague",
    ),  # 015
    ("sixteen entities and individuals", 16, None, "entities and individuals", "exact"),  # 015
    ("over 54,000 pounds of medical items", 54_000, None, "pounds", "more_than"),  # 017
    ("more than 2,000 trucks delivering aid", 2000, None, "trucks", "more_than"),  # 017
    ("More than 50 nations", 50, None, "nations", "more_than"),  # 019
    ("27 attacks", 27, None, "attacks", "exact"),  # 019
    (
        "Four Royal Air Force Typhoon FGR4s",
        4,
        None,
        "Royal Air Force Typhoon FGR4s",
        "exact",
    ),  # 020
    ("a pair of Voyager tankers", 2, None, "Voyager tankers", "exact"),  # 020
    ("three U.S. service members", 3, None, "U.S. service members", "exact"),  # 021
    # a comma aside is not a second count
    ("three U.S. service-members, one critically", 3, None, "U.S. service-members", "exact"),
    ("a one-way attack drone", 1, None, "one-way attack drone", "exact"),  # 022
    ("three locations", 3, None, "locations", "exact"),  # 022
    ("more than 50 people", 50, None, "people", "more_than"),  # 023
    ("dozens more", None, None, None, "vague"),  # 023
    ("Thousands of civilians killed or wounded", None, None, "civilians", "vague"),  # 004
    ("13 million Ukrainian civilians", 13_000_000, None, "Ukrainian civilians", "exact"),  # 004
    ("a multipurpose military aircraft", 1, None, "multipurpose military aircraft", "exact"),
    # the brief's list
    ("dozens", None, None, None, "vague"),
    ("at least one", 1, None, None, "at_least"),
    ("multiple", None, None, None, "vague"),
    ("two", 2, None, None, "exact"),
    ("a dozen", 12, None, None, "exact"),
    ("hundreds of drones", None, None, "drones", "vague"),
    ("122 missiles and 36 drones", 158, None, "missiles and drones", "exact"),
    ("nearly 40", 40, None, None, "approximately"),
    ("up to 10", 10, None, None, "up_to"),
    ("fewer than 20", 20, None, None, "less_than"),
    ("between 10 and 15", 10, 15, None, "range"),
    ("3-5", 3, 5, None, "range"),
    ("thousands", None, None, None, "vague"),
    # qualifiers, ranges, number words
    ("1,000+ containers", 1000, None, "containers", "at_least"),
    ("50 people or more", 50, None, "people", "at_least"),
    ("no fewer than 30 drones", 30, None, "drones", "at_least"),
    ("as many as 40 missiles", 40, None, "missiles", "up_to"),
    ("two or three missiles", 2, 3, "missiles", "range"),
    ("two or more missiles", 2, None, "missiles", "at_least"),
    ("10 to 15 thousand troops", 10_000, 15_000, "troops", "range"),
    ("a couple of drones", 2, None, "drones", "approximately"),
    ("both missiles", 2, None, "missiles", "exact"),
    ("no casualties", 0, None, "casualties", "exact"),
    ("tens of thousands of troops", None, None, "troops", "vague"),
    ("a few hundred", None, None, None, "vague"),
    ("scores of missiles", None, None, "missiles", "vague"),
    ("some of these attacks", None, None, "attacks", "vague"),
    ("two and a half years", 2.5, None, "years", "exact"),
    ("one hundred and twenty drones", 120, None, "drones", "exact"),
    ("twenty-two", 22, None, None, "exact"),
    ("half a million shells", 500_000, None, "shells", "exact"),
    ("two surface to air missiles", 2, None, "surface to air missiles", "exact"),
    # sums over an "and" list
    (
        "2 Patriot batteries, 3 SAMP-T systems and 5 drones",
        10,
        None,
        "Patriot batteries, SAMP-T systems and drones",
        "exact",
    ),
    ("10-15 missiles and 3 drones", 13, 18, "missiles and drones", "range"),
    ("122 missiles and dozens of drones", None, None, "missiles and drones", "vague"),
    # a longer phrase: the count and its noun, not the dates
    (
        "Russia fired some 500 missiles and drones from Dec. 29 to Jan. 2",
        500,
        None,
        "missiles and drones",
        "approximately",
    ),
    # not counts
    ("the Fateh 360 close-range ballistic missile system", None, None, None, "vague"),
    ("the 24th drawdown", None, None, None, "vague"),
    ("", None, None, None, "vague"),
]


@pytest.mark.parametrize(("text", "value", "value_max", "unit", "qualifier"), QUANTITY_CASES)
def test_parse_quantity(
    text: str, value: float | None, value_max: float | None, unit: str | None, qualifier: str
) -> None:
    quantity = parse_quantity(text)
    assert isinstance(quantity, Quantity)
    assert (quantity.value, quantity.value_max, quantity.qualifier) == (value, value_max, qualifier)
    if value is not None or unit is not None:
        assert quantity.unit == unit
    assert quantity.text == text


# ---------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------

DATE_CASES: list[tuple[str, dt.date | None, dt.date, dt.date | None, str]] = [
    # 000 / 012 (published Thursday 2024-01-04)
    ("Thursday", P000, D(2024, 1, 4), None, "day"),  # same day counts
    ("Tuesday", P000, D(2024, 1, 2), None, "day"),
    ("Dec. 30, 2023", P000, D(2023, 12, 30), None, "day"),
    ("Dec. 30", P000, D(2023, 12, 30), None, "day"),
    ("Jan. 2", P000, D(2024, 1, 2), None, "day"),
    ("Wednesday, January 3, 2024", P000, D(2024, 1, 3), None, "day"),
    ("in October", P000, D(2023, 10, 1), D(2023, 10, 31), "month"),
    ("in late December", P000, D(2023, 12, 21), D(2023, 12, 31), "month"),
    ("from Dec. 29 to Jan. 2", P000, D(2023, 12, 29), D(2024, 1, 2), "day"),
    ("in recent days", P000, D(2023, 12, 28), D(2024, 1, 4), "week"),
    ("the 30th of December 2023", P000, D(2023, 12, 30), None, "day"),
    ("On the 30th of December 2023", P000, D(2023, 12, 30), None, "day"),
    ("on January 2nd", P000, D(2024, 1, 2), None, "day"),
    ("the 2nd", P000, D(2024, 1, 2), None, "day"),
    ("in September of 2023", P000, D(2023, 9, 1), D(2023, 9, 30), "month"),
    ("February of 2022", P000, D(2022, 2, 1), D(2022, 2, 28), "month"),
    ("in mid-December", P000, D(2023, 12, 11), D(2023, 12, 20), "month"),
    ("overnight", P000, D(2024, 1, 3), D(2024, 1, 4), "day"),
    # 001-004
    ("on February 24", P001, D(2022, 2, 24), None, "day"),
    ("on May 21", P001, D(2022, 5, 21), None, "day"),
    ("since August 2021", P002, D(2021, 8, 1), P002, "month"),
    ("June 9, 2023", D(2023, 6, 9), D(2023, 6, 9), None, "day"),
    ("in February 2022", D(2023, 6, 9), D(2022, 2, 1), D(2022, 2, 28), "month"),
    ("09/08/2022", D(2022, 9, 8), D(2022, 9, 8), None, "day"),
    ("since September 2021", D(2022, 9, 8), D(2021, 9, 1), D(2022, 9, 8), "month"),
    ("Oct. 26, 2023", D(2023, 10, 26), D(2023, 10, 26), None, "day"),  # 006
    # 008 (published Friday 2022-11-04)
    ("on Friday", P008, D(2022, 11, 4), None, "day"),
    ("last week", P008, D(2022, 10, 24), D(2022, 10, 30), "week"),
    ("since August of 2021", P008, D(2021, 8, 1), P008, "month"),
    ("December 17, 2025", D(2025, 12, 17), D(2025, 12, 17), None, "day"),  # 009
    ("over the next year", D(2024, 7, 9), D(2024, 7, 9), D(2025, 7, 9), "year"),  # 011
    # 013
    ("next month", P013, D(2024, 10, 1), D(2024, 10, 31), "month"),
    ("by the end of this year", P013, D(2024, 9, 1), D(2024, 12, 31), "year"),
    ("earlier this year", P013, D(2024, 1, 1), P013, "year"),
    ("next year", P013, D(2025, 1, 1), D(2025, 12, 31), "year"),
    # 014 / 015
    ("since April 2023", P014, D(2023, 4, 1), P014, "month"),
    ("Fiscal Year 2024", P014, D(2023, 10, 1), D(2024, 9, 30), "year"),
    ("last month", P015, D(2024, 8, 1), D(2024, 8, 31), "month"),
    ("in the last two years", P015, D(2022, 9, 17), P015, "year"),
    # 016 / 017
    ("since October 7", P016, D(2023, 10, 7), P016, "day"),
    ("Since October 21", P017, D(2023, 10, 21), P017, "day"),
    ("in recent months", P017, D(2023, 8, 28), P017, "quarter"),
    ("Over the past seven weeks", P017, D(2023, 10, 10), P017, "week"),  # a window of weeks
    ("in the coming days", P017, P017, D(2023, 12, 5), "week"),
    # 018 (published Monday 2023-10-23)
    ("Monday 23 October", P018, D(2023, 10, 23), None, "day"),
    ("on 7 October", P018, D(2023, 10, 7), None, "day"),
    ("last week", P018, D(2023, 10, 16), D(2023, 10, 22), "week"),
    # 019 / 020
    ("on January 9", P019, D(2024, 1, 9), None, "day"),
    ("Last month", P019, D(2023, 12, 1), D(2023, 12, 31), "month"),
    ("Last week", P019, D(2024, 1, 1), D(2024, 1, 7), "week"),
    ("yesterday", P019, D(2024, 1, 10), None, "day"),
    ("On 22 January", P020, D(2024, 1, 22), None, "day"),
    ("on 11 January", P020, D(2024, 1, 11), None, "day"),
    # 021-024
    ("Last night", D(2024, 1, 28), D(2024, 1, 27), None, "day"),
    ("Early this morning", D(2023, 12, 25), D(2023, 12, 25), None, "day"),
    ("Earlier today", D(2024, 9, 3), D(2024, 9, 3), None, "day"),
    ("21 May", D(2024, 7, 15), D(2024, 5, 21), None, "day"),
    ("13 June", D(2024, 7, 15), D(2024, 6, 13), None, "day"),
    ("in 2024", D(2024, 7, 15), D(2024, 1, 1), D(2024, 12, 31), "year"),
    # the brief's list
    ("December 29, 2023", P000, D(2023, 12, 29), None, "day"),
    ("29 December 2023", P000, D(2023, 12, 29), None, "day"),
    ("Sept. 26", P000, D(2023, 9, 26), None, "day"),
    ("late December", P000, D(2023, 12, 21), D(2023, 12, 31), "month"),
    ("early January", P000, D(2024, 1, 1), D(2024, 1, 10), "month"),
    ("this week", P000, D(2024, 1, 1), D(2024, 1, 7), "week"),
    ("today", P000, P000, None, "day"),
    ("since Feb. 24", P001, D(2022, 2, 24), P001, "day"),
    ("since February 2022", P000, D(2022, 2, 1), P000, "month"),
    ("2023", P000, D(2023, 1, 1), D(2023, 12, 31), "year"),
    ("Q3 2024", P000, D(2024, 7, 1), D(2024, 9, 30), "quarter"),
    ("the third quarter", P000, D(2023, 7, 1), D(2023, 9, 30), "quarter"),
    ("on Jan. 11", P020, D(2024, 1, 11), None, "day"),
    # a day and month just ahead of publication is an announced date (window: 31 days)
    ("on Jan. 11", P000, D(2024, 1, 11), None, "day"),
    ("Feb. 4", P000, D(2024, 2, 4), None, "day"),
    ("Feb. 5", P000, D(2023, 2, 5), None, "day"),
    # "since" looks only back
    ("since Jan. 11", P000, D(2023, 1, 11), P000, "day"),
    # more forms
    ("last Thursday", P000, D(2023, 12, 28), None, "day"),
    ("next Tuesday", P000, D(2024, 1, 9), None, "day"),
    ("Tuesday night", P000, D(2024, 1, 2), None, "day"),
    ("Tuesday's strike", P000, D(2024, 1, 2), None, "day"),
    ("a Dec. 30, 2023, strike", P000, D(2023, 12, 30), None, "day"),
    ("Dec. 29\u2013Jan. 2", P000, D(2023, 12, 29), D(2024, 1, 2), "day"),
    ("29-31 December 2023", P000, D(2023, 12, 29), D(2023, 12, 31), "day"),
    ("December 29-31", P000, D(2023, 12, 29), D(2023, 12, 31), "day"),
    ("between 2022 and 2023", P000, D(2022, 1, 1), D(2023, 12, 31), "year"),
    ("2022-2023", P000, D(2022, 1, 1), D(2023, 12, 31), "year"),
    ("2022-06-01", P000, D(2022, 6, 1), None, "day"),
    ("the first week of January", P000, D(2024, 1, 1), D(2024, 1, 7), "week"),
    ("the last week of December 2023", P000, D(2023, 12, 25), D(2023, 12, 31), "week"),
    ("FY24", P000, D(2023, 10, 1), D(2024, 9, 30), "year"),
    ("early 2024", P000, D(2024, 1, 1), D(2024, 4, 30), "year"),
    ("late 2023", P000, D(2023, 9, 1), D(2023, 12, 31), "year"),
    ("the end of December", P000, D(2023, 12, 21), D(2023, 12, 31), "month"),
    ("last quarter", P000, D(2023, 10, 1), D(2023, 12, 31), "quarter"),
    ("in recent weeks", P000, D(2023, 12, 7), P000, "month"),
    ("earlier this week", P000, D(2024, 1, 1), P000, "week"),
    ("this weekend", P000, D(2023, 12, 30), D(2023, 12, 31), "week"),
    ("2 days ago", P000, D(2024, 1, 2), None, "day"),
    ("a week ago", P000, D(2023, 12, 25), D(2023, 12, 31), "week"),
    ("December 2023", P000, D(2023, 12, 1), D(2023, 12, 31), "month"),
    ("the year 2023", P000, D(2023, 1, 1), D(2023, 12, 31), "year"),
    ("Sept. 8, 2022", P000, D(2022, 9, 8), None, "day"),
    ("Monday, 23 October", P000, D(2023, 10, 23), None, "day"),
    # a year only: no publication date needed
    ("Dec. 30, 2023", None, D(2023, 12, 30), None, "day"),
    ("Q3 2024", None, D(2024, 7, 1), D(2024, 9, 30), "quarter"),
    ("2023", None, D(2023, 1, 1), D(2023, 12, 31), "year"),
]


@pytest.mark.parametrize(("text", "published", "start", "end", "precision"), DATE_CASES)
def test_parse_date(
    text: str, published: dt.date | None, start: dt.date, end: dt.date | None, precision: str
) -> None:
    ref = parse_date(text, published)
    assert isinstance(ref, DateRef)
    assert (ref.start, ref.end, ref.precision) == (start, end, precision)
    assert ref.text == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "24",
        "two",
        "1 p.m.",
        "recently",
        "for months",
        "in the coming months",
        "around the New Year's holiday",
        "3000",
        "Feb. 30",
        "fighter aircraft",
        "$250 million",
        "more than 1,000 containers",
        "within weeks",
    ],
)
def test_parse_date_none_when_not_a_date(text: str) -> None:
    assert parse_date(text, P000) is None


@pytest.mark.parametrize(
    "text", ["Tuesday", "Jan. 2", "yesterday", "in October", "last week", "the 2nd", "overnight"]
)
def test_relative_dates_need_published(text: str) -> None:
    assert parse_date(text, None) is None


def test_since_without_published_is_the_start_only() -> None:
    ref = parse_date("since February 2022", None)
    assert ref is not None
    assert (ref.start, ref.end, ref.precision) == (D(2022, 2, 1), D(2022, 2, 28), "month")


@pytest.mark.parametrize("published", [P000 + dt.timedelta(days=n) for n in range(14)])
@pytest.mark.parametrize(
    "name", ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
)
def test_weekday_is_on_or_before_published(published: dt.date, name: str) -> None:
    ref = parse_date(name, published)
    assert ref is not None and ref.precision == "day" and ref.end is None
    assert ref.start.strftime("%A") == name
    assert 0 <= (published - ref.start).days <= 6


def test_dates_follow_published_not_the_clock() -> None:
    # Relative phrases resolved against a date far from today: any use of the clock shows.
    published = D(1995, 3, 15)  # a Wednesday
    expected = {
        "today": (D(1995, 3, 15), None),
        "yesterday": (D(1995, 3, 14), None),
        "2 days ago": (D(1995, 3, 13), None),
        "a week ago": (D(1995, 3, 6), D(1995, 3, 12)),
        "last month": (D(1995, 2, 1), D(1995, 2, 28)),
        "Dec. 30": (D(1994, 12, 30), None),
        "in October": (D(1994, 10, 1), D(1994, 10, 31)),
        "Monday": (D(1995, 3, 13), None),
    }
    for text, (start, end) in expected.items():
        ref = parse_date(text, published)
        assert ref is not None, text
        assert (ref.start, ref.end) == (start, end), text
    # The same call gives the same answer.
    assert parse_date("a week ago", published) == parse_date("a week ago", published)


def test_published_may_be_a_datetime() -> None:
    ref = parse_date("yesterday", dt.datetime(2024, 1, 4, 23, 59))
    assert ref is not None and ref.start == D(2024, 1, 3)


# ---------------------------------------------------------------------------------------
# The corpus phrasings above are real
# ---------------------------------------------------------------------------------------

ARTICLE_000_PHRASES = [
    "$250 million",
    "more than 1,000 containers of munitions",
    "some 500 missiles and drones",
    "at least one of those missiles",
    "several ballistic missiles",
    "multiple others",
    "dozens of Ukrainian civilians",
    "hundreds more",
    "Dec. 30, 2023",
    "Jan. 2",
    "Tuesday",
    "Thursday",
    "in October",
    "in late December",
    "from Dec. 29 to Jan. 2",
    "in recent days",
    "Pyongyang",
    "DPRK",
]


def test_article_000_phrasings_are_verbatim() -> None:
    if not FIXTURE_000.exists():
        pytest.skip("fixture article 000 is not in this checkout")
    text = FIXTURE_000.read_text(encoding="utf-8")
    missing = [phrase for phrase in ARTICLE_000_PHRASES if phrase not in text]
    assert missing == []


# ---------------------------------------------------------------------------------------
# Entities
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "actor", "expected"),
    [
        ("DPRK", False, "North Korea"),
        ("the DPRK\u2019s", False, "North Korea"),  # curly apostrophe, possessive
        ("Democratic People\u2019s Republic of Korea", False, "North Korea"),
        ("Democratic People's Republic of Korea", False, "North Korea"),
        ("north korea", False, "North Korea"),
        ("Pyongyang", False, "Pyongyang"),  # a place unless it acts
        ("Pyongyang", True, "North Korea"),
        ("Pyongyang\u2019s", True, "North Korea"),
        ("Moscow", True, "Russia"),
        ("the Kremlin", True, "Russia"),
        ("Kyiv", False, "Kyiv"),
        ("Kyiv", True, "Ukraine"),
        ("U.S.", False, "United States"),
        ("US", False, "United States"),
        ("the U.S.'s", False, "United States"),
        ("the United States", False, "United States"),
        ("Houthi rebels", False, "Houthis"),
        ("the Houthis'", False, "Houthis"),
        ("the Pentagon", False, "Department of Defense"),
        ("TECRO", True, "Taiwan"),
        ("Royal Air Force", True, "United Kingdom"),
        ("IRGC", True, "Islamic Revolutionary Guard Corps"),
        ("Kata\u2019ib Hezbollah", True, "Kataib Hezbollah"),
        ("The Hague", False, "The Hague"),
        ("The Hague", True, "Netherlands"),
        ("  Zaporizhzhia region  ", False, "Zaporizhzhia region"),  # unknown: stripped
        ("John Kirby", True, "John Kirby"),
    ],
)
def test_canonical_entity(name: str, actor: bool, expected: str) -> None:
    assert canonical_entity(name, actor=actor) == expected


def test_entity_names_includes_metonyms_only_for_actors() -> None:
    place = entity_names("North Korea")
    actor = entity_names("DPRK", actor=True)
    assert {"North Korea", "DPRK", "North Korean"} <= place
    assert "Pyongyang" not in place
    assert {"North Korea", "DPRK", "Pyongyang"} <= actor
    # both apostrophe styles, so either spelling in an article is found
    assert "Democratic People's Republic of Korea" in place
    assert "Democratic People\u2019s Republic of Korea" in place


def test_entity_names_of_unknown_or_metonym() -> None:
    assert entity_names("Zaporizhzhia") == {"Zaporizhzhia"}
    assert entity_names(" Zaporizhzhia ") == {"Zaporizhzhia"}
    assert entity_names("Pyongyang") == {"Pyongyang"}
    assert "North Korea" in entity_names("Pyongyang", actor=True)


def test_same_entity() -> None:
    assert same_entity("Houthi rebels", "the Houthis")
    assert same_entity("U.S.", "United States of America")
    assert same_entity("Kata'ib Hezbollah", "Kataib Hizballah")
    assert same_entity("John Kirby", "john kirby")  # unknown names: same matching key
    assert not same_entity("North Korea", "South Korea")
    assert not same_entity("Moscow", "Russia")
    assert same_entity("Moscow", "Russia", actor=True)


def test_alias_table_is_consistent() -> None:
    raw = resources.files("summarizer").joinpath("data/aliases.json").read_text("utf-8")
    entities = json.loads(raw)["entities"]
    for canonical, entry in entities.items():
        assert set(entry) == {"aliases", "metonyms"}, canonical
        for alias in [canonical, *entry["aliases"]]:
            assert canonical_entity(alias) == canonical, alias
        for metonym in entry["metonyms"]:
            assert canonical_entity(metonym, actor=True) == canonical, metonym
            assert canonical_entity(metonym) == metonym.strip(), metonym


# ---------------------------------------------------------------------------------------
# Never raise
# ---------------------------------------------------------------------------------------

_FUZZ_TOKENS = [
    "$", "€", "£", "¥", "US$", "1", "2.5", "1,000", "250", "0", "99999999999999999999",
    "million", "billion", "bn", "m", "k", "to", "-", "\u2013", "and", "between", "or",
    "more", "than", "up", "at", "least", "nearly", "some", "dozens", "hundreds", "of",
    "several", "a", "an", "the", "one", "twenty-two", "half", "dozen", "hundred", "(82)",
    "Dec.", "January", "May", "Tuesday", "since", "from", "late", "mid-", "early", "Q3",
    "2023", "30th", "last", "week", "month", "year", "ago", "overnight", "fiscal", "FY",
    "the 2nd", "[", "]", "'s", "\u2019", ",", ".", ";", "+", "%", "\x00", "\n", "\u00a0",
    "\U0001f680", "ß", "İ", "$$", "--", "((", "))", "/", "12/30", "9999", "0000",
]  # fmt: skip


def _fuzz_texts(count: int) -> list[str]:
    rng = random.Random(20240104)  # fixed seed: the same texts every run
    texts = []
    for _ in range(count):
        tokens = rng.choices(_FUZZ_TOKENS, k=rng.randint(0, 9))
        separators = rng.choices(["", " ", " ", " ", "  "], k=len(tokens))
        texts.append("".join(s + t for s, t in zip(separators, tokens, strict=True)))
    texts.append("".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(400)))
    texts.append("1" * 5000)
    texts.append("between " * 300)
    return texts


def test_parsers_never_raise_and_keep_their_invariants() -> None:
    for text in _fuzz_texts(1500):
        money = parse_money(text)
        assert money.text == text
        if money.amount is None:
            assert money.amount_max is None and money.qualifier == "vague"
        if money.amount_max is not None:
            assert money.amount is not None and money.amount <= money.amount_max
            assert money.qualifier == "range"
        quantity = parse_quantity(text)
        assert quantity.text == text
        if quantity.value is None:
            assert quantity.value_max is None and quantity.qualifier == "vague"
        if quantity.value_max is not None:
            assert quantity.value is not None and quantity.value <= quantity.value_max
        for published in (P000, None):
            ref = parse_date(text, published)
            if ref is not None:
                assert ref.end is None or ref.end > ref.start
                assert 1800 <= ref.start.year <= 2199


def test_parsers_accept_non_strings() -> None:
    # Declared as str, but model output is untrusted: nothing may escape as an exception.
    assert parse_money(None).amount is None  # type: ignore[arg-type]
    assert parse_quantity(None).value is None  # type: ignore[arg-type]
    assert parse_date(None, P000) is None  # type: ignore[arg-type]


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # hypothesis is optional; the seeded fuzz above always runs
    pass
else:

    @settings(max_examples=300, deadline=None, derandomize=True, database=None)
    @given(st.text(max_size=80), st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 12, 31)))
    def test_hypothesis_never_raise(text: str, published: dt.date) -> None:
        assert isinstance(parse_money(text), Money)
        assert isinstance(parse_quantity(text), Quantity)
        ref = parse_date(text, published)
        assert ref is None or isinstance(ref, DateRef)
