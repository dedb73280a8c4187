"""Numbers as written: text cleanup shared by every parser, number words, decimals.

`words_to_digits` rewrites number words as digits ("two hundred and twenty-two" -> "222",
"eighty-two HIMARS" -> "82 HIMARS"); `NUM` is the pattern of a written figure ("1,000",
"2.1"); `to_decimal` reads one. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

from summarizer.text.fold import fold_chars

# Longer inputs are not a value as written; parsing only their start bounds the work.
MAX_CHARS: Final = 500


def clean(text: str) -> str:
    """Fold typographic variants (`summarizer.text.fold`), drop editorial brackets
    ("several [dozen]" keeps its words) and collapse whitespace."""
    folded = fold_chars(text[:MAX_CHARS]).replace("[", "").replace("]", "")
    return " ".join(folded.split())


def as_text(text: object) -> str:
    # The model's output is untrusted; a non-string must not make a parser raise.
    if isinstance(text, str):
        return text
    return "" if text is None else str(text)


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
SCALE_WORDS: Final = {
    "thousand": 10**3,
    "million": 10**6,
    "billion": 10**9,
    "trillion": 10**12,
}
_MULTIPLIER_WORDS: Final = frozenset({"hundred", "dozen", *SCALE_WORDS})
# The words a number can begin with: a unit, teen or tens ("twenty-two" by its first part),
# or the article/half of "a hundred", "half a million". Any other word is skipped at once.
_NUMBER_STARTS: Final = frozenset({*_UNITS, *_TEENS, *_TENS, "a", "an", "half"})
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
        elif word in SCALE_WORDS:
            if self.last not in ("unit", "teen", "tens", "hundred") or self.current == 0:
                return False
            self.total += self.current * SCALE_WORDS[word]
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
                and any(
                    words[index + 1].split("-")[0] in table for table in (_UNITS, _TEENS, _TENS)
                )
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


def format_decimal(value: Decimal) -> str:
    return format(value.normalize(), "f")  # "f": 1E+6 prints as 1000000


_ASCII_LETTERS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_START_WORDS: Final = (*_UNITS, *_TEENS, *_TENS)
# The next word of a number: only white space between.
_NEXT_WORD: Final = re.compile(r"\s+([A-Za-z]+(?:-[A-Za-z]+)*)")


def _word_starts_at(text: str, index: int) -> bool:
    """A `_WORD_TOKEN` begins at `index`: no letter, and no letter-hyphen, comes before."""
    if index == 0 or text[index - 1] in _ASCII_LETTERS:
        return index == 0
    return not (text[index - 1] == "-" and index >= 2 and text[index - 2] in _ASCII_LETTERS)


def _word_ends_at(text: str, index: int) -> bool:
    """A `_WORD_TOKEN` ends at `index`: no letter, and no hyphen-letter, comes after."""
    if index == len(text) or text[index] in _ASCII_LETTERS:
        return index == len(text)
    return not (text[index] == "-" and index + 1 < len(text) and text[index + 1] in _ASCII_LETTERS)


def _word_before(text: str, end: int, words: tuple[str, ...]) -> int | None:
    """Where one of `words` (any case) stands as a whole word before the white space that
    ends at `end`; None when there is no white space or no such word."""
    start = end
    while start > 0 and text[start - 1].isspace():
        start -= 1
    if start == end:
        return None
    for word in words:
        begin = start - len(word)
        piece = text[max(begin, 0) : start]
        if (
            begin >= 0
            and piece.lower() == word
            and all(c in _ASCII_LETTERS for c in piece)
            and _word_starts_at(text, begin)
        ):
            return begin
    return None


def _number_starts(text: str) -> list[int]:
    """Where a number may begin: every word whose first part is a unit, teen or tens word,
    and the "a"/"an"/"half" of "a hundred" or "half a million" (alone those are no number).
    Found by substring search, not word by word (this runs over every new article); a
    text whose lower case changes its length is read word by word instead."""
    lowered = text.lower()
    if len(lowered) != len(text):  # offsets would not line up
        return [m.start() for m in _WORD_TOKEN.finditer(text)]
    found = set()
    for word in _START_WORDS:
        at = lowered.find(word)
        while at >= 0:
            # the word's end may be a hyphen ("twenty-two" starts with "twenty")
            after = at + len(word)
            if (after == len(text) or text[after] not in _ASCII_LETTERS) and _word_starts_at(
                text, at
            ):
                found.add(at)
            at = lowered.find(word, at + 1)
    for word in _MULTIPLIER_WORDS:
        at = lowered.find(word)
        while at >= 0:
            whole = _word_starts_at(text, at) and _word_ends_at(text, at + len(word))
            if whole and (article := _word_before(text, at, ("an", "a"))) is not None:
                found.add(article)
                if (half := _word_before(text, article, ("half",))) is not None:
                    found.add(half)
            at = lowered.find(word, at + 1)
    return sorted(found)


def words_to_digits(text: str) -> str:
    """Rewrite number words as digits ("eighty-two HIMARS" -> "82 HIMARS"), rest unchanged."""
    pieces: list[str] = []
    done = 0
    for start in _number_starts(text):
        if start < done:  # inside the number just read
            continue
        first = _WORD_TOKEN.match(text, start)
        if first is None or first.group().lower().split("-", 1)[0] not in _NUMBER_STARTS:
            continue
        # A number is read only over words separated by plain white space.
        words = [first.group().lower()]
        ends = [first.end()]
        while len(words) <= 12 and (following := _NEXT_WORD.match(text, ends[-1])):
            words.append(following.group(1).lower())
            ends.append(following.end())
        value, used = _read_number_words(words)
        if value is None or used == 0:
            continue
        pieces.append(text[done:start])
        pieces.append(format_decimal(value))
        done = ends[used - 1]
    pieces.append(text[done:])
    return "".join(pieces)


NUM: Final = r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"


def to_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def to_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def scale_value(word: str) -> Decimal:
    word = word.lower().rstrip("s")
    if word == "hundred":
        return Decimal(100)
    return Decimal(SCALE_WORDS.get(word, 1))
