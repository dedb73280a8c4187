"""Code-found candidates: real phrasings from the corpus, offsets exact by construction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from summarizer.articles import read_article
from summarizer.extract.candidates import (
    find_candidates,
    find_dates,
    find_money,
    find_weapons,
    split_sentences,
    weapon_lexicon,
)

ARTICLES = Path(__file__).resolve().parent.parent / "fixtures" / "articles"


def _texts(found: list) -> list[str]:  # type: ignore[type-arg]
    return [c.text for c in found]


def test_sentences_do_not_end_at_abbreviations() -> None:
    text = (
        "Russia used at least one of those missiles in a Dec. 30, 2023, strike. "
        "Kirby said the U.S. determined it landed in a field. Officials are assessing it."
    )
    sentences = [s.text for s in split_sentences(text)]
    assert sentences == [
        "Russia used at least one of those missiles in a Dec. 30, 2023, strike.",
        "Kirby said the U.S. determined it landed in a field.",
        "Officials are assessing it.",
    ]


def test_money_keeps_its_qualifier_and_skips_bare_numbers() -> None:
    text = (
        "This includes an authorization valued at up to $50 million, as well as $770 million "
        "in USAI funds, and 150,000 rounds. The Council adopted a measure worth €5 million."
    )
    found = _texts(find_money(text, 0, len(text)))
    assert found == ["up to $50 million", "$770 million", "€5 million"]


@pytest.mark.parametrize(
    ("phrase", "iso"),
    [
        ("in a Dec. 30, 2023, strike", "2023-12-30"),
        ("during a strike carried out Tuesday", "2024-01-02"),
        ("fired some 500 missiles from Dec. 29 to Jan. 2, according", "2023-12-29"),
        ("in funding in late December to bolster", "2023-12-21"),
        ("the total since April 2023 to more", "2023-04-01"),
    ],
)
def test_dates_resolve_against_the_publication_date(phrase: str, iso: str) -> None:
    found = find_dates(phrase, 0, len(phrase), dt.date(2024, 1, 4))
    assert [c.value for c in found] == [iso]


def test_weapons_extend_over_designations_and_merge_a_designation_with_its_noun() -> None:
    text = (
        "TECRO has requested to buy eighty-two (82) M142 High Mobility Artillery Rocket Systems "
        "(HIMARS); Russia has received shipments of Iranian Fath-360 close-range ballistic "
        "missiles and is seeking fighter aircraft, surface to air missiles and other advanced "
        "technology."
    )
    found = find_weapons(text, 0, len(text))
    assert [(c.text, c.value, c.designation) for c in found] == [
        ("M142 High Mobility Artillery Rocket Systems", "artillery", "HIMARS"),
        ("Fath-360 close-range ballistic missiles", "missile", "Fath-360"),
        ("fighter aircraft", "aircraft", None),
        ("surface to air missiles", "air_defence", None),
        ("other advanced technology", "technology", None),
    ]


def test_lexicon_categories_are_spec_categories() -> None:
    allowed = {
        "missile", "air_defence", "aircraft", "drone", "armoured_vehicle", "artillery",
        "ammunition", "naval", "small_arms", "equipment", "technology", "other",
    }  # fmt: skip
    assert {category for category, _ in weapon_lexicon().lookup.values()} <= allowed


@pytest.mark.parametrize("path", sorted(ARTICLES.glob("*.txt")), ids=lambda p: p.stem)
def test_every_candidate_is_a_slice_of_the_article(path: Path) -> None:
    article = read_article(path)
    found = find_candidates(article.text, article.meta.published)
    assert found.sentences
    for sentence in found.sentences:
        assert article.text[sentence.start : sentence.end] == sentence.text
        assert sentence.paragraph[0] <= sentence.start < sentence.end <= sentence.paragraph[1]
        for candidate in sentence.candidates:
            assert article.text[candidate.start : candidate.end] == candidate.text
            assert sentence.start <= candidate.start < candidate.end <= sentence.end
    for quotation in found.quotations:
        assert article.text[quotation.start : quotation.end] == quotation.text


def test_the_starting_article_yields_its_actors_amount_and_quotations() -> None:
    article = read_article(ARTICLES / "000_nk-missiles-russia.txt")
    found = find_candidates(article.text, article.meta.published)
    actors = {c.value for s in found.sentences for c in s.of_kind("actor")}
    assert {"Russia", "North Korea", "Ukraine", "United States"} <= actors
    money = [c.text for s in found.sentences for c in s.of_kind("money")]
    assert money == ["$250 million"]
    first_words = [q.text.split()[0] for q in found.quotations]
    assert first_words == ["concerning", "We", "This", "Due", "As"]
