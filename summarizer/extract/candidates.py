"""Code-found candidate spans for the `decomposed` strategy, with offsets known by construction.

Every candidate is a slice of the article: `text[c.start:c.end] == c.text` holds because
candidates are found by matching the article itself, never by searching for a model's
words. A `Sentence` carries the candidates inside it; the strategy asks the model only to
choose among them.

What is found here, and from what:
- sentences (abbreviation-aware: "U.S." and "Dec. 30" do not end a sentence), each inside
  one line of the article, with the paragraph it belongs to;
- money ("up to $700 million", "€5 million") and counts ("eighty-two (82)", "some 500"),
  checked with the normalization parsers, qualifier words included;
- date expressions ("Dec. 30, 2023", "Tuesday", "since April 2023", "this afternoon"),
  kept only when the date parser resolves them against the publication date;
- quotations between quotation marks, with the sentence that attributes them;
- actor mentions from the alias table (`data/aliases.json`), people ("John Kirby") and
  their stated roles;
- weapon mentions from the weapons lexicon (`data/weapons.json`), with a SPEC category.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

from summarizer.normalize import canonical_entity, parse_date, parse_money
from summarizer.schemas import WeaponCategory

CandidateKind = Literal["money", "count", "date", "actor", "person", "weapon"]


@dataclass(frozen=True)
class Candidate:
    """A span of the article; `value` is its canonical form (actor name, category, ...)."""

    kind: CandidateKind
    start: int
    end: int
    text: str
    value: str = ""
    designation: str | None = None


@dataclass(frozen=True)
class Quotation:
    """Words between a pair of quotation marks; `start`/`end` exclude the marks."""

    start: int
    end: int
    text: str
    sentence: int  # index of the sentence holding the opening mark


@dataclass
class Sentence:
    start: int
    end: int
    text: str
    paragraph: tuple[int, int]
    candidates: list[Candidate] = field(default_factory=list)

    def of_kind(self, kind: CandidateKind) -> list[Candidate]:
        return [c for c in self.candidates if c.kind == kind]


# --------------------------------------------------------------------------- data files


def _data(name: str) -> dict[str, Any]:
    raw = resources.files("summarizer").joinpath(f"data/{name}").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(raw)
    return loaded


@dataclass(frozen=True)
class _Lexicon:
    pattern: re.Pattern[str]
    lookup: dict[str, tuple[WeaponCategory, str | None]]  # folded name -> (category, designation)
    modifiers: frozenset[str]


def _fold_name(name: str) -> str:
    return " ".join(name.casefold().replace("\u2011", "-").split())


def _alternation(names: Iterable[str], plural: bool) -> str:
    ordered = sorted(set(names), key=len, reverse=True)
    suffix = r"(?:e?s)?" if plural else ""
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") + suffix for n in ordered)


@functools.cache
def weapon_lexicon() -> _Lexicon:
    """The weapons lexicon, one regex for all its names (longest first)."""
    data = _data("weapons.json")
    lookup: dict[str, tuple[WeaponCategory, str | None]] = {}
    systems: list[str] = []
    generic: list[str] = []
    for entry in data["systems"]:
        for name in entry["names"]:
            lookup[_fold_name(name)] = (entry["category"], entry["designation"])
            systems.append(name)
    for entry in data["generic"]:
        lookup.setdefault(_fold_name(entry["term"]), (entry["category"], None))
        generic.append(entry["term"])
    pattern = re.compile(
        rf"(?<![\w-])(?:(?P<system>{_alternation(systems, True)})"
        rf"|(?i:(?P<generic>{_alternation(generic, True)})))(?![\w-])"
    )
    modifiers = frozenset(m.casefold() for m in data["modifiers"])
    return _Lexicon(pattern, lookup, modifiers)


def _weapon_entry(matched: str) -> tuple[WeaponCategory, str | None]:
    folded = _fold_name(matched)
    table = weapon_lexicon().lookup
    for key in (folded, re.sub(r"es$", "", folded), re.sub(r"s$", "", folded)):
        if key in table:
            return table[key]
    return "other", None


@functools.cache
def _extra_actor_names() -> dict[str, str]:
    """Names for an actor that the alias table does not hold (data/decomposed.json)."""
    extra: dict[str, str] = _data("decomposed.json")["actor_names"]
    return extra


@functools.cache
def _actor_pattern() -> re.Pattern[str]:
    entities: dict[str, dict[str, list[str]]] = _data("aliases.json")["entities"]
    names: set[str] = set()
    for canonical, entry in entities.items():
        names.add(canonical)
        names.update(entry.get("aliases", []))
        names.update(entry.get("metonyms", []))
    names.update(_extra_actor_names())
    names = {n.removeprefix("the ") for n in names}
    variants = {v for n in names for v in (n, n.replace("'", "\u2019"))}
    # Case-sensitive: "US" is the United States, "us" is not.
    return re.compile(rf"(?<![\w.])(?:{_alternation(variants, False)})(?![\w])")


# --------------------------------------------------------------------------- sentences

_SENTENCE_BREAK = re.compile(r"[.!?][\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")
_LINE = re.compile(r"[^\n]+")


@functools.cache
def _word_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(abbreviations that do not end a sentence, capitalised words that are not names)."""
    data = _data("decomposed.json")
    return frozenset(data["abbreviations"]), frozenset(data["not_names"])


def _ends_abbreviation(line: str, dot: int) -> bool:
    word = re.search(r"([\w.]+)$", line[:dot])
    if word is None:
        return False
    token = word.group(1).casefold().rstrip(".")
    return token in _word_lists()[0] or len(token) == 1


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in re.finditer(r"(?:[^\n]|\n(?!\s*\n))+", text):
        start, end = match.span()
        piece = text[start:end]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if end - trail > start + lead:
            spans.append((start + lead, end - trail))
    return spans


def split_sentences(text: str) -> list[Sentence]:
    """Every sentence of `text`, each inside one line, with its paragraph's span."""
    sentences: list[Sentence] = []
    for paragraph in _paragraphs(text):
        for line in _LINE.finditer(text, *paragraph):
            cursor = line.start()
            body = line.group()
            for brk in _SENTENCE_BREAK.finditer(body):
                if body[brk.start()] == "." and _ends_abbreviation(body, brk.start()):
                    continue
                end = line.start() + brk.end()
                _add_sentence(sentences, text, cursor, end, paragraph)
                cursor = end
            _add_sentence(sentences, text, cursor, line.end(), paragraph)
    return sentences


def _add_sentence(
    out: list[Sentence], text: str, start: int, end: int, paragraph: tuple[int, int]
) -> None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    stripped_end = start + len(piece.rstrip())
    if stripped_end > start + lead:
        begin = start + lead
        out.append(Sentence(begin, stripped_end, text[begin:stripped_end], paragraph))


# --------------------------------------------------------------------------- numbers

_QUALIFIER = (
    r"(?:(?:up\s+to|as\s+many\s+as|more\s+than|over|in\s+excess\s+of|at\s+least|no\s+fewer\s+than|"
    r"less\s+than|fewer\s+than|under|some|about|around|nearly|almost|approximately|roughly|"
    r"an\s+estimated|estimated|a\s+total\s+of)\s+)"
)
_NUMBER_WORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundred|thousand)"
)
_WORDY = rf"{_NUMBER_WORD}(?:[\s-]+(?:and\s+)?{_NUMBER_WORD})*"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"(?:\s*(?:million|billion|trillion|thousand|bn|mn)\b)"
_MONEY = re.compile(
    rf"(?i:{_QUALIFIER}?)(?:US\$|\$|€|£|¥)\s?(?:{_DIGITS})(?i:{_SCALE})?"
    rf"|(?i:{_QUALIFIER}?)(?:{_DIGITS})(?i:{_SCALE})?\s?"
    r"(?:euros?|dollars|pounds sterling|EUR|USD|GBP)\b"
)
_COUNT = re.compile(
    rf"(?<![\w$€£.,])(?i:{_QUALIFIER}?)"
    rf"(?:(?i:{_WORDY})\s*\((?:{_DIGITS})\)|(?:{_DIGITS})(?!\s*(?:%|percent))(?![\d,])"
    rf"|(?i:{_WORDY})(?![\w-])|(?i:several|multiple|dozens|hundreds|thousands|scores)(?!\w)"
    rf"|\b[Aa]n?(?=\s+(?:[\w-]+\s+){{0,3}}?(?:aircraft|radar|launcher)\b))"
)


def find_money(text: str, start: int, end: int) -> list[Candidate]:
    found = []
    for match in _MONEY.finditer(text, start, end):
        money = parse_money(match.group())
        if money.amount is not None:
            found.append(Candidate("money", match.start(), match.end(), match.group(),
                                   value=money.currency or ""))  # fmt: skip
    return found


def find_counts(text: str, start: int, end: int, money: list[Candidate]) -> list[Candidate]:
    """Counts that are not part of money, a date or a designation."""
    found = []
    for match in _COUNT.finditer(text, start, end):
        a, b = match.span()
        if any(m.start <= a < m.end or m.start < b <= m.end for m in money):
            continue
        after = text[b : b + 12]
        before = text[max(0, a - 12) : a]
        if re.match(r"(?:\s*(?:,\s*\d{4}|percent|%)|mm\b|[A-Za-z])", after):
            continue  # a day of month, a percentage, a calibre
        if re.search(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s*$", before):
            continue
        if re.search(r"[A-Z][\w-]*-$|[A-Z]$", before):
            continue
        found.append(Candidate("count", a, b, match.group()))
    return found


# --------------------------------------------------------------------------- dates

_MONTH = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
    r"Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAY_MONTH_YEAR = rf"{_MONTH}\s+\d{{1,2}}(?!\d)(?:,\s*\d{{4}})?|\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?"
_MONTH_YEAR = rf"(?:(?:early|mid|late)[\s-]+)?{_MONTH}(?:\s+\d{{4}})?"
_DATE = re.compile(
    rf"(?:\b[Ff]rom\s+(?:{_DAY_MONTH_YEAR})\s+(?:to|through|until)\s+(?:{_DAY_MONTH_YEAR}))"
    rf"|(?:\b[Ss]ince\s+(?:{_DAY_MONTH_YEAR}|{_MONTH_YEAR}|\d{{4}}|the\s+beginning\s+of\s+"
    rf"(?:the|this)\s+(?:[A-Z]\w+\s+)?[Aa]dministration))"
    rf"|(?:\d{{1,2}}/\d{{1,2}}/\d{{4}})"
    rf"|(?:\b(?:{_DAY_MONTH_YEAR})\b)"
    rf"|(?:\b(?:in\s+)?(?:early|mid|late)[\s-]+{_MONTH}\b)"
    rf"|(?:\bin\s+{_MONTH}(?:\s+\d{{4}})?\b)"
    rf"|(?:\b(?:in\s+)?[Ff]iscal\s+[Yy]ear\s+\d{{4}}\b)"
    rf"|(?:\bin\s+(?:19|20)\d{{2}}\b)"
    rf"|(?:\b(?:[Ee]arlier\s+today|[Tt]oday|[Yy]esterday|[Tt]his\s+(?:morning|afternoon|evening)|"
    rf"[Ll]ast\s+(?:night|week|month|year)|[Ee]arly\s+this\s+morning|[Tt]onight)\b)"
    rf"|(?:\b(?:on\s+|last\s+)?{_WEEKDAY}\b)"
)


def find_dates(text: str, start: int, end: int, published: dt.date | None) -> list[Candidate]:
    found = []
    for match in _DATE.finditer(text, start, end):
        phrase = match.group()
        if re.fullmatch(rf"{_MONTH}", phrase) and phrase in ("May", "March"):
            continue
        resolved = parse_date(phrase, published)
        if resolved is not None:
            found.append(Candidate("date", match.start(), match.end(), phrase,
                                   value=resolved.start.isoformat()))  # fmt: skip
    return found


# --------------------------------------------------------------------------- actors, people

_NAME_WORD = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_PERSON = re.compile(
    rf"\b(?:{_NAME_WORD}\s+(?:[A-Z]\.\s+)?){{1,2}}{_NAME_WORD}\b|\b[A-Z]{{2,}}\s(?=\w)(?!)"
)


def find_actors(text: str, start: int, end: int) -> list[Candidate]:
    found = []
    for match in _actor_pattern().finditer(text, start, end):
        canonical = _extra_actor_names().get(match.group()) or canonical_entity(
            match.group(), actor=True
        )
        found.append(Candidate("actor", match.start(), match.end(), match.group(), canonical))
    return found


def find_people(text: str, start: int, end: int, actors: list[Candidate]) -> list[Candidate]:
    """Personal names: two or three capitalised words that are not a known entity."""
    found = []
    for match in _PERSON.finditer(text, start, end):
        words = match.group().split()
        not_names = _word_lists()[1]
        while words and words[0] in not_names:
            words = words[1:]
        if len(words) < 2 or any(w in not_names for w in words) or re.search(_MONTH, words[0]):
            continue
        name = " ".join(words)
        a = match.end() - len(name) if match.group().endswith(name) else match.start()
        if any(x.start <= a < x.end for x in actors):
            continue
        found.append(Candidate("person", a, a + len(name), text[a : a + len(name)], name))
    return found


# --------------------------------------------------------------------------- weapons


def find_weapons(text: str, start: int, end: int) -> list[Candidate]:
    """Weapon mentions, extended left over designations and modifiers ("M142 HIMARS")."""
    lexicon = weapon_lexicon()
    found: list[Candidate] = []
    for match in lexicon.pattern.finditer(text, start, end):
        entry: tuple[str, str | None] = _weapon_entry(match.group())
        category, designation = entry
        a, b = match.span()
        # A designation standing right before a generic term names it ("Fath-360 ... missiles").
        if (
            found
            and found[-1].designation
            and not designation
            and (re.fullmatch(r"[\s\w-]{0,30}", text[found[-1].end : a]) is not None)
        ):
            between = text[found[-1].end : a].split()
            if all(w.casefold() in lexicon.modifiers for w in between):
                previous = found.pop()
                a, designation = previous.start, previous.designation
                category = previous.value  # a system's own
        if (
            found
            and found[-1].designation
            and designation == found[-1].designation
            and (re.fullmatch(r"\s*\(", text[found[-1].end : a]) is not None)
        ):
            continue  # "(HIMARS)" after the full name
        a = _extend_left(text, a, start, lexicon.modifiers)
        found.append(Candidate("weapon", a, b, text[a:b], category, designation))
    return found


def _extend_left(text: str, a: int, floor: int, modifiers: frozenset[str]) -> int:
    while True:
        word = re.search(r"([\w.-]+)\s+$", text[floor:a])
        if word is None:
            return a
        token = word.group(1)
        designation_like = bool(re.fullmatch(r"[A-Z]{1,3}\d[\w.-]*|\d+mm|[A-Z][\w]*-\d+\w*", token))
        if not (designation_like or token.casefold() in modifiers):
            return a
        a = floor + word.start(1)


# --------------------------------------------------------------------------- quotations

_QUOTE_PAIRS = re.compile(r"“([^”]{2,}?)”|\"([^\"\n]{2,}?)\"")


def find_quotations(text: str, sentences: list[Sentence]) -> list[Quotation]:
    quotations = []
    for match in _QUOTE_PAIRS.finditer(text):
        group = 1 if match.group(1) is not None else 2
        a, b = match.span(group)
        owner = next((i for i, s in enumerate(sentences) if s.start <= a - 1 < s.end), None)
        if owner is None:
            continue
        quotations.append(Quotation(a, b, text[a:b], owner))
    return quotations


# --------------------------------------------------------------------------- all together


@dataclass
class Candidates:
    """Everything code found in one article text."""

    sentences: list[Sentence]
    quotations: list[Quotation]

    def around(self, index: int, kind: CandidateKind, reach: int = 3) -> Iterator[Candidate]:
        """Candidates of `kind` in sentence `index`, then earlier ones in its paragraph."""
        sentence = self.sentences[index]
        yield from sentence.of_kind(kind)
        for back in range(index - 1, max(-1, index - 1 - reach), -1):
            other = self.sentences[back]
            if other.paragraph != sentence.paragraph:
                break
            yield from other.of_kind(kind)


def find_candidates(text: str, published: dt.date | None) -> Candidates:
    sentences = split_sentences(text)
    for sentence in sentences:
        a, b = sentence.start, sentence.end
        money = find_money(text, a, b)
        actors = find_actors(text, a, b)
        sentence.candidates = sorted(
            [
                *money,
                *find_counts(text, a, b, money),
                *find_dates(text, a, b, published),
                *actors,
                *find_people(text, a, b, actors),
                *find_weapons(text, a, b),
            ],
            key=lambda c: (c.start, -c.end),
        )
    return Candidates(sentences, find_quotations(text, sentences))
