"""Qualifiers of a figure ("up to", "more than", "about", "or more") and vague magnitudes.

Shared by money and counts; the table of wordings is docs/annotation-guide.md 4.3.
"""

from __future__ import annotations

import re
from typing import Final

from summarizer.schemas import Qualifier

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
LEADING_QUALIFIER: Final = re.compile(
    rf"^\s*(?:{'|'.join(pattern for pattern, _ in _PREFIX_QUALIFIERS)})\s+", re.IGNORECASE
)
_ESTIMATED: Final = re.compile(r"\bestimated?\b", re.IGNORECASE)
BETWEEN_AT_END: Final = re.compile(r"(?<![\w])between\s*$", re.IGNORECASE)


def prefix_qualifier(prefix: str) -> Qualifier:
    """The qualifier written just before a number ("valued at up to" -> up_to)."""
    for pattern, qualifier in _PREFIX_QUALIFIER_RES:
        if pattern.search(prefix):
            return qualifier
    # "an estimated cost of $4.05 billion": the estimate qualifies the figure.
    if _ESTIMATED.search(prefix):
        return "approximately"
    return "exact"


def postfix_qualifier_at_start(rest: str) -> tuple[Qualifier | None, str]:
    """A qualifier right after the number ("1,000+", "50 or more"): (qualifier, rest)."""
    for pattern, qualifier in _POSTFIX_START_RES:
        match = pattern.match(rest)
        if match:
            return qualifier, rest[match.end() :]
    return None, rest


def postfix_qualifier_at_end(rest: str) -> tuple[Qualifier | None, str]:
    """A qualifier closing the phrase ("50 people or more"): (qualifier, rest without it)."""
    for pattern, qualifier in _POSTFIX_END_RES:
        match = pattern.search(rest)
        if match:
            return qualifier, rest[: match.start()]
    return None, rest


def combine_qualifiers(qualifiers: list[Qualifier]) -> Qualifier:
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


# Vague words that name a magnitude ("dozens", "hundreds of thousands"): qualifier vague and
# no value (annotation guide 4.3).
_FEW_WORDS: Final = r"several|a\s+few|a\s+couple\s+of|a\s+couple|multiple|some|many|a\s+number\s+of"
VAGUE_MAGNITUDE: Final = re.compile(
    rf"(?<![\w])(?:(?:{_FEW_WORDS})\s+(?P<scale>dozen|hundred|thousand|million|billion|trillion)s?"
    r"|(?P<plural>tens|dozens|scores|hundreds|thousands|millions|billions|trillions)"
    r"(?:\s+of\s+(?P<outer>thousands|millions|billions|trillions))?)(?![\w])",
    re.IGNORECASE,
)
