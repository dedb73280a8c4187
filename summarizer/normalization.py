"""Normalization: turns values the model reported as written text into normalized values.

This module owns four things, all computed in code (the model's arithmetic is never trusted):

* money (`parse_money`): amount, range, ISO 4217 currency and qualifier;
* counts (`parse_quantity`): value, range, counted unit and qualifier;
* dates (`parse_date`): an ISO interval at a stated precision, resolved against the
  article's publication date;
* entity names (`canonical_entity`, `entity_names`, `same_entity`) through the alias
  table in `summarizer/data/aliases.json`.

Every function is pure; the only I/O is reading the alias table once. `parse_money`,
`parse_quantity` and `parse_date` never raise: text they cannot read gives a value of
`None` (qualifier "vague") or, for dates, `None`.

Documented rules
----------------
Qualifiers (money and counts), from the words next to the number:
  "more than", "over", "in excess of", "upwards of" -> more_than; "at least",
  "no fewer than", "or more", "+" -> at_least; "up to", "as many as", "no more than",
  "or fewer" -> up_to; "fewer than", "less than", "under", "below" -> less_than;
  "about", "around", "approximately", "roughly", "some", "an estimated", "nearly",
  "almost", "close to", "or so" -> approximately ("nearly $424 million" is reported at
  $424 million: the writer rounded up, the figure is still the best estimate);
  "between A and B", "A to B", "A-B" (and "A or B" for counts) -> range (value_max set);
  otherwise exact. A range's first figure borrows the second's scale ("$1-2 billion").

Vague words: a vague count gets a value only when the word names a magnitude, and then
the value is the smallest number the word can mean, with qualifier "vague":
  "dozens", "several dozen", "a few dozen" -> 24; "scores" -> 40; "hundreds",
  "several hundred" -> 200; "thousands" -> 2,000; "tens of thousands" -> 20,000;
  "hundreds of thousands" -> 200,000; "millions" -> 2,000,000; the same for money
  ("hundreds of millions of dollars" -> 200,000,000 USD, "tens of millions" -> 20,000,000).
Words that name no magnitude ("several", "multiple", "a few", "many", "some", "numerous",
"a number of") give value None, qualifier "vague". "a couple of" -> 2 (approximately);
"a pair of", "both" -> 2; "a"/"an"/"a single" before a noun -> 1; "no"/"none" -> 0.
Number words count ("two", "twenty-two", "a dozen", "a hundred", "half a million",
"eighty-two (82)": the digits in parentheses win).

Several counted units in one phrase ("122 missiles and 36 drones") are summed: value 158,
unit "missiles and drones". Only parts joined by "and" are summed; a comma aside
("three service members, one critically") is not a second count.

Money takes the first amount in the text (and its range partner); a bare "$" is USD; an
amount without any currency word or symbol ("1.2bn") has currency None.

Dates (`published` is the anchor; without it only dates that carry a year resolve):
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
  * "since X": start at X, end at `published`, precision of X.
  * "from X to Y", "between X and Y", "X-Y": start of X to end of Y, the coarser precision.
  * "overnight": the night that ended on the morning of publication: start the day before
    `published`, end `published`, precision day.
  * "in recent days", "the past few days": the seven days up to `published` (precision
    week); "in recent weeks": 28 days (month); "recently", "in recent months": None (too
    vague to place). "the past/next N days|weeks|months|years" are windows of that length
    ending/starting at `published`; "the coming days" is the next seven days.
  * "this/last/next week|month|quarter|year" are calendar units; "earlier this week|month|
    year" runs from the unit's start to `published` ("later this ..." from `published` to
    the unit's end). "this weekend"/"the weekend" is the latest Saturday-Sunday that began on
    or before `published` (precision week).
  * Windows ("the past seven weeks", "the next year") take their precision from their
    length: up to 1 day "day", 7 days "week", 31 "month", 92 "quarter", longer "year".
  * "the 2nd" (a day of the month alone) is the latest such day on or before `published`.
  * Numeric dates follow dateparser's English default: "09/08/2022" is 8 September.
  * "Fiscal Year 2024"/"FY24": the U.S. federal fiscal year (1 Oct 2023 - 30 Sep 2024).
  * Everything else goes to `dateparser` (English, relative base = `published` at noon,
    past preferred), which never reads the clock because the base is always given.
  * Years outside 1800-2199 are not dates. Seasons and half-years are not resolved.

Entities: names match case-insensitively, ignoring a leading "the", curly vs straight
apostrophes, full stops ("U.S." = "US") and a trailing possessive "'s". Metonyms (a
capital standing for the state: "Pyongyang", "Moscow") count only for actor fields.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Final

from dateparser.date import DateDataParser

from summarizer.schemas import DateRef, Money, Precision, Qualifier, Quantity

__all__ = [
    "canonical_entity",
    "entity_names",
    "parse_date",
    "parse_money",
    "parse_quantity",
    "same_entity",
]

# ---------------------------------------------------------------------------------------
# Text cleanup shared by every parser
# ---------------------------------------------------------------------------------------

# Typographic variants the model copies from articles; folding them keeps the rules short.
_FOLD: Final = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "[": "",  # editorial insertions ("several [dozen]") keep their words
        "]": "",
    }
)

# Longer inputs are not a value as written; parsing only their start bounds the work.
_MAX_CHARS: Final = 500


def _clean(text: str) -> str:
    """Fold typographic variants and collapse whitespace."""
    return " ".join(text[:_MAX_CHARS].translate(_FOLD).split())


def _as_text(text: object) -> str:
    # The model's output is untrusted; a non-string must not make a parser raise.
    if isinstance(text, str):
        return text
    return "" if text is None else str(text)


# ---------------------------------------------------------------------------------------
# Number words -> digits
# ---------------------------------------------------------------------------------------

_UNITS: Final = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_TEENS: Final = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS: Final = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALE_WORDS: Final = {
    "thousand": 10**3,
    "million": 10**6,
    "billion": 10**9,
    "trillion": 10**12,
}
_MULTIPLIER_WORDS: Final = frozenset({"hundred", "dozen", *_SCALE_WORDS})
_WORD_TOKEN: Final = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


@dataclass
class _WordNumber:
    """State of the small grammar that reads "two hundred and twenty-two"."""

    total: Decimal = Decimal(0)
    current: Decimal = Decimal(0)
    last: str | None = None  # kind of the last word read: unit|teen|tens|hundred|scale|dozen

    def step(self, word: str) -> bool:
        """Read one word; False when the word cannot continue this number."""
        if word in _UNITS:
            if self.last not in (None, "tens", "hundred", "scale"):
                return False
            if word == "zero" and self.last is not None:
                return False
            self.current += _UNITS[word]
            self.last = "unit"
        elif word in _TEENS or word in _TENS:
            if self.last not in (None, "hundred", "scale"):
                return False
            self.current += _TEENS.get(word, 0) + _TENS.get(word, 0)
            self.last = "teen" if word in _TEENS else "tens"
        elif word == "hundred":
            if self.last not in ("unit", "teen", "tens") or self.current >= 100:
                return False
            self.current *= 100
            self.last = "hundred"
        elif word in _SCALE_WORDS:
            if self.last not in ("unit", "teen", "tens", "hundred") or self.current == 0:
                return False
            self.total += self.current * _SCALE_WORDS[word]
            self.current = Decimal(0)
            self.last = "scale"
        elif word == "dozen":
            if self.last not in ("unit", "teen", "tens"):
                return False
            self.current *= 12
            self.last = "dozen"
        else:
            return False
        return True

    @property
    def value(self) -> Decimal:
        return self.total + self.current


def _read_number_words(words: list[str]) -> tuple[Decimal | None, int]:
    """The longest prefix of `words` (lower case) that spells a number: (value, words used)."""
    number = _WordNumber()
    index = 0
    best: tuple[Decimal | None, int] = (None, 0)
    # "a hundred", "a dozen", "half a million": an article stands for one (or a half).
    if len(words) > 1 and words[0] in ("a", "an") and words[1] in _MULTIPLIER_WORDS:
        number.current, number.last, index = Decimal(1), "unit", 1
    elif (
        len(words) > 2
        and words[0] == "half"
        and words[1] in ("a", "an")
        and (words[2] in _MULTIPLIER_WORDS)
    ):
        number.current, number.last, index = Decimal("0.5"), "unit", 2
    while index < len(words):
        word = words[index]
        saved = (number.total, number.current, number.last)
        if all(number.step(part) for part in word.split("-")):
            index += 1
            best = (number.value, index)
            if number.last == "dozen":
                break
            # British "one hundred and twenty": "and" continues only after hundred/scale.
            if (
                index + 1 < len(words)
                and words[index] == "and"
                and number.last in ("hundred", "scale")
                and any(words[index + 1] in table for table in (_UNITS, _TEENS, _TENS))
            ):
                index += 1
                continue
            # "two and a half" -> 2.5
            if words[index : index + 3] == ["and", "a", "half"] and number.last in (
                "unit",
                "teen",
                "tens",
            ):
                number.current += Decimal("0.5")
                best = (number.value, index + 3)
                break
            continue
        number.total, number.current, number.last = saved
        break
    return best


def _format_decimal(value: Decimal) -> str:
    return format(value.normalize(), "f")  # "f": 1E+6 prints as 1000000


def _words_to_digits(text: str) -> str:
    """Rewrite number words as digits ("eighty-two HIMARS" -> "82 HIMARS"), rest unchanged."""
    tokens = list(_WORD_TOKEN.finditer(text))
    pieces: list[str] = []
    done = 0
    i = 0
    while i < len(tokens):
        # A number is read only over words separated by plain spaces.
        words = [tokens[i].group().lower()]
        j = i + 1
        while j < len(tokens) and text[tokens[j - 1].end() : tokens[j].start()].isspace():
            words.append(tokens[j].group().lower())
            j += 1
            if j - i > 12:
                break
        value, used = _read_number_words(words)
        if value is None or used == 0:
            i += 1
            continue
        pieces.append(text[done : tokens[i].start()])
        pieces.append(_format_decimal(value))
        done = tokens[i + used - 1].end()
        i += used
    pieces.append(text[done:])
    return "".join(pieces)


# ---------------------------------------------------------------------------------------
# Numbers, qualifiers and ranges (shared by money and counts)
# ---------------------------------------------------------------------------------------

_NUM: Final = r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"


def _to_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _to_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


_PREFIX_QUALIFIERS: Final[tuple[tuple[str, Qualifier], ...]] = (
    (
        r"no\s+(?:more|greater)\s+than|not\s+more\s+than|at\s+most|up\s+to|as\s+(?:many|much)\s+as"
        r"|(?:a\s+)?maximum\s+of|not\s+to\s+exceed",
        "up_to",
    ),
    (
        r"at\s+least|no\s+(?:fewer|less)\s+than|not\s+(?:fewer|less)\s+than|(?:a\s+)?minimum\s+of",
        "at_least",
    ),
    (
        r"(?:just\s+|slightly\s+|well\s+)?(?:more|greater)\s+than|(?:just\s+|well\s+)?over"
        r"|in\s+excess\s+of|upwards?\s+of|north\s+of|above|exceeding",
        "more_than",
    ),
    (
        r"(?:just\s+|slightly\s+|well\s+)?(?:less|fewer)\s+than|(?:just\s+)?under|below",
        "less_than",
    ),
    (
        r"about|around|approximately|approx\.?|roughly|some|nearly|almost|close\s+to"
        r"|an?\s+estimated|estimated|circa|ca\.|~|in\s+the\s+region\s+of|on\s+the\s+order\s+of"
        r"|more\s+or\s+less|an?\s+approximate",
        "approximately",
    ),
)
_PREFIX_QUALIFIER_RES: Final = tuple(
    (re.compile(rf"(?<![\w])(?:{pattern})[\s,:]*$", re.IGNORECASE), qualifier)
    for pattern, qualifier in _PREFIX_QUALIFIERS
)
_POSTFIX_QUALIFIERS: Final[tuple[tuple[str, Qualifier], ...]] = (
    (r"or\s+(?:more|greater|above)|and\s+(?:more|up|above)|\+|-?plus(?![\w])", "at_least"),
    (r"or\s+(?:fewer|less|below|under)", "up_to"),
    (r"or\s+so(?![\w])", "approximately"),
)
_POSTFIX_START_RES: Final = tuple(
    (re.compile(rf"^\s*(?:{pattern})", re.IGNORECASE), qualifier)
    for pattern, qualifier in _POSTFIX_QUALIFIERS
)
_POSTFIX_END_RES: Final = tuple(
    (re.compile(rf"[\s,]*(?<![\w])(?:{pattern})[\s.]*$", re.IGNORECASE), qualifier)
    for pattern, qualifier in _POSTFIX_QUALIFIERS
)
_LEADING_QUALIFIER: Final = re.compile(
    rf"^\s*(?:{'|'.join(pattern for pattern, _ in _PREFIX_QUALIFIERS)})\s+", re.IGNORECASE
)
_ESTIMATED: Final = re.compile(r"\bestimated?\b", re.IGNORECASE)
_BETWEEN_AT_END: Final = re.compile(r"(?<![\w])between\s*$", re.IGNORECASE)


def _prefix_qualifier(prefix: str) -> Qualifier:
    """The qualifier written just before a number ("valued at up to" -> up_to)."""
    for pattern, qualifier in _PREFIX_QUALIFIER_RES:
        if pattern.search(prefix):
            return qualifier
    # "an estimated cost of $4.05 billion": the estimate qualifies the figure.
    if _ESTIMATED.search(prefix):
        return "approximately"
    return "exact"


def _postfix_qualifier_at_start(rest: str) -> tuple[Qualifier | None, str]:
    """A qualifier right after the number ("1,000+", "50 or more"): (qualifier, rest)."""
    for pattern, qualifier in _POSTFIX_START_RES:
        match = pattern.match(rest)
        if match:
            return qualifier, rest[match.end() :]
    return None, rest


def _postfix_qualifier_at_end(rest: str) -> tuple[Qualifier | None, str]:
    """A qualifier closing the phrase ("50 people or more"): (qualifier, rest without it)."""
    for pattern, qualifier in _POSTFIX_END_RES:
        match = pattern.search(rest)
        if match:
            return qualifier, rest[: match.start()]
    return None, rest


def _combine_qualifiers(qualifiers: list[Qualifier]) -> Qualifier:
    """Qualifier of a sum: shared if all agree, the one non-exact if only one, else approx."""
    distinct = set(qualifiers)
    if len(distinct) == 1:
        return qualifiers[0]
    non_exact = distinct - {"exact"}
    if len(non_exact) == 1:
        return non_exact.pop()
    if "vague" in non_exact:
        return "vague"
    return "range" if non_exact == {"range"} else "approximately"


# Vague words that name a magnitude: their value is the smallest number they can mean.
_VAGUE_PLURALS: Final = {
    "tens": 10,
    "dozens": 12,
    "scores": 20,
    "hundreds": 100,
    "thousands": 1000,
    "millions": 10**6,
    "billions": 10**9,
    "trillions": 10**12,
}
_VAGUE_OUTER: Final = {"thousands": 1000, "millions": 10**6, "billions": 10**9, "trillions": 10**12}
_FEW_WORDS: Final = r"several|a\s+few|a\s+couple\s+of|a\s+couple|multiple|some|many|a\s+number\s+of"
_VAGUE_MAGNITUDE: Final = re.compile(
    rf"(?<![\w])(?:(?:{_FEW_WORDS})\s+(?P<scale>dozen|hundred|thousand|million|billion|trillion)s?"
    r"|(?P<plural>tens|dozens|scores|hundreds|thousands|millions|billions|trillions)"
    r"(?:\s+of\s+(?P<outer>thousands|millions|billions|trillions))?)(?![\w])",
    re.IGNORECASE,
)


def _vague_magnitude_value(match: re.Match[str]) -> Decimal:
    scale = match.group("scale")
    if scale:
        return Decimal(2) * (Decimal(12) if scale.lower() == "dozen" else _scale_value(scale))
    plural = match.group("plural").lower()
    value = Decimal(2) * _VAGUE_PLURALS[plural]
    outer = match.group("outer")
    if outer:
        value *= _VAGUE_OUTER[outer.lower()]
    return value


def _scale_value(word: str) -> Decimal:
    word = word.lower().rstrip("s")
    if word == "hundred":
        return Decimal(100)
    return Decimal(_SCALE_WORDS.get(word, 1))


# ---------------------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------------------

# Symbols and codes written before an amount. Longest first so "US$" wins over "$".
_CURRENCY_SYMBOLS: Final = {
    "US$": "USD",
    "U.S.$": "USD",
    "U.S. $": "USD",
    "C$": "CAD",
    "CA$": "CAD",
    "A$": "AUD",
    "AU$": "AUD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "NT$": "TWD",
    "S$": "SGD",
    "R$": "BRL",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₩": "KRW",
    "₽": "RUB",
    "₴": "UAH",
    "₹": "INR",
    "₪": "ILS",
    "₺": "TRY",
}
_ISO_CODES: Final = frozenset(
    {
        "USD", "EUR", "GBP", "JPY", "KRW", "KPW", "RUB", "UAH", "CNY", "INR", "ILS", "CHF",
        "PLN", "SEK", "NOK", "DKK", "CAD", "AUD", "NZD", "HKD", "TWD", "SGD", "SAR", "AED",
        "TRY", "ZAR", "BRL", "MXN", "IRR", "CZK", "HUF", "RON", "QAR", "KWD", "EGP", "JOD",
    }
)  # fmt: skip
_CODE_ALIASES: Final = {"RMB": "CNY"}
# Currency words written after an amount, most specific first.
_CURRENCY_WORDS: Final[tuple[tuple[str, str], ...]] = (
    (r"(?:u\.?s\.?|american)\s+dollars?", "USD"),
    (r"canadian\s+dollars?", "CAD"),
    (r"australian\s+dollars?", "AUD"),
    (r"new\s+zealand\s+dollars?", "NZD"),
    (r"hong\s+kong\s+dollars?", "HKD"),
    (r"(?:new\s+)?taiwan(?:ese)?\s+dollars?", "TWD"),
    (r"singapore\s+dollars?", "SGD"),
    (r"dollars?", "USD"),
    (r"euros?", "EUR"),
    (r"(?:british\s+)?pounds?(?:\s+sterling)?|sterling", "GBP"),
    (r"(?:japanese\s+)?yen", "JPY"),
    (r"(?:north\s+korean)\s+won", "KPW"),
    (r"(?:south\s+korean\s+|korean\s+)?won", "KRW"),
    (r"(?:russian\s+)?r(?:o)?ubles?", "RUB"),
    (r"(?:ukrainian\s+)?hryvn(?:i)?as?|hryvnia", "UAH"),
    (r"(?:chinese\s+)?(?:yuan|renminbi)", "CNY"),
    (r"(?:indian\s+)?rupees?", "INR"),
    (r"(?:new\s+)?(?:israeli\s+)?shekels?", "ILS"),
    (r"swiss\s+francs?", "CHF"),
    (r"(?:polish\s+)?zlot(?:y|ys|ies)", "PLN"),
    (r"(?:swedish\s+)?kronor|swedish\s+krona", "SEK"),
    (r"norwegian\s+kron(?:e|er)", "NOK"),
    (r"danish\s+kron(?:e|er)", "DKK"),
    (r"(?:saudi\s+)?riyals?", "SAR"),
    (r"(?:uae\s+|emirati\s+)?dirhams?", "AED"),
    (r"(?:turkish\s+)?liras?", "TRY"),
)
# Words that are also ordinary English ("won", "pounds" of weight) count right after an
# amount or after "of"/"in" ("millions of pounds"), not anywhere else in the text.
_AMBIGUOUS_CURRENCY_WORDS: Final = frozenset({"KRW", "KPW", "GBP"})

_SYMBOL_ALTERNATION: Final = "|".join(
    re.escape(symbol) for symbol in sorted(_CURRENCY_SYMBOLS, key=len, reverse=True)
)
_CODE_ALTERNATION: Final = "|".join(sorted(_ISO_CODES | set(_CODE_ALIASES)))
_PREFIX_CURRENCY: Final = (
    rf"(?P<{{name}}>{_SYMBOL_ALTERNATION}|(?-i:(?<![A-Za-z])(?:{_CODE_ALTERNATION})(?![A-Za-z])))"
)
_SUFFIX_CURRENCY: Final = (
    rf"(?P<{{name}}>(?-i:(?:{_CODE_ALTERNATION})(?![A-Za-z]))"
    rf"|(?:{'|'.join(pattern for pattern, _ in _CURRENCY_WORDS)})(?![A-Za-z]))"
)
_MONEY_SCALE: Final = (
    r"(?:\s*(?P<{name}>millions?|billions?|trillions?|thousands?|milliards?|mn|mln|bn|bln|tn|trn)"
    r"|(?P<{name}a>m|b|k))(?![A-Za-z])"
)


def _amount_pattern(tag: str) -> str:
    """One amount: optional currency before, number, optional scale, optional currency after."""
    return (
        rf"(?:{_PREFIX_CURRENCY.format(name=f'pre{tag}')}\s?)?"
        rf"(?<![\w.])(?P<num{tag}>{_NUM})(?![\d])"
        rf"(?:{_MONEY_SCALE.format(name=f'scale{tag}')})?"
        rf"(?:\s*{_SUFFIX_CURRENCY.format(name=f'suf{tag}')})?"
    )


_AMOUNT: Final = re.compile(_amount_pattern("1"), re.IGNORECASE)
_RANGE_TAIL: Final = re.compile(
    rf"^\s*(?P<sep>-|to|through|and)\s*{_amount_pattern('2')}", re.IGNORECASE
)
_MONEY_SCALE_VALUES: Final = {
    "thousand": Decimal(10**3),
    "k": Decimal(10**3),
    "million": Decimal(10**6),
    "m": Decimal(10**6),
    "mn": Decimal(10**6),
    "mln": Decimal(10**6),
    "billion": Decimal(10**9),
    "b": Decimal(10**9),
    "bn": Decimal(10**9),
    "bln": Decimal(10**9),
    "milliard": Decimal(10**9),
    "trillion": Decimal(10**12),
    "tn": Decimal(10**12),
    "trn": Decimal(10**12),
}
_ANYWHERE_SYMBOL: Final = re.compile(_SYMBOL_ALTERNATION)
_ANYWHERE_CODE: Final = re.compile(rf"(?<![A-Za-z])(?:{_CODE_ALTERNATION})(?![A-Za-z])")
_OF_OR_IN: Final = r"(?:of|in)\s+"
_ANYWHERE_WORDS: Final = tuple(
    (
        re.compile(
            # "millions of pounds" is money; a bare "pounds" or "won" elsewhere may not be.
            rf"(?<![\w]){_OF_OR_IN if code in _AMBIGUOUS_CURRENCY_WORDS else ''}"
            rf"(?:{pattern})(?![\w])",
            re.IGNORECASE,
        ),
        code,
    )
    for pattern, code in _CURRENCY_WORDS
)


def _code_for(token: str | None) -> str | None:
    """ISO 4217 code for a matched currency symbol, code or word."""
    if not token:
        return None
    if token.upper() in _CURRENCY_SYMBOLS:  # symbols match case-insensitively ("us$")
        return _CURRENCY_SYMBOLS[token.upper()]
    if token in _CODE_ALIASES:
        return _CODE_ALIASES[token]
    if token in _ISO_CODES:
        return token
    folded = " ".join(token.lower().split())
    for pattern, code in _CURRENCY_WORDS:
        if re.fullmatch(pattern, folded):
            return code
    return None


def _currency_anywhere(text: str) -> str | None:
    """A currency named anywhere in text that has no amount ("millions of dollars")."""
    found: list[tuple[int, str]] = []
    symbol = _ANYWHERE_SYMBOL.search(text)
    if symbol:
        found.append((symbol.start(), _CURRENCY_SYMBOLS[symbol.group()]))
    code = _ANYWHERE_CODE.search(text)
    if code:
        found.append((code.start(), _CODE_ALIASES.get(code.group(), code.group())))
    for pattern, iso in _ANYWHERE_WORDS:
        word = pattern.search(text)
        if word:
            found.append((word.start(), iso))
    return min(found)[1] if found else None


@dataclass(frozen=True)
class _Amount:
    number: Decimal
    scale: Decimal | None  # None when no scale word was written ("between $1 and ...")
    currency: str | None

    @property
    def value(self) -> Decimal:
        return self.number * (self.scale or 1)


def _read_amount(match: re.Match[str], tag: str) -> _Amount | None:
    number = _to_decimal(match.group(f"num{tag}"))
    if number is None:
        return None
    scale_word = match.group(f"scale{tag}") or match.group(f"scale{tag}a")
    scale = _MONEY_SCALE_VALUES.get(scale_word.lower().rstrip("s")) if scale_word else None
    currency = _code_for(match.group(f"pre{tag}")) or _code_for(match.group(f"suf{tag}"))
    return _Amount(number, scale, currency)


def _first_amount(text: str) -> re.Match[str] | None:
    """The first amount; a figure with a currency or scale wins over a bare number."""
    bare: re.Match[str] | None = None
    for match in _AMOUNT.finditer(text):
        has_marker = any(match.group(name) for name in ("pre1", "scale1", "scale1a", "suf1"))
        if has_marker:
            return match
        if bare is None:
            bare = match
    return bare


def parse_money(text: str) -> Money:
    """Read an amount of money as written ("up to $700 million") into a `Money`.

    Never raises: text without a readable amount gives amount None, qualifier "vague".
    """
    text = _as_text(text)
    try:
        return _parse_money(text)
    except Exception:  # the text is untrusted model output; a bug must not stop the pipeline
        return Money(text=text, qualifier="vague")


def _parse_money(text: str) -> Money:
    cleaned = _words_to_digits(_clean(text))
    match = _first_amount(cleaned)
    vague = _VAGUE_MAGNITUDE.search(cleaned)
    if vague is not None and (match is None or vague.start() < match.start()):
        # "hundreds of millions of dollars": a floor, flagged as vague.
        return Money(
            text=text,
            amount=_to_float(_vague_magnitude_value(vague)),
            currency=_currency_anywhere(cleaned),
            qualifier="vague",
        )
    if match is None:
        return Money(text=text, currency=_currency_anywhere(cleaned), qualifier="vague")
    first = _read_amount(match, "1")
    if first is None:
        return Money(text=text, qualifier="vague")
    prefix = cleaned[: match.start()]
    qualifier = _prefix_qualifier(prefix)
    rest = cleaned[match.end() :]
    amount, amount_max, currency = first.value, None, first.currency

    tail = _RANGE_TAIL.match(rest)
    if tail and (tail.group("sep").lower() != "and" or _BETWEEN_AT_END.search(prefix)):
        second = _read_amount(tail, "2")
        if second is not None:
            low = first.value
            # "between $1 and $2 billion": the first figure borrows the second's scale.
            borrowed = first.number * second.scale if second.scale is not None else None
            if first.scale is None and borrowed is not None and borrowed <= second.value:
                low = borrowed
            amount, amount_max = min(low, second.value), max(low, second.value)
            currency = currency or second.currency
            qualifier = "range"
            rest = rest[tail.end() :]
    if qualifier != "range":
        after, rest = _postfix_qualifier_at_start(rest)
        if after is None:
            after, rest = _postfix_qualifier_at_end(rest)
        if after is not None:
            qualifier = after
    return Money(
        text=text,
        amount=_to_float(amount),
        amount_max=_to_float(amount_max),
        currency=currency,
        qualifier=qualifier,
    )


# ---------------------------------------------------------------------------------------
# Counts
# ---------------------------------------------------------------------------------------

_MONTH_NAMES: Final = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_WEEKDAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_STANDALONE_NUM: Final = re.compile(rf"(?<![\w.,/-])(?P<num>{_NUM})(?![\w/]|[.,]\d)")
_COUNT_SCALE: Final = re.compile(r"^\s*(?P<scale>thousand|million|billion|trillion)(?![\w])", re.I)
_COUNT_RANGE: Final = re.compile(
    rf"^\s*(?P<sep>-|to|through|or|and)\s*(?P<num>{_NUM})(?![\w/])"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion)(?![\w]))?",
    re.IGNORECASE,
)
_PAREN_DIGITS: Final = re.compile(rf"(?P<words>{_NUM})\s*\(\s*(?P<digits>{_NUM})\s*\)")
_LIST_LOOKAHEAD: Final = (
    r"(?=(?:(?:more|fewer|less)\s+than\s+|at\s+least\s+|up\s+to\s+|about\s+|around\s+"
    r"|nearly\s+|almost\s+|some\s+|over\s+|approximately\s+|roughly\s+)?"
    rf"(?:{_NUM}(?![\w/])|(?:tens|dozens|scores|hundreds|thousands|millions)(?![\w])))"
)
# A list comma is followed by a space: "1,000" is one number, "5 tanks, 3 drones" two.
_LIST_SEPARATOR: Final = re.compile(
    rf"\s*(?:,\s+and\s+|\s+and\s+|,\s+|;\s*and\s+|;\s*){_LIST_LOOKAHEAD}", re.IGNORECASE
)
_OPEN_BETWEEN: Final = re.compile(
    rf"(?<![\w])between\s+{_NUM}(?:\s+(?:thousand|million|billion|trillion))?\s*$", re.IGNORECASE
)

# Words that end the counted noun phrase: prepositions, relatives, auxiliaries and the
# verbs a count is usually followed by in war reporting.
_UNIT_STOP: Final = frozenset(
    {
        "of", "from", "to", "into", "in", "at", "on", "for", "with", "by", "against", "since",
        "during", "over", "across", "near", "toward", "towards", "per", "via", "within",
        "without", "after", "before", "between", "among", "including", "like", "such", "than",
        "that", "which", "who", "whom", "whose", "where", "when", "while", "as", "were", "was",
        "is", "are", "be", "been", "being", "have", "has", "had", "will", "would", "could",
        "can", "may", "might", "should", "must", "did", "do", "does", "killed", "wounded",
        "injured", "fired", "launched", "delivered", "provided", "sent", "shot", "intercepted",
        "destroyed", "used", "supplied", "struck", "hit", "said", "according",
    }
)  # fmt: skip
_UNIT_FILLERS: Final = frozenset({"additional", "further", "more", "other", "others", "extra"})
_UNIT_DETERMINERS: Final = frozenset(
    {"the", "those", "these", "its", "their", "his", "her", "our", "your", "such", "them"}
)
_PRONOUNS: Final = frozenset({"them", "those", "these", "it", "us", "they", "each", "all"})
_SURFACE_WORDS: Final = frozenset({"surface", "air", "ground", "ship", "sea", "land", "anti"})
_QUALIFIER_WORDS: Final = frozenset(
    {
        "some", "about", "around", "nearly", "almost", "over", "under", "up", "to", "at",
        "least", "more", "fewer", "less", "than", "approximately", "roughly", "estimated",
        "an", "a", "the", "just", "well",
    }
)  # fmt: skip


def _clean_unit(text: str) -> str | None:
    """The counted noun phrase that opens `text` ("containers of munitions" -> "containers")."""
    words = text.split()
    # Partitive "of": "dozens of civilians", "one of those missiles".
    if words and words[0].lower() == "of":
        words = words[1:]
    while words and words[0].lower() in _UNIT_DETERMINERS | _UNIT_FILLERS:
        words = words[1:]
    kept: list[str] = []
    for index, word in enumerate(words):
        low = word.lower().strip("()\"'")
        if low in _UNIT_STOP:
            # "surface to air missiles" keeps its "to".
            is_compound = (
                low == "to"
                and kept
                and kept[-1].lower() in _SURFACE_WORDS
                and index + 1 < len(words)
                and words[index + 1].lower().strip(",;:") in _SURFACE_WORDS | {"air", "surface"}
            )
            if not is_compound:
                break
        # A lowercase "-ing" word after the noun starts a clause ("trucks delivering aid").
        if kept and low.endswith("ing") and word[:1].islower():
            break
        if word.endswith((",", ";", ":")):
            kept.append(word.rstrip(",;:"))
            break
        kept.append(word)
    while kept and kept[-1].lower() in ("and", "or", "&"):
        kept.pop()
    unit = " ".join(kept).strip(" \"'")
    # A final full stop ends the sentence unless it belongs to an abbreviation ("U.S.").
    if unit.endswith(".") and "." not in unit.split()[-1][:-1]:
        unit = unit[:-1]
    if unit.startswith("(") and unit.endswith(")"):
        unit = unit[1:-1]
    if not unit or unit.lower() in _PRONOUNS | _UNIT_FILLERS:
        return None
    return unit


def _find_count_number(text: str) -> re.Match[str] | None:
    """First number that counts something, skipping designations ("Fateh 360") and days."""
    for match in _STANDALONE_NUM.finditer(text):
        before = text[: match.start()].split()
        previous = before[-1].strip("(\"',") if before else ""
        low = previous.lower().rstrip(".")
        if low in _MONTH_NAMES:
            continue  # "Jan. 2": a day of the month, not a count
        is_designation = (
            len(before) > 1
            and previous[:1].isupper()
            and low not in _QUALIFIER_WORDS
            and low[:3] not in _WEEKDAY_NAMES
        )
        if is_designation:
            continue
        return match
    return None


@dataclass(frozen=True)
class _Count:
    value: Decimal | None
    value_max: Decimal | None
    unit: str | None
    qualifier: Qualifier


def _parse_count_part(text: str) -> _Count:
    """One counted phrase: a number (or vague word), its qualifier and its unit."""
    number = _find_count_number(text)
    vague = _VAGUE_MAGNITUDE.search(text)
    if vague is not None and (number is None or vague.start() < number.start()):
        return _Count(
            _vague_magnitude_value(vague), None, _clean_unit(text[vague.end() :]), "vague"
        )
    if number is None:
        return _parse_wordy_count(text)
    value = _to_decimal(number.group("num"))
    if value is None:
        return _Count(None, None, None, "vague")
    prefix = text[: number.start()]
    qualifier = _prefix_qualifier(prefix)
    rest = text[number.end() :]
    scale = _COUNT_SCALE.match(rest)
    if scale:
        value *= _scale_value(scale.group("scale"))
        rest = rest[scale.end() :]
    value_max: Decimal | None = None
    after, rest = _postfix_qualifier_at_start(rest)
    if after is not None:
        qualifier = after
    else:
        tail = _COUNT_RANGE.match(rest)
        separator = tail.group("sep").lower() if tail else ""
        if tail and (separator != "and" or _BETWEEN_AT_END.search(prefix)):
            high = _to_decimal(tail.group("num"))
            if high is not None:
                if tail.group("scale"):
                    high_scale = _scale_value(tail.group("scale"))
                    high *= high_scale
                    if not scale and value * high_scale <= high:
                        value *= high_scale  # "10 to 15 thousand"
                value, value_max = min(value, high), max(value, high)
                qualifier = "range"
                rest = rest[tail.end() :]
    end_qualifier, rest = _postfix_qualifier_at_end(rest)
    if end_qualifier is not None and qualifier == "exact":
        qualifier = end_qualifier
    return _Count(value, value_max, _clean_unit(rest), qualifier)


_WORDY_COUNT_FORMS: Final[tuple[tuple[str, int | None, Qualifier], ...]] = (
    (r"both", 2, "exact"),
    (r"(?:a\s+)?pair\s+of", 2, "exact"),
    (r"a\s+couple(?:\s+of)?", 2, "approximately"),
    (r"(?:a\s+)?single", 1, "exact"),
    (r"none(?:\s+of)?|no|zero", 0, "exact"),
    (
        r"several|multiple|a\s+few|few|many|numerous|some|various|countless|a\s+number\s+of"
        r"|a\s+handful\s+of|a\s+series\s+of|a\s+lot\s+of|lots\s+of|an?\s+(?:wave|barrage"
        r"|range|array|slew|host|swarm|salvo|volley|flurry|variety)\s+of|waves\s+of",
        None,
        "vague",
    ),
    (r"an?", 1, "exact"),
)
_WORDY_COUNTS: Final = tuple(
    (re.compile(rf"^(?:{pattern})(?![\w-])", re.IGNORECASE), value, qualifier)
    for pattern, value, qualifier in _WORDY_COUNT_FORMS
)


def _parse_wordy_count(text: str) -> _Count:
    """A count written without digits ("a pair of tankers", "several missiles")."""
    # Leading qualifiers ("at least several") add nothing once no number is written.
    stripped = _LEADING_QUALIFIER.sub("", text).strip()
    for pattern, value, qualifier in _WORDY_COUNTS:
        match = pattern.match(stripped)
        if match:
            rest = stripped[match.end() :]
            unit = _clean_unit(rest)
            if value == 1 and unit is None:
                break  # a lone "a" counts nothing
            return _Count(None if value is None else Decimal(value), None, unit, qualifier)
    return _Count(None, None, _clean_unit(stripped), "vague")


def _split_counts(text: str) -> tuple[list[str], bool]:
    """Split "122 missiles and 36 drones" into parts; True when they form an "and" list."""
    parts: list[str] = []
    last = 0
    joined_by_and = False
    for separator in _LIST_SEPARATOR.finditer(text):
        if _OPEN_BETWEEN.search(text[last : separator.start()]):
            continue  # "between 10 and 15" is one range, not two counts
        parts.append(text[last : separator.start()])
        last = separator.end()
        joined_by_and = "and" in separator.group().lower()
    parts.append(text[last:])
    return [part for part in parts if part.strip()], joined_by_and


def _join_units(units: list[str]) -> str:
    unique = list(dict.fromkeys(units))
    if len(unique) == 1:
        return unique[0]
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def parse_quantity(text: str) -> Quantity:
    """Read a count as written ("some 500 missiles and drones") into a `Quantity`.

    Never raises: text without a readable count gives value None, qualifier "vague".
    """
    text = _as_text(text)
    try:
        return _parse_quantity(text)
    except Exception:  # the text is untrusted model output; a bug must not stop the pipeline
        return Quantity(text=text, qualifier="vague")


def _parse_quantity(text: str) -> Quantity:
    cleaned = _words_to_digits(_clean(text))
    # DSCA style "eighty-two (82)": the digits in parentheses are the figure.
    cleaned = _PAREN_DIGITS.sub(lambda match: match.group("digits"), cleaned)
    parts, joined_by_and = _split_counts(cleaned)
    if not parts:
        return Quantity(text=text, qualifier="vague")
    counts = [_parse_count_part(part) for part in parts]
    first = counts[0]
    if not (joined_by_and and len(counts) > 1 and all(count.unit for count in counts)):
        counts = [first]
    if len(counts) == 1:
        return Quantity(
            text=text,
            value=_to_float(first.value),
            value_max=_to_float(first.value_max),
            unit=first.unit,
            qualifier=first.qualifier if first.value is not None else "vague",
        )
    values = [count.value for count in counts]
    units = [count.unit for count in counts if count.unit]
    qualifier = _combine_qualifiers([count.qualifier for count in counts])
    if any(value is None for value in values):
        return Quantity(text=text, unit=_join_units(units), qualifier="vague")
    total = sum((value for value in values if value is not None), Decimal(0))
    total_max: Decimal | None = None
    if any(count.value_max is not None for count in counts):
        total_max = sum(
            (count.value_max or count.value or Decimal(0) for count in counts), Decimal(0)
        )
    return Quantity(
        text=text,
        value=_to_float(total),
        value_max=_to_float(total_max),
        unit=_join_units(units),
        qualifier=qualifier,
    )


# ---------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------

_MIN_YEAR: Final = 1800
_MAX_YEAR: Final = 2199
_FUTURE_WINDOW_DAYS: Final = 31
_RECENT_DAYS: Final = 7
_RECENT_WEEKS_DAYS: Final = 28
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
    return _MONTH_NAMES[token.lower().rstrip(".")]


def _weekday_number(token: str) -> int:
    return _WEEKDAY_NAMES.index(token.lower()[:3])


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


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
    return _ref(text, dt.date(year, month, 1), _month_end(year, month), "month")


def _quarter_ref(text: str, year: int, quarter: int) -> DateRef | None:
    first = 3 * (quarter - 1) + 1
    return _ref(text, dt.date(year, first, 1), _month_end(year, first + 2), "quarter")


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
            text, anchor, _month_end(anchor.year, anchor.month), "month"
        ),
        "earlier this year": lambda: _ref(text, dt.date(anchor.year, 1, 1), anchor, "year"),
        "later this year": lambda: _ref(text, anchor, dt.date(anchor.year, 12, 31), "year"),
        "recent days": lambda: _ref(text, anchor - dt.timedelta(days=_RECENT_DAYS), anchor, "week"),
        "recent weeks": lambda: _ref(
            text, anchor - dt.timedelta(days=_RECENT_WEEKS_DAYS), anchor, "month"
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


def _rolling_window(s: str, text: str, anchor: dt.date) -> DateRef | None:
    """ "the past seven weeks", "the next year": a window ending or starting at `anchor`."""
    match = _ROLLING.match(_words_to_digits(s))
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
            return _ref(text, dt.date(year, first, 1), _month_end(year, first + 3), "year")
        month = _month_number(part["month"])
        if part["year"]:
            year = int(part["year"])
        elif anchor is not None:
            year = _latest_month(month, anchor)
        else:
            return None
        start = dt.date(year, month, 10 * third + 1)
        end = dt.date(year, month, 10 * (third + 1)) if third < 2 else _month_end(year, month)
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
            end = _month_end(year, month)
            return _ref(text, end - dt.timedelta(days=6), end, "week")
        start = dt.date(year, month, 1 + 7 * (_QUARTER_ORDINALS[week["nth"]] - 1))
        return _ref(text, start, min(start + dt.timedelta(days=6), _month_end(year, month)), "week")
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
    r"|some\s+time\s+in|over|within|for|until|till|through|starting|beginning\s+on)\s+"
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
    s = _clean(text).lower().strip(" ,;:()\"'")
    s = re.sub(r"'s$", "", s)  # "Tuesday's strike" -> "tuesday"
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
        return _parse_date(_as_text(text), published)
    except Exception:  # the text is untrusted model output; a bug must not stop the pipeline
        return None


def _parse_date(text: str, published: dt.date | None) -> DateRef | None:
    s = _normalize_date_text(text)
    if not s or len(s) > _MAX_DATE_CHARS:
        return None
    since = _SINCE.match(s)
    if since:
        start = _single(since["inner"], text, published, allow_future=False)
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


# ---------------------------------------------------------------------------------------
# Entities
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _AliasTable:
    names: dict[str, str]  # key of a canonical name or alias -> canonical name
    metonyms: dict[str, str]  # key of a metonym -> canonical name (actors only)
    aliases_of: dict[str, tuple[str, ...]]
    metonyms_of: dict[str, tuple[str, ...]]


def _entity_key(name: str) -> str:
    """Matching key: case, a leading "the", apostrophe style, full stops, a possessive."""
    key = " ".join(name.translate(_FOLD).casefold().split())
    key = re.sub(r"^the\s+", "", key)
    key = re.sub(r"(?:'s|(?<=s)')$", "", key)
    return key.replace(".", "").strip(" ,;:")


@functools.cache
def _alias_table() -> _AliasTable:
    """Load `data/aliases.json` once; a name claimed by two entities is a data error."""
    raw = resources.files("summarizer").joinpath("data/aliases.json").read_text("utf-8")
    entities: dict[str, dict[str, list[str]]] = json.loads(raw)["entities"]
    names: dict[str, str] = {}
    metonyms: dict[str, str] = {}
    aliases_of: dict[str, tuple[str, ...]] = {}
    metonyms_of: dict[str, tuple[str, ...]] = {}

    def claim(table: dict[str, str], name: str, canonical: str) -> None:
        key = _entity_key(name)
        owner = names.get(key) or metonyms.get(key)
        if owner is not None and owner != canonical:
            raise ValueError(f"aliases.json: {name!r} belongs to both {owner!r} and {canonical!r}")
        table[key] = canonical

    for canonical, entry in entities.items():
        aliases_of[canonical] = tuple(entry.get("aliases", []))
        metonyms_of[canonical] = tuple(entry.get("metonyms", []))
        claim(names, canonical, canonical)
        for alias in aliases_of[canonical]:
            claim(names, alias, canonical)
    for canonical, found in metonyms_of.items():
        for metonym in found:
            claim(metonyms, metonym, canonical)
    return _AliasTable(names, metonyms, aliases_of, metonyms_of)


def canonical_entity(name: str, *, actor: bool = False) -> str:
    """The canonical name of an entity ("DPRK" -> "North Korea").

    Metonyms ("Pyongyang" for North Korea) count only when `actor` is True (attacker,
    donor, recipient, supplier), never for places. Unknown names come back stripped.
    """
    stripped = name.strip()
    table = _alias_table()
    key = _entity_key(stripped)
    canonical = table.names.get(key)
    if canonical is None and actor:
        canonical = table.metonyms.get(key)
    return stripped if canonical is None else canonical


def entity_names(name: str, *, actor: bool = False) -> set[str]:
    """Every known name of the entity (canonical, aliases, metonyms if `actor`).

    Names with an apostrophe come in both straight and curly form, so grounding finds
    the curly "People\u2019s" as well as "People's". Unknown names give just {name},
    stripped.
    """
    stripped = name.strip()
    canonical = canonical_entity(stripped, actor=actor)
    table = _alias_table()
    if canonical not in table.aliases_of:
        return {stripped}
    names = {stripped, canonical, *table.aliases_of[canonical]}
    if actor:
        names.update(table.metonyms_of[canonical])
    for known in list(names):
        names.add(known.replace("'", "\u2019"))
        names.add(known.replace("\u2019", "'"))
    return names


def same_entity(a: str, b: str, *, actor: bool = False) -> bool:
    """Whether two names denote the same entity (unknown names: same matching key)."""
    return _entity_key(canonical_entity(a, actor=actor)) == _entity_key(
        canonical_entity(b, actor=actor)
    )
