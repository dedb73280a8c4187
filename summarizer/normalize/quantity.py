"""Counts as written ("some 500 missiles and drones", "eighty-two (82)") -> `Quantity`.

Value, range, counted unit and qualifier; several counted units joined by "and" are summed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from summarizer.normalize.dates.names import MONTH_NAMES, WEEKDAY_NAMES
from summarizer.normalize.numbers import (
    NUM,
    as_text,
    clean,
    scale_value,
    to_decimal,
    to_float,
    words_to_digits,
)
from summarizer.normalize.qualifiers import (
    BETWEEN_AT_END,
    LEADING_QUALIFIER,
    VAGUE_MAGNITUDE,
    combine_qualifiers,
    postfix_qualifier_at_end,
    postfix_qualifier_at_start,
    prefix_qualifier,
)
from summarizer.schemas import Qualifier, Quantity

__all__ = ["parse_quantity"]

_STANDALONE_NUM: Final = re.compile(rf"(?<![\w.,/-])(?P<num>{NUM})(?![\w/]|[.,]\d)")
_COUNT_SCALE: Final = re.compile(r"^\s*(?P<scale>thousand|million|billion|trillion)(?![\w])", re.I)
_COUNT_RANGE: Final = re.compile(
    rf"^\s*(?P<sep>-|to|through|or|and)\s*(?P<num>{NUM})(?![\w/])"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion)(?![\w]))?",
    re.IGNORECASE,
)
_PAREN_DIGITS: Final = re.compile(rf"(?P<words>{NUM})\s*\(\s*(?P<digits>{NUM})\s*\)")
_LIST_LOOKAHEAD: Final = (
    r"(?=(?:(?:more|fewer|less)\s+than\s+|at\s+least\s+|up\s+to\s+|about\s+|around\s+"
    r"|nearly\s+|almost\s+|some\s+|over\s+|approximately\s+|roughly\s+)?"
    rf"(?:{NUM}(?![\w/])|(?:tens|dozens|scores|hundreds|thousands|millions)(?![\w])))"
)
# A list comma is followed by a space: "1,000" is one number, "5 tanks, 3 drones" two.
_LIST_SEPARATOR: Final = re.compile(
    rf"\s*(?:,\s+and\s+|\s+and\s+|,\s+|;\s*and\s+|;\s*){_LIST_LOOKAHEAD}", re.IGNORECASE
)
_OPEN_BETWEEN: Final = re.compile(
    rf"(?<![\w])between\s+{NUM}(?:\s+(?:thousand|million|billion|trillion))?\s*$", re.IGNORECASE
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
        if low in MONTH_NAMES:
            continue  # "Jan. 2": a day of the month, not a count
        is_designation = (
            len(before) > 1
            and previous[:1].isupper()
            and low not in _QUALIFIER_WORDS
            and low[:3] not in WEEKDAY_NAMES
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
    vague = VAGUE_MAGNITUDE.search(text)
    if vague is not None and (number is None or vague.start() < number.start()):
        # "dozens", "hundreds": vague, with no value (annotation guide 4.3).
        return _Count(None, None, _clean_unit(text[vague.end() :]), "vague")
    if number is None:
        return _parse_wordy_count(text)
    value = to_decimal(number.group("num"))
    if value is None:
        return _Count(None, None, None, "vague")
    prefix = text[: number.start()]
    qualifier = prefix_qualifier(prefix)
    rest = text[number.end() :]
    scale = _COUNT_SCALE.match(rest)
    if scale:
        value *= scale_value(scale.group("scale"))
        rest = rest[scale.end() :]
    value_max: Decimal | None = None
    after, rest = postfix_qualifier_at_start(rest)
    if after is not None:
        qualifier = after
    else:
        tail = _COUNT_RANGE.match(rest)
        separator = tail.group("sep").lower() if tail else ""
        if tail and (separator != "and" or BETWEEN_AT_END.search(prefix)):
            high = to_decimal(tail.group("num"))
            if high is not None:
                if tail.group("scale"):
                    high_scale = scale_value(tail.group("scale"))
                    high *= high_scale
                    if not scale and value * high_scale <= high:
                        value *= high_scale  # "10 to 15 thousand"
                value, value_max = min(value, high), max(value, high)
                qualifier = "range"
                rest = rest[tail.end() :]
    end_qualifier, rest = postfix_qualifier_at_end(rest)
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
    stripped = LEADING_QUALIFIER.sub("", text).strip()
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
    text = as_text(text)
    try:
        return _parse_quantity(text)
    except Exception:  # the text is untrusted model output; a bug must not stop the pipeline
        return Quantity(text=text, qualifier="vague")


def _parse_quantity(text: str) -> Quantity:
    cleaned = words_to_digits(clean(text))
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
            value=to_float(first.value),
            value_max=to_float(first.value_max),
            unit=first.unit,
            qualifier=first.qualifier if first.value is not None else "vague",
        )
    values = [count.value for count in counts]
    units = [count.unit for count in counts if count.unit]
    qualifier = combine_qualifiers([count.qualifier for count in counts])
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
        value=to_float(total),
        value_max=to_float(total_max),
        unit=_join_units(units),
        qualifier=qualifier,
    )
