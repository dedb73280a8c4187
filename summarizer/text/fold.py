"""The one fold table: typographic variants (quote marks, dashes, spaces) and their plain form.

Models copy article text with straight quotes where the article has curly ones, hyphens for
dashes and plain spaces for no-break spaces. Grounding (finding a quote in the article) and
normalization (reading a value as written) must agree on what counts as the same character,
so both fold through this table and nowhere else.

`fold` keeps a map from every folded character back to the original text, so a match found
in folded text is reported at the original offsets; `fold_chars` is the plain translation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["FOLD_TABLE", "FoldedText", "fold", "fold_chars", "fold_key"]

FOLD_TABLE: Final[dict[str, str]] = {
    # single quotes, apostrophes, primes
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    # double quotes
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    # hyphens, dashes, minus
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-",
    # no-break and thin spaces
    "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    # ellipsis
    "\u2026": "...",
}  # fmt: skip
_TRANSLATION: Final = str.maketrans(FOLD_TABLE)


def fold_chars(text: str) -> str:
    """`text` with every variant of the table replaced by its plain form (no other change)."""
    return text.translate(_TRANSLATION)


def fold_key(text: str) -> str:
    """Folded, white space collapsed, case-folded: a key for comparing short strings."""
    return " ".join(fold_chars(text).split()).casefold()


@dataclass(frozen=True)
class FoldedText:
    """Text with white space collapsed and variants folded, mapped to the original."""

    folded: str
    origin: tuple[int, ...]  # origin[i] = index in the original of folded[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span that folded[start:end] came from."""
        return self.origin[start], self.origin[end - 1] + 1


def fold(text: str) -> FoldedText:
    """Fold `text` (table + runs of white space become one space, ends trimmed)."""
    chars: list[str] = []
    origin: list[int] = []
    previous_space = True  # drops leading white space
    for index, char in enumerate(text):
        folded = FOLD_TABLE.get(char, char)
        if folded.isspace():
            if previous_space:
                continue
            folded, previous_space = " ", True
        else:
            previous_space = False
        for piece in folded:
            chars.append(piece)
            origin.append(index)
    while chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return FoldedText("".join(chars), tuple(origin))
