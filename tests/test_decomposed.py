"""The decomposed strategy: its choosers' algorithms, and its records from code candidates.

The model itself is exercised in tests/test_decomposed_model.py (embedded model, slow) and
by replaying the recordings made through llama-cpp-python's server.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from summarizer.articles import read_article
from summarizer.chunking import Chunk
from summarizer.extract.base import CallTally
from summarizer.extract.candidates import find_candidates
from summarizer.extract.decomposed import DecomposedStrategy, chooser_for, lead_summary
from summarizer.extract.questions import Ask, all_prompt_refs, prompt_ref
from summarizer.extract.scoring import FirstChooser, GreedyChooser, Question, gbnf_choice
from summarizer.grounding import check_draft

ARTICLES = Path(__file__).resolve().parent.parent / "fixtures" / "articles"


class TableModel:
    """Next-token log-probs from a fixed table: the algorithm under test is the chooser's."""

    def __init__(self, table: dict[str, list[tuple[str, float]]]) -> None:
        self.table = table
        self.prompts: list[str] = []

    def allowed_next(
        self, prompt: str, rests: Sequence[str], tally: CallTally
    ) -> list[tuple[str, float]]:
        self.prompts.append(prompt)
        tally.add(len(prompt), 1, "length")
        return [(t, p) for t, p in self.table[prompt] if any(r.startswith(t) for r in rests)]


def _question(wordings: list[str]) -> Question:
    labels = tuple(w.strip() for w in wordings)
    return Question("donor", "Q:", "chat", labels, tuple(wordings))


def test_greedy_takes_the_most_likely_token_allowed_by_the_options() -> None:
    model = TableModel({"Q:": [(" The", -0.5), (" Ukraine", -2.0), (" Russia", -3.0)]})
    chosen = GreedyChooser(model).choose(_question([" Russia", " Ukraine"]), CallTally())
    assert chosen == 1  # " The" starts no option; " Ukraine" is the likeliest that does


def test_greedy_descends_when_options_share_their_first_token() -> None:
    model = TableModel(
        {
            "Q:": [(" United", -0.1), (" Russia", -2.0)],
            "Q: United": [(" Kingdom", -1.5), (" States", -0.2)],
        }
    )
    tally = CallTally()
    question = _question([" United Kingdom", " United States", " Russia"])
    assert GreedyChooser(model).choose(question, tally) == 1
    assert model.prompts == ["Q:", "Q: United"]
    assert tally.calls == 2


def test_greedy_keeps_the_first_option_when_no_token_begins_one() -> None:
    model = TableModel({"Q:": [(" The", -0.1), (" A", -1.0)]})
    assert GreedyChooser(model).choose(_question([" Russia", " Ukraine"]), CallTally()) == 0


def test_a_single_option_needs_no_model_call() -> None:
    model = TableModel({})
    assert GreedyChooser(model).choose(_question([" Russia"]), CallTally()) == 0
    assert model.prompts == []


def test_questions_share_the_sentence_prefix_and_have_their_own_prompt_ids() -> None:
    ask = Ask("Today, the United States announced nearly $424 million in aid for Sudan.")
    donor = ask.role("donor", "nearly $424 million", ["United States", "Sudan"])
    stage = ask.label("stage", "nearly $424 million")
    common = donor.prompt[: donor.prompt.index("Question:")]
    assert stage.prompt.startswith(common) and common.startswith("Sentence: ")
    assert donor.prompt.endswith("Answer:") and donor.wordings == (" United States", " Sudan")
    assert stage.labels[0] == "announced"
    refs = all_prompt_refs()
    assert len({r.id for r in refs}) == len(refs) and prompt_ref("stage") in refs
    assert all(len(r.sha256) == 64 for r in refs)


def _run(name: str, chooser: object) -> tuple[object, object]:
    article = read_article(ARTICLES / name)
    strategy = DecomposedStrategy(chooser)  # type: ignore[arg-type]
    tally = CallTally()
    result = strategy.extract(article, Chunk(0, len(article.text), article.text), tally)
    return article, result


def test_without_a_model_every_record_is_grounded_and_the_quotes_are_found() -> None:
    article, result = _run("000_nk-missiles-russia.txt", FirstChooser())
    draft = result.draft  # type: ignore[attr-defined]
    published = article.meta.published.isoformat()  # type: ignore[attr-defined]
    assert check_draft(draft, article.text, published=published) == []  # type: ignore[attr-defined]
    assert [q.speaker for q in draft.quotes] == ["White House", *["John Kirby"] * 4]
    assert draft.quotes[1].speaker_role == "White House spokesperson for national security issues"
    assert [a.amount for a in draft.aid] == ["$250 million"]
    assert draft.aid[0].donor == "United States" and draft.aid[0].recipient == "Ukraine"
    weapons = {t.weapon for t in draft.transfers}
    assert {"fighter aircraft", "surface to air missiles", "other advanced technology"} <= weapons


def test_amounts_take_their_own_mechanism_and_date() -> None:
    _, result = _run("002_dod-820m-pda-usai.txt", FirstChooser())
    by_amount = {a.amount: a for a in result.draft.aid}  # type: ignore[attr-defined]
    assert by_amount["up to $50 million"].mechanism == "Presidential Drawdown"
    assert by_amount["$770 million"].mechanism == "USAI"
    assert by_amount["$820 million"].date == "This afternoon"


def test_lead_summary_skips_page_furniture() -> None:
    article = read_article(ARTICLES / "014_usaid-sudan-424m.txt")
    summary = lead_summary(
        find_candidates(article.text, article.meta.published),
        frozenset(["For Immediate Release", "Press Release", "Office of Press Relations"]),
    )
    assert summary.startswith("Today, the United States announced nearly $424 million")


def test_decodings_that_need_a_model_refuse_to_run_without_one() -> None:
    from summarizer.errors import ConfigurationError

    assert isinstance(chooser_for(None, "first"), FirstChooser)
    with pytest.raises(ConfigurationError, match="needs a model"):
        chooser_for(None, "greedy")


def test_the_grammar_allows_exactly_the_wordings() -> None:
    assert gbnf_choice([' It was "announced".', " It was approved.", " It was approved."]) == (
        'root ::= " It was \\"announced\\"." | " It was approved."'
    )
