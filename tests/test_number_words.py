"""`words_to_digits` jumps between the places a number can begin; these tests hold it to the
plain word-by-word reading it replaced (every word tried as a start), on the fixture
articles and on generated texts full of the edge cases: hyphens, case, look-alike letters
(the Kelvin sign lower-cases to "k", dotted I grows longer), "a"/"half" with and without a
multiplier, white space of every kind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.normalize.numbers import _read_number_words, format_decimal, words_to_digits

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "articles"
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_STARTS = {
    *["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
    *[
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ],
    *["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"],
    "a",
    "an",
    "half",
}


def word_by_word(text: str) -> str:
    """The reference: every word of the text tried as the start of a number."""
    words = list(_WORD.finditer(text))
    pieces, done, i = [], 0, 0
    while i < len(words):
        first = words[i].group().lower()
        if first.split("-", 1)[0] not in _STARTS:
            i += 1
            continue
        run, j = [first], i + 1
        while j < len(words) and text[words[j - 1].end() : words[j].start()].isspace():
            run.append(words[j].group().lower())
            j += 1
            if j - i > 12:
                break
        value, used = _read_number_words(run)
        if value is None or used == 0:
            i += 1
            continue
        pieces += [text[done : words[i].start()], format_decimal(value)]
        done = words[i + used - 1].end()
        i += used
    return "".join(pieces) + text[done:]


VOCABULARY = [
    *sorted(_STARTS),
    "Two", "THREE", "Twenty-Two", "ninety-nine", "one-off", "x-one", "well-known", "someone",
    "often", "tent", "hundred", "Hundred", "hundreds", "dozen", "dozens", "thousand",
    "MILLION", "billion", "trillion", "million-strong", "hundred-fold", "and", "And", "or",
    "of", "drones", "A", "An", "aN", "HALF", "Half", "half-a", "a-one", "ban", "behalf",
    "\u212a", "one\u212a", "\u212aone", "\u0130", "s\u0130x", "\u017fix", "thou\u017fand",
    "12", "3.5", "1,000", "-", "--", ".", ",", ":", "km", "5km", "5-", "x",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", "  ", "\n", "\n\n", "\t", "\u00a0", "\u2009", "", "-", ", ", ". "]


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(st.sampled_from(VOCABULARY), st.sampled_from(SEPARATORS))))
    return "".join(word + separator for word, separator in parts)


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(texts())
def test_generated_texts_read_as_word_by_word(text: str) -> None:
    assert words_to_digits(text) == word_by_word(text)


@pytest.mark.parametrize("path", sorted(ARTICLES.glob("*.txt")), ids=lambda p: p.name)
def test_fixture_articles_read_as_word_by_word(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert words_to_digits(text) == word_by_word(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("eighty-two HIMARS", "82 HIMARS"),
        ("a hundred drones and a dozen tanks", "100 drones and 12 tanks"),
        ("half a million shells", "500000 shells"),
        ("Half An hundred", "50"),
        ("a plan, half of it", "a plan, half of it"),
        ("one hundred and twenty", "120"),
        ("a million-strong army", "a million-strong army"),
        ("someone often went", "someone often went"),
        ("two and a half years", "2.5 years"),
        ("s\u0130x and six", "s\u0130x and 6"),  # a text read word by word
    ],
)
def test_examples(text: str, expected: str) -> None:
    assert words_to_digits(text) == expected
