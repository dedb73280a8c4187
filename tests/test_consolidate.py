"""Consolidation across articles: the rules on corpus records, conflicts, the gold links
(format and anchors), pairwise scoring, the timeline files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from summarizer.articles import read_article
from summarizer.consolidate import (
    consolidate,
    consolidate_results,
    date_overlap,
    mentions_of,
    timeline_text,
    write_timeline,
)
from summarizer.errors import InputError
from summarizer.links import Link, LinkMention, load_links, resolve_mention, score_links
from summarizer.schemas import ArticleSummary, DateRef
from summarizer.summaries import load_results

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "fixtures" / "gold"
LINK_RECORDS = ROOT / "fixtures" / "links" / "records"
LINKS = ROOT / "fixtures" / "links" / "links.json"
ARTICLES = ROOT / "fixtures" / "articles"


def _gold() -> list[ArticleSummary]:
    return load_results([GOLD, LINK_RECORDS]).summaries


def _summary(path: Path, **changes: Any) -> ArticleSummary:
    data = json.loads(path.read_text("utf-8"))
    data.update(changes)
    return ArticleSummary.model_validate(data)


def _date(start: str, end: str | None, precision: str) -> DateRef:
    return DateRef.model_validate({"text": "x", "start": start, "end": end, "precision": precision})


def test_dates_overlap_at_the_coarser_precision() -> None:
    day = _date("2023-12-30", None, "day")
    wave = _date("2023-12-29", "2024-01-02", "day")
    assert date_overlap(day, day) == 1.0
    assert date_overlap(day, wave) == pytest.approx(1 / 5)
    assert date_overlap(day, _date("2023-12-01", "2023-12-31", "month")) == 1.0
    assert date_overlap(day, _date("2024-01-02", None, "day")) == 0.0


def test_link_records_are_valid_and_not_gold_duplicates() -> None:
    for path in LINK_RECORDS.glob("*.json"):
        summary = ArticleSummary.model_validate_json(path.read_text("utf-8"))
        assert not (GOLD / path.name).exists(), "a gold file exists: use it instead"
        text = read_article(ARTICLES / f"{summary.article.id}.txt").text
        for quote, start, end in summary.evidence_spans():
            assert text[start:end] == quote


def test_every_link_anchor_is_in_its_article_and_resolves_to_a_gold_record() -> None:
    links = load_links(LINKS)
    assert len(links) >= 10
    mentions = mentions_of(_gold())
    for link in links:
        for anchor in link.mentions:
            text = read_article(ARTICLES / f"{anchor.article}.txt").text
            assert text[anchor.start : anchor.end] == anchor.quote, (link.id, anchor.article)
            assert resolve_mention(anchor, mentions) is not None, (link.id, anchor.article)


def test_gold_links_are_recovered_on_the_gold_records() -> None:
    clusters = consolidate(_gold())
    score = score_links(clusters, load_links(LINKS))
    assert score.unresolved_mentions == ()
    assert score.gold_pairs >= 10
    # measured numbers are reported in docs/evaluation.md; this guards against regressions
    assert score.precision is not None and score.precision >= 0.9
    assert score.recall is not None and score.recall >= 0.9


def test_same_strikes_merge_and_neighbours_do_not() -> None:
    clusters = consolidate(_gold())
    merged = {
        tuple(f"{m.article[:3]}:{m.type}{m.index}" for m in c.mentions)
        for c in clusters
        if len(c.mentions) > 1
    }
    assert ("000:event0", "012:event1") in merged  # Dec. 30 / "30th of December 2023"
    assert ("000:event2", "012:event0") in merged  # the wave, not the Dec. 30 strike in it
    assert ("019:event0", "020:event1") in merged  # coalition strike, each partner's report
    flat = {item for group in merged for item in group}
    assert "005:transfer0" not in flat  # Fath-360 delivered vs CRBMs sought (012): not one
    assert "015:aid0" not in flat  # $1.6 bn (17 Sep) and $2 bn (25 Sep): two snapshots
    assert not any(item.startswith("007:") for item in flat)  # undated assault


def test_a_cluster_never_holds_two_records_of_one_article() -> None:
    for cluster in consolidate(_gold()):
        assert len(set(cluster.articles)) == len(cluster.articles)


def test_two_numbers_for_one_event_are_a_conflict() -> None:
    source = json.loads((GOLD / "023_wh-poltava-attack.json").read_text("utf-8"))
    other = json.loads(json.dumps(source))
    other["article"]["id"] = "023b"
    other["events"][0]["killed"] = {"text": "at least 41 people", "value": 41.0,
                                    "unit": "person", "qualifier": "at_least"}  # fmt: skip
    clusters = consolidate([ArticleSummary.model_validate(d) for d in (source, other)])
    (merged,) = [c for c in clusters if len(c.mentions) == 2]
    (conflict,) = merged.conflicts
    assert conflict.field == "killed"
    assert {(a, v) for a, v, _ in conflict.values} == {
        ("023_wh-poltava-attack", 50.0),
        ("023b", 41.0),
    }
    row = merged.to_dict()
    assert len(row["sources"]) == 2  # type: ignore[arg-type]
    assert all(s["record"]["evidence"] for s in row["sources"])  # type: ignore[attr-defined,index]


def test_different_amounts_do_not_merge() -> None:
    a = _summary(GOLD / "016_usaid-gaza-53m.json")
    data = json.loads(a.model_dump_json())
    data["article"]["id"] = "016b"
    data["aid"][0]["amount"]["amount"] = 54_000_000.0
    clusters = consolidate([a, ArticleSummary.model_validate(data)])
    aid = [c for c in clusters if c.type == "aid" and len(c.mentions) > 1]
    assert len(aid) == len(a.aid) - 1  # every figure merges with its copy but the changed one


def test_scoring_counts_pairs() -> None:
    summaries = _gold()
    clusters = consolidate(summaries)
    links = load_links(LINKS)
    perfect = score_links(clusters, links)
    # split every merged cluster: recall drops to 0, precision is undefined
    singletons = consolidate([summaries[0]]) + consolidate(summaries[1:])
    assert score_links(singletons, links).found_pairs < perfect.found_pairs
    wrong = Link("fake", "event", (
        LinkMention("021_wh-jordan-drone-attack", "event", "Last night", 0, 10),
        LinkMention("022_wh-iraq-drone-attack-strikes", "event", "Early this morning", 0, 18),
    ))  # fmt: skip
    worse = score_links(clusters, [*links, wrong])
    assert worse.gold_pairs == perfect.gold_pairs + 1
    assert worse.recall is not None and perfect.recall is not None
    assert worse.recall < perfect.recall


def test_links_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "links.json"
    bad.write_text(json.dumps({"links": [{"id": "x", "type": "event", "mentions": [
        {"article": "a", "quote": "q", "start": 0}]}]}), "utf-8")  # fmt: skip
    with pytest.raises(InputError, match=r"links\.json.*2\+ mentions"):
        load_links(bad)


def test_timeline_files(tmp_path: Path) -> None:
    clusters = consolidate(_gold())
    lines = [json.loads(line) for line in timeline_text(clusters, "jsonl").splitlines()]
    assert len(lines) == len(clusters)
    dated = [line["date"]["start"] for line in lines if line["date"]]
    assert dated == sorted(dated)
    path = write_timeline(clusters, tmp_path / "timeline.csv")
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))
    assert len(rows) == len(clusters)
    dec30 = [r for r in rows if r["date_start"] == "2023-12-30" and r["type"] == "event"]
    assert len(dec30) == 1 and "012_wh-kirby" in dec30[0]["sources"]
    with pytest.raises(InputError, match=r"must end in \.jsonl or \.csv"):
        write_timeline(clusters, tmp_path / "timeline.txt")


def test_consolidate_results_reads_folders_and_writes_the_timeline(tmp_path: Path) -> None:
    run = consolidate_results([GOLD, LINK_RECORDS], tmp_path / "timeline.jsonl")
    assert run.out is not None and run.merged == 10 and run.conflicts == 0
    lines = run.out.read_text("utf-8").splitlines()
    assert len(lines) == len(run.clusters)
    sources = [json.loads(line)["sources"] for line in lines]
    assert sum(len(s) for s in sources) == len(mentions_of(_gold()))  # every record once


def test_actor_aliases_and_metonyms_still_link() -> None:
    """One side names the actors as other reports do ("DPRK", "Moscow", "U.S."): the alias
    table (summarizer/data/aliases.json) makes them the same actors."""
    renamed = {"North Korea": "DPRK", "Russia": "Moscow", "United States": "U.S."}
    summaries = []
    for summary in _gold():
        data = json.loads(summary.model_dump_json())
        if summary.article.id.startswith(("012_", "020_")):
            for records in (data["events"], data["transfers"]):
                for record in records:
                    for field in ("attacker", "supplier", "recipient"):
                        if record.get(field) in renamed:
                            record[field] = renamed[record[field]]
        summaries.append(ArticleSummary.model_validate(data))
    score = score_links(consolidate(summaries), load_links(LINKS))
    assert (score.found_pairs, score.correct_pairs) == (10, 10)


def test_consolidate_command_writes_and_scores(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from summarizer.cli.app import app

    out = tmp_path / "timeline.csv"
    done = CliRunner().invoke(app, [
        "consolidate", str(GOLD), str(LINK_RECORDS), "--out", str(out), "--links", str(LINKS),
    ])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "pairwise: gold pairs 10, predicted pairs 10, P 1.000, R 1.000, F1 1.000" in done.output
    assert out.read_text("utf-8").startswith("id,type,date_text")
    bad = CliRunner().invoke(app, ["consolidate", str(GOLD), "--out", str(tmp_path / "t.txt")])
    assert bad.exit_code == 1 and "must end in .jsonl or .csv" in bad.output
