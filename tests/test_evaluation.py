"""The scorer of `summarizer.evaluation`: hand-computed cases and properties.

Every expectation below is worked out by hand from the counting rules in the module
docstring; the article is a few sentences and every offset is exact.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from summarizer import evaluation as ev
from summarizer.errors import InputError
from summarizer.schemas import (
    AidFigure,
    ArticleMeta,
    ArticleSummary,
    Attribution,
    DateRef,
    Event,
    Evidence,
    Money,
    Provenance,
    Quantity,
    Quote,
    WeaponsTransfer,
)

TEXT = (
    "Russia fired 40 missiles at Kyiv on 2 January 2024. "
    "The United States announced $250 million in military aid for Ukraine. "
    "North Korea supplied Russia with ballistic missiles and a launcher. "
    '"We will respond to this escalation," John Kirby said.'
)
ARTICLE_ID = "t1"


def evidence(quote: str) -> Evidence:
    start = TEXT.index(quote)
    return Evidence(quote=quote, start=start, end=start + len(quote))


def day(year: int, month: int, date: int) -> DateRef:
    return DateRef(text="day", start=dt.date(year, month, date), precision="day")


def event(**changes: Any) -> Event:
    values: dict[str, Any] = {
        "kind": "missile_strike",
        "date": day(2024, 1, 2),
        "attacker": "Russia",
        "location": "Kyiv",
        "munitions": Quantity(text="40 missiles", value=40, unit="missiles"),
        "description": "Russia fired 40 missiles at Kyiv",
        "evidence": [evidence("Russia fired 40 missiles at Kyiv on 2 January 2024.")],
    }
    values.update(changes)
    return Event(**values)


# Filled fields of `event()`: kind, date, attacker, location, munitions.value,
# munitions.qualifier, description.
EVENT_FIELDS = 7


def aid(**changes: Any) -> AidFigure:
    values: dict[str, Any] = {
        "donor": "United States",
        "recipient": "Ukraine",
        "amount": Money(text="$250 million", amount=250e6, currency="USD"),
        "aid_type": "military",
        "stage": "announced",
        "description": "US military aid for Ukraine",
        "evidence": [evidence("The United States announced $250 million in military aid")],
    }
    values.update(changes)
    return AidFigure(**values)


# donor, recipient, amount.value, amount.currency, amount.qualifier, aid_type, stage, description
AID_FIELDS = 8


def transfer(**changes: Any) -> WeaponsTransfer:
    values: dict[str, Any] = {
        "supplier": "North Korea",
        "recipient": "Russia",
        "weapon": "ballistic missiles",
        "category": "missile",
        "status": "delivered",
        "description": "North Korea supplied ballistic missiles to Russia",
        "evidence": [evidence("North Korea supplied Russia with ballistic missiles")],
    }
    values.update(changes)
    return WeaponsTransfer(**values)


def quote(**changes: Any) -> Quote:
    text = changes.pop("text", "We will respond to this escalation,")
    start = TEXT.index(text)
    values: dict[str, Any] = {"speaker": "John Kirby", "text": text, "start": start}
    values.update(changes)
    values.setdefault("end", values["start"] + len(text))
    return Quote(**values)


PROVENANCE = Provenance(
    backend="test",
    model="hand",
    prompt_id="none",
    prompt_sha256="0" * 64,
    package_version="0",
    created_at=dt.datetime(2024, 1, 4, tzinfo=dt.UTC),
)


def summary(
    *,
    article_id: str = ARTICLE_ID,
    text: str = "Russia fired North Korean missiles at Kyiv; the US announced aid.",
    events: list[Event] | None = None,
    aid_figures: list[AidFigure] | None = None,
    transfers: list[WeaponsTransfer] | None = None,
    quotes: list[Quote] | None = None,
) -> ArticleSummary:
    return ArticleSummary(
        article=ArticleMeta(id=article_id, published=dt.date(2024, 1, 4)),
        summary=text,
        events=events or [],
        aid=aid_figures or [],
        transfers=transfers or [],
        quotes=quotes or [],
        provenance=PROVENANCE,
    )


def full_gold() -> ArticleSummary:
    return summary(
        events=[event(), event(kind="drone_strike", date=day(2023, 12, 30), location="Odesa")],
        aid_figures=[aid()],
        transfers=[transfer(), transfer(weapon="missile launcher", category="missile")],
        quotes=[quote()],
    )


def all_counts(score: ev.ArticleScore | ev.CorpusScore) -> Iterator[ev.Counts]:
    scores: list[ev.TypeScore] = []
    if isinstance(score, ev.ArticleScore):
        scores = [*score.types.values(), score.overall]
    else:
        scores = list(score.micro.values())
    for type_score in scores:
        yield type_score.fields
        yield type_score.records
        yield from type_score.by_field.values()


def ratios(counts: ev.Counts) -> list[float | None]:
    return [counts.precision, counts.recall, counts.f1]


# --------------------------------------------------------------------------- hand-computed


def test_gold_against_itself_is_one_everywhere() -> None:
    gold = full_gold()
    score = ev.score_article(gold, gold, TEXT)
    for counts in all_counts(score):
        assert ratios(counts) == [1.0, 1.0, 1.0]
    assert score.grounding is not None and score.grounding.rate == 1.0
    assert score.rouge_l == 1.0
    assert score.overall.unsupported == 0


def test_empty_gold_and_empty_prediction_count_nothing() -> None:
    score = ev.score_article(summary(), summary(), TEXT)
    for counts in all_counts(score):
        assert (counts.predicted, counts.gold) == (0, 0)
        assert ratios(counts) == [None, None, None]
    assert score.grounding is not None and score.grounding.rate is None
    assert score.overall.unsupported_rate is None


def test_empty_gold_makes_every_prediction_a_false_positive() -> None:
    score = ev.score_article(summary(), summary(events=[event()]), TEXT)
    events = score.types["events"]
    assert (events.fields.correct, events.fields.predicted, events.fields.gold) == (0, 7, 0)
    assert ratios(events.fields) == [0.0, None, 0.0]
    assert ratios(events.records) == [0.0, None, 0.0]
    assert events.unsupported == 1 and events.unsupported_rate == 1.0


def test_missing_prediction_is_an_empty_prediction() -> None:
    gold = summary(events=[event()], aid_figures=[aid()])
    score = ev.score_article(gold, None, TEXT)
    assert score.prediction == "missing"
    assert score.overall.fields.gold == EVENT_FIELDS + AID_FIELDS
    assert ratios(score.overall.fields) == [None, 0.0, 0.0]
    assert ratios(score.overall.records) == [None, 0.0, 0.0]
    assert score.rouge_l == 0.0
    assert score.grounding is not None and score.grounding.total == 0


def test_extra_predicted_record_lowers_precision_only() -> None:
    gold = summary(events=[event()])
    extra = event(kind="shelling", date=day(2023, 12, 30), location="Kharkiv", munitions=None)
    score = ev.score_article(gold, summary(events=[event(), extra]), TEXT)
    events = score.types["events"]
    # extra fills kind, date, attacker, location, description: 5 more predicted fields
    assert (events.fields.correct, events.fields.predicted, events.fields.gold) == (7, 12, 7)
    assert events.fields.recall == 1.0
    assert events.fields.precision == pytest.approx(7 / 12)
    assert ratios(events.records) == [0.5, 1.0, pytest.approx(2 / 3)]
    assert events.unsupported == 1 and events.unaligned_pred == [1]


def test_missing_record_lowers_recall_only() -> None:
    second = event(kind="drone_strike", date=day(2023, 12, 30), location="Odesa", munitions=None)
    score = ev.score_article(summary(events=[event(), second]), summary(events=[event()]), TEXT)
    events = score.types["events"]
    assert (events.fields.correct, events.fields.predicted, events.fields.gold) == (7, 7, 12)
    assert events.fields.precision == 1.0
    assert ratios(events.records) == [1.0, 0.5, pytest.approx(2 / 3)]
    assert events.unaligned_gold == [1]


def test_duplicate_prediction_counts_once() -> None:
    score = ev.score_article(summary(events=[event()]), summary(events=[event(), event()]), TEXT)
    events = score.types["events"]
    assert (events.fields.correct, events.fields.predicted, events.fields.gold) == (7, 14, 7)
    assert ratios(events.records) == [0.5, 1.0, pytest.approx(2 / 3)]
    assert events.unsupported == 1


def test_partial_field_match_gives_token_credit_and_no_record_credit() -> None:
    pred = event(location="Kharkiv", description="Russia fired missiles at Kharkiv")
    score = ev.score_article(summary(events=[event()]), summary(events=[pred]), TEXT)
    events = score.types["events"]
    # gold tokens: russia fired 40 missile at kyiv; pred: russia fired missile at kharkiv;
    # overlap 4 -> token F1 = 8/11. Location: 0. The other five fields: 1 each.
    assert events.by_field["description"].correct == pytest.approx(8 / 11)
    assert events.by_field["location"].correct == 0.0
    assert events.fields.correct == pytest.approx(5 + 8 / 11)
    assert events.fields.f1 == pytest.approx((5 + 8 / 11) / 7)
    assert events.pairs[0].key_similarity == pytest.approx(0.75)
    assert not events.pairs[0].key_match
    assert events.records.correct == 0


def test_pairs_below_minimum_key_similarity_stay_unaligned() -> None:
    other = transfer(supplier="Iran", recipient="Houthis", weapon="drones", category="drone")
    score = ev.score_article(summary(transfers=[transfer()]), summary(transfers=[other]), TEXT)
    transfers = score.types["transfers"]
    assert transfers.pairs == []
    assert transfers.fields.correct == 0
    assert transfers.unsupported == 1 and transfers.unaligned_gold == [0]


def test_names_go_through_the_alias_table() -> None:
    pred = aid(donor="U.S.", recipient="Kyiv", description="military aid for Ukraine by the US")
    score = ev.score_article(summary(aid_figures=[aid()]), summary(aid_figures=[pred]), TEXT)
    by_field = score.types["aid"].by_field
    assert by_field["donor"].correct == 1.0
    assert by_field["recipient"].correct == 1.0  # a metonym counts in an actor field
    assert score.types["aid"].records.correct == 1


def test_metonyms_do_not_apply_to_locations() -> None:
    pred = event(location="Ukraine", attacker="Moscow")
    score = ev.score_article(summary(events=[event()]), summary(events=[pred]), TEXT)
    by_field = score.types["events"].by_field
    assert by_field["attacker"].correct == 1.0
    assert by_field["location"].correct == 0.0


def test_people_match_by_contained_name() -> None:
    pred = quote(speaker="Kirby")
    score = ev.score_article(summary(quotes=[quote()]), summary(quotes=[pred]), TEXT)
    assert score.types["quotes"].by_field["speaker"].correct == 1.0
    assert score.types["quotes"].records.correct == 1


def test_money_compares_value_currency_and_qualifier() -> None:
    money = Money(text="about $250,000,000", amount=250_000_000.0, qualifier="approximately")
    score = ev.score_article(
        summary(aid_figures=[aid()]), summary(aid_figures=[aid(amount=money)]), TEXT
    )
    by_field = score.types["aid"].by_field
    assert by_field["amount.value"].correct == 1.0  # same value, written differently
    assert (by_field["amount.currency"].gold, by_field["amount.currency"].predicted) == (1, 0)
    assert by_field["amount.qualifier"].correct == 0.0
    assert score.types["aid"].records.correct == 1  # amount.value is the key, and it matches


def test_money_range_must_match_both_ends() -> None:
    gold_money = Money(text="$1-2 billion", amount=1e9, amount_max=2e9, currency="USD",
                       qualifier="range")  # fmt: skip
    pred_money = Money(text="$1 billion", amount=1e9, currency="USD", qualifier="range")
    score = ev.score_article(
        summary(aid_figures=[aid(amount=gold_money)]),
        summary(aid_figures=[aid(amount=pred_money)]),
        TEXT,
    )
    assert score.types["aid"].by_field["amount.value"].correct == 0.0
    assert score.types["aid"].records.correct == 0


def test_quantities_compare_by_value() -> None:
    pred = event(munitions=Quantity(text="forty", value=40.0, qualifier="exact"))
    score = ev.score_article(summary(events=[event()]), summary(events=[pred]), TEXT)
    assert score.types["events"].by_field["munitions.value"].correct == 1.0
    assert score.types["events"].by_field["munitions.qualifier"].correct == 1.0


def _date_credit(gold: DateRef, pred: DateRef | None) -> float:
    score = ev.score_article(
        summary(events=[event(date=gold)]), summary(events=[event(date=pred)]), TEXT
    )
    return score.types["events"].by_field["date"].correct


def _date(start: dt.date, precision: str) -> DateRef:
    return DateRef.model_validate({"text": "x", "start": start, "precision": precision})


@pytest.mark.parametrize(
    ("gold", "pred", "credit"),
    [
        (_date(dt.date(2023, 12, 1), "month"), _date(dt.date(2023, 12, 30), "day"), 1.0),
        (_date(dt.date(2023, 12, 30), "day"), _date(dt.date(2023, 12, 1), "month"), 0.0),
        (_date(dt.date(2023, 12, 30), "day"), _date(dt.date(2023, 12, 29), "day"), 0.0),
        # 1 Jan 2024 (Monday) and 3 Jan 2024 are in the same ISO week
        (_date(dt.date(2024, 1, 1), "week"), _date(dt.date(2024, 1, 3), "day"), 1.0),
        (_date(dt.date(2024, 1, 1), "week"), _date(dt.date(2024, 1, 8), "day"), 0.0),
        (_date(dt.date(2024, 1, 1), "quarter"), _date(dt.date(2024, 3, 31), "month"), 1.0),
        (_date(dt.date(2024, 1, 1), "quarter"), _date(dt.date(2024, 4, 1), "day"), 0.0),
        (_date(dt.date(2023, 1, 1), "year"), _date(dt.date(2023, 12, 30), "day"), 1.0),
        (_date(dt.date(2023, 1, 1), "year"), _date(dt.date(2024, 1, 2), "day"), 0.0),
    ],
)
def test_dates_compare_at_gold_precision(gold: DateRef, pred: DateRef, credit: float) -> None:
    assert _date_credit(gold, pred) == credit


def test_date_in_gold_only_is_a_false_negative() -> None:
    score = ev.score_article(summary(events=[event()]), summary(events=[event(date=None)]), TEXT)
    date = score.types["events"].by_field["date"]
    assert (date.correct, date.predicted, date.gold) == (0, 0, 1)


def test_unspecified_enums_are_empty() -> None:
    pred = aid(aid_type="unspecified")
    score = ev.score_article(summary(aid_figures=[aid()]), summary(aid_figures=[pred]), TEXT)
    aid_type = score.types["aid"].by_field["aid_type"]
    assert (aid_type.correct, aid_type.predicted, aid_type.gold) == (0, 0, 1)
    assert "scope" not in score.types["aid"].by_field  # unspecified in both: not counted


def test_lists_are_sets_with_token_matching() -> None:
    gold = event(weapons=["Shahed drones", "ballistic missiles"])
    pred = event(weapons=["ballistic missile", "Shahed drones", "shahed drones"])
    score = ev.score_article(summary(events=[gold]), summary(events=[pred]), TEXT)
    assert score.types["events"].by_field["weapons"].correct == 1.0
    half = event(weapons=["Shahed drones", "artillery"])
    score = ev.score_article(summary(events=[gold]), summary(events=[half]), TEXT)
    assert score.types["events"].by_field["weapons"].correct == pytest.approx(0.5)


def test_attribution_fields() -> None:
    gold = transfer(attribution=Attribution(source="John Kirby", certainty="assessed"))
    pred = transfer(attribution=Attribution(source="Kirby", certainty="confirmed"))
    score = ev.score_article(summary(transfers=[gold]), summary(transfers=[pred]), TEXT)
    by_field = score.types["transfers"].by_field
    assert by_field["attribution.source"].correct == 1.0
    assert by_field["attribution.certainty"].correct == 0.0


def test_alignment_picks_the_best_partner() -> None:
    launcher = transfer(weapon="missile launcher")
    gold = summary(transfers=[transfer(), launcher])
    pred = summary(transfers=[transfer(weapon="launcher"), transfer(weapon="ballistic missile")])
    score = ev.score_article(gold, pred, TEXT)
    pairs = {(pair.gold, pair.pred) for pair in score.types["transfers"].pairs}
    assert pairs == {(0, 1), (1, 0)}
    assert score.types["transfers"].records.correct == 2  # launcher/missile launcher F1 2/3


def test_grounding_counts_verbatim_spans() -> None:
    good = event()
    shifted = event(evidence=[Evidence(quote="Russia fired", start=1, end=13)], kind="shelling")
    off_end = quote(
        start=len(TEXT) - 5, end=len(TEXT) - 5 + len("We will respond to this escalation,")
    )
    pred = summary(events=[good, shifted], quotes=[quote(), off_end])
    score = ev.score_article(summary(), pred, TEXT)
    assert score.grounding is not None
    assert (score.grounding.grounded, score.grounding.total) == (2, 4)
    assert score.grounding.rate == 0.5
    assert ev.score_article(summary(), pred, None).grounding is None


def test_token_f1_and_rouge_l_by_hand() -> None:
    assert ev.token_f1("the ballistic missiles", "Ballistic missile") == 1.0
    assert ev.token_f1("fighter aircraft", "aircraft") == pytest.approx(2 / 3)
    assert ev.token_f1("--", "--") == 1.0
    # LCS of "the cat sat on the mat" and "the cat on the mat" is 5 words: F = 10/11
    assert ev.rouge_l("The cat sat on the mat.", "the cat on the mat") == pytest.approx(10 / 11)
    assert ev.rouge_l("a b c", "") == 0.0


def test_micro_and_macro_differ_by_hand() -> None:
    second = event(kind="drone_strike", date=day(2023, 12, 30), location="Odesa", munitions=None)
    gold = {
        "a": summary(article_id="a", events=[event()]),
        "b": summary(article_id="b", events=[event(), second]),
    }
    pred = {"a": gold["a"], "b": summary(article_id="b", events=[event()])}
    score = ev.score_corpus(gold, pred, {})
    # micro: correct 14, predicted 14, gold 19 -> F1 = 28/33; macro F1 = (1 + 14/19) / 2
    assert score.micro["events"].fields.f1 == pytest.approx(28 / 33)
    assert score.macro["events"].f1 == pytest.approx((1 + 14 / 19) / 2)
    assert score.macro["events"].articles == 2
    assert score.macro["aid"].f1 is None and score.macro["aid"].articles == 0
    assert score.micro["all"].fields.f1 == pytest.approx(28 / 33)
    assert score.articles_without_text == ["a", "b"]
    assert score.grounding.rate is None


# --------------------------------------------------------------------------- loading and CLI-facing


def _write(path: Path, summaries: list[ArticleSummary]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    for item in summaries:
        (path / f"{item.article.id}.json").write_text(item.model_dump_json(), encoding="utf-8")


def test_jsonl_predictions_with_errors_missing_and_extra(tmp_path: Path) -> None:
    gold = [
        summary(article_id="a", events=[event()]),
        summary(article_id="b", aid_figures=[aid()]),
        summary(article_id="c", transfers=[transfer()]),
        summary(article_id="d", quotes=[quote()]),
    ]
    _write(tmp_path / "gold", gold)
    lines = [
        gold[0].model_dump_json(),
        json.dumps({"id": "b", "error": "TruncatedOutputError: cut off"}),
        json.dumps({"article": {"id": "c"}, "summary": 3}),  # does not validate
        summary(article_id="zz").model_dump_json(),
        "not json",
    ]
    (tmp_path / "pred.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.txt").write_text(f"published: 2024-01-04\n---\n{TEXT}", encoding="utf-8")

    score = ev.evaluate(tmp_path / "gold", tmp_path / "pred.jsonl", articles)
    assert score.missing_predictions == ["d"]
    assert score.error_predictions["b"] == "TruncatedOutputError: cut off"
    assert score.error_predictions["c"].startswith("is not a valid summary")
    assert score.unmatched_predictions == ["zz"]
    assert score.unreadable_predictions == ["line 5: not JSON (Expecting value)"]
    assert score.articles_without_text == ["b", "c", "d"]
    assert score.grounding.rate == 1.0
    assert [a.prediction for a in score.articles] == ["ok", "error", "error", "missing"]
    # every gold record but article a's event is missed
    assert score.micro["all"].records.recall == pytest.approx(1 / 4)


def test_gold_directory_scored_against_itself(tmp_path: Path) -> None:
    _write(tmp_path / "gold", [full_gold(), summary(article_id="empty")])
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / f"{ARTICLE_ID}.txt").write_text(TEXT, encoding="utf-8")
    (articles / "empty.txt").write_text(TEXT, encoding="utf-8")
    score = ev.evaluate(tmp_path / "gold", tmp_path / "gold", articles)
    for counts in all_counts(score):
        assert set(ratios(counts)) <= {1.0, None}
    assert score.micro["all"].fields.f1 == 1.0
    assert score.grounding.rate == 1.0 and score.rouge_l == 1.0

    rendered = json.loads(ev.to_json(score))
    assert rendered["micro"]["events"]["fields"]["f1"] == 1.0
    markdown = ev.to_markdown(score)
    assert "| events | 2 | 2 | 1.000 | 1.000 | 1.000 |" in markdown
    console = Console(record=True, width=160)
    console.print(ev.render_table(score))
    assert "By field (micro)" in console.export_text()
    assert "events.kind" in ev.to_text(score)


def test_cli_eval_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from summarizer.cli import app

    _write(tmp_path / "gold", [full_gold()])
    _write(tmp_path / "pred", [summary(events=[event()], quotes=[quote()])])
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / f"{ARTICLE_ID}.txt").write_text(TEXT, encoding="utf-8")
    base = ["eval", "--gold", str(tmp_path / "gold"), "--pred", str(tmp_path / "pred")]

    result = CliRunner().invoke(app, [*base, "--articles", str(articles), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["micro"]["events"]["records"]["recall"] == 0.5
    assert data["grounding"]["rate"] == 1.0

    out = tmp_path / "report.md"
    result = CliRunner().invoke(app, [*base, "--md", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "| quotes | 1 | 1 | 1.000 | 1.000 | 1.000 |" in out.read_text(encoding="utf-8")

    result = CliRunner().invoke(app, [*base, "--json", "--md"])
    assert result.exit_code == 2
    result = CliRunner().invoke(app, ["eval", "--gold", str(tmp_path / "nope"), "--pred", "x"])
    assert result.exit_code == 1


def test_invalid_gold_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"summary": 1}', encoding="utf-8")
    with pytest.raises(InputError, match="not a valid ArticleSummary"):
        ev.load_gold(tmp_path)


# --------------------------------------------------------------------------- properties


_EVENTS = st.builds(
    event,
    kind=st.sampled_from(["missile_strike", "drone_strike"]),
    date=st.sampled_from([day(2024, 1, 2), day(2023, 12, 30), None]),
    attacker=st.sampled_from(["Russia", "Moscow", "Ukraine"]),
    location=st.sampled_from(["Kyiv", "Kharkiv", None]),
    description=st.sampled_from(["Russia fired 40 missiles at Kyiv", "a drone strike"]),
)
_AID = st.builds(
    aid,
    donor=st.sampled_from(["United States", "U.S.", "Germany"]),
    amount=st.sampled_from(
        [
            None,
            Money(text="$250 million", amount=250e6, currency="USD"),
            Money(text="$1 billion", amount=1e9, currency="USD"),
        ]
    ),
    stage=st.sampled_from(["announced", "delivered"]),
)
_TRANSFERS = st.builds(
    transfer,
    weapon=st.sampled_from(["ballistic missiles", "missile launcher", "fighter aircraft"]),
    status=st.sampled_from(["delivered", "sought"]),
    recipient=st.sampled_from(["Russia", "Iran"]),
)
_QUOTES = st.builds(
    quote,
    speaker=st.sampled_from(["John Kirby", "Kirby", "Joe Biden"]),
    text=st.sampled_from(["We will respond to this escalation,", "We will respond"]),
)


@st.composite
def _summaries(draw: st.DrawFn) -> ArticleSummary:
    return summary(
        events=draw(st.lists(_EVENTS, max_size=4)),
        aid_figures=draw(st.lists(_AID, max_size=3)),
        transfers=draw(st.lists(_TRANSFERS, max_size=3)),
        quotes=draw(st.lists(_QUOTES, max_size=3)),
    )


def _shape(score: ev.ArticleScore) -> dict[str, Any]:
    """Everything but alignment indices, rounded against float summation order."""
    out: dict[str, Any] = {}
    for name, type_score in score.types.items():
        dumped = type_score.model_dump(exclude={"pairs", "unaligned_pred", "unaligned_gold"})
        out[name] = json.loads(json.dumps(dumped), parse_float=lambda v: round(float(v), 9))
    return out


@settings(max_examples=60, deadline=None)
@given(_summaries())
def test_property_gold_against_itself_is_one(gold: ArticleSummary) -> None:
    score = ev.score_article(gold, gold, TEXT)
    for counts in all_counts(score):
        assert set(ratios(counts)) <= {1.0, None}
    assert score.overall.unsupported == 0


@settings(max_examples=60, deadline=None)
@given(_summaries(), _summaries(), st.randoms(use_true_random=False))
def test_property_order_does_not_matter(
    gold: ArticleSummary, pred: ArticleSummary, random: Any
) -> None:
    def shuffled(item: ArticleSummary) -> ArticleSummary:
        lists = {}
        for name in ev.RECORD_TYPES:
            records = list(getattr(item, name))
            random.shuffle(records)
            lists[name] = records
        return item.model_copy(update=lists)

    assert _shape(ev.score_article(gold, pred, TEXT)) == _shape(
        ev.score_article(shuffled(gold), shuffled(pred), TEXT)
    )


@settings(max_examples=80, deadline=None)
@given(_summaries(), _summaries(), st.data())
def test_property_removing_a_prediction_never_raises_recall(
    gold: ArticleSummary, pred: ArticleSummary, data: st.DataObject
) -> None:
    names = [name for name in ev.RECORD_TYPES if getattr(pred, name)]
    if not names:
        return
    name = data.draw(st.sampled_from(names))
    records = list(getattr(pred, name))
    del records[data.draw(st.integers(0, len(records) - 1))]
    before = ev.score_article(gold, pred, TEXT)
    after = ev.score_article(gold, pred.model_copy(update={name: records}), TEXT)
    for kind in (name, None):
        old = before.types[kind] if kind else before.overall
        new = after.types[kind] if kind else after.overall
        for attribute in ("fields", "records"):
            old_recall = getattr(old, attribute).recall
            new_recall = getattr(new, attribute).recall
            if old_recall is not None:
                assert new_recall <= old_recall + 1e-9
