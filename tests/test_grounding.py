"""Grounding: locating quotes (exact, folded, fuzzy) and checking names and numbers.

Phrasings come from the example article, which has curly quotes and no-break spaces.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.articles import read_article
from summarizer.drafts import Draft
from summarizer.grounding import (
    check_draft,
    locate,
    name_in_article,
    number_in_article,
    partition_draft,
)

TEXT = read_article(
    Path(__file__).parent.parent / "fixtures" / "articles" / "000_nk-missiles-russia.txt"
).text


def test_exact_quote_keeps_its_offsets() -> None:
    quote = "Officials are still assessing the impacts of the Jan. 2 launch, he said."
    found = locate(quote, TEXT)
    assert found is not None and TEXT[found.start : found.end] == quote == found.quote


@pytest.mark.parametrize(
    "model_quote",
    [
        # straight quote marks where the article has curly ones
        'calling it a "concerning escalation" of Pyongyang\'s support for Moscow',
        # plain spaces where the article has no-break spaces, and a line break
        "The Biden administration announced a final round of $250 million in funding",
        "The Biden administration announced a final round of\n$250 million",
        # quote marks and an ellipsis wrapped around the quote
        "“Russia used at least one of those missiles in a Dec. 30, 2023, strike against Ukraine…”",
    ],
)
def test_folded_match_returns_the_articles_own_characters(model_quote: str) -> None:
    found = locate(model_quote, TEXT)
    assert found is not None
    assert TEXT[found.start : found.end] == found.quote
    assert found.quote != model_quote or model_quote in TEXT


def test_fuzzy_match_tolerates_a_small_slip_in_a_long_quote() -> None:
    slipped = (
        "Kirby said the US determined the Dec. 30 missile appeared to have landed in an open field"
    )
    found = locate(slipped, TEXT)
    assert found is not None and "U.S. determined" in found.quote
    assert TEXT[found.start : found.end] == found.quote


@pytest.mark.parametrize(
    "invented",
    [
        "We will not let Ukraine stand alone,",  # the prompt's made-up example
        "North Korea sent 40 CV90 infantry fighting vehicles to Russia",
    ],
)
def test_invented_quotes_are_not_found(invented: str) -> None:
    assert locate(invented, TEXT) is None


def test_short_quotes_are_not_fuzzy_matched() -> None:
    assert locate("open fields", TEXT) is None
    assert locate("open field", TEXT) is not None


def test_names_match_through_aliases_and_whole_words_only() -> None:
    assert name_in_article("DPRK", TEXT, actor=True)
    assert name_in_article("Democratic People's Republic of Korea", TEXT, actor=True)
    assert name_in_article("United States", TEXT, actor=True)
    assert name_in_article("Ukraine's civilian infrastructure", TEXT)
    assert not name_in_article("Belarus", TEXT, actor=True)
    assert not name_in_article("Kharkiv", TEXT)


def test_numbers_must_occur_in_the_article() -> None:
    assert number_in_article("$250 million", TEXT)
    assert number_in_article("250 million dollars", TEXT)  # every number occurs
    assert number_in_article("more than 1,000 containers", TEXT)
    assert not number_in_article("$9 billion", TEXT)
    assert not number_in_article("1,200 containers", TEXT)


def _draft(**records: object) -> Draft:
    return Draft.model_validate(
        {"summary": "s", "events": [], "aid": [], "transfers": [], "quotes": [], **records}
    )


def test_check_draft_names_every_problem_with_its_path() -> None:
    draft = _draft(
        transfers=[
            {
                "evidence": [
                    "North Korea had recently provided Russia with a ballistic missile launcher"
                ],
                "supplier": "Belarus",
                "recipient": "Russia",
                "weapon": "Fath-360",
                "status": "delivered",
                "description": "d",
            }
        ],
        quotes=[{"speaker": "John Kirby", "text": "We will not let Ukraine stand alone,"}],
    )
    reasons = {(p.path, p.reason.split(" ")[0]) for p in check_draft(draft, TEXT)}
    assert reasons == {
        ("transfers[0]", "supplier"),
        ("transfers[0]", "weapon"),
        ("quotes[0]", "text"),
    }


def test_partition_keeps_located_evidence_and_reports_the_rest() -> None:
    good = "Officials are still assessing the impacts of the Jan. 2 launch, he said."
    draft = _draft(
        events=[
            {
                "evidence": [good, "Missiles hit Lviv on Jan. 2."],
                "kind": "missile_strike",
                "date": "Jan. 2",
                "description": "d",
            },
            {
                "evidence": ["An invented strike on Odesa."],
                "kind": "drone_strike",
                "description": "d",
            },
        ]
    )
    kept, rejected = partition_draft(draft, TEXT)
    assert len(kept.events) == 1 and kept.events[0].evidence == [good]
    assert [r.kind for r in rejected] == ["event", "event"]
    assert "quote dropped" in rejected[0].reason
    assert "Odesa" in rejected[1].raw
