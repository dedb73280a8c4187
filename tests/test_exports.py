"""Exports: ACLED / Kiel / SIPRI / flat CSV mapping, formula defusing, documented columns."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from summarizer import exports
from summarizer.schemas import ArticleSummary, DateRef, Quantity

DOCS = Path(__file__).resolve().parents[1] / "docs" / "exports.md"

TEXT = (
    "North Korea supplied Russia with ballistic missiles, used in strikes on 30 Dec 2023. "
    "The U.S. announced $250 million in aid. More than 1,000 containers were delivered."
)


def _ev(quote: str) -> list[dict[str, Any]]:
    start = TEXT.index(quote)
    return [{"quote": quote, "start": start, "end": start + len(quote)}]


def make_summary(article_id: str = "000_nk", **overrides: Any) -> ArticleSummary:
    data: dict[str, Any] = {
        "article": {
            "id": article_id,
            "title": "NK missiles",
            "source": "U.S. Department of State",
            "url": "https://example.org/a",
            "published": "2024-01-04",
        },
        "summary": "North Korea supplied missiles to Russia.",
        "events": [
            {
                "kind": "missile_strike",
                "date": {"text": "30 Dec 2023", "start": "2023-12-30", "precision": "day"},
                "attacker": "Russia",
                "target": "Ukrainian cities",
                "location": "Zaporizhzhia",
                "country": "Ukraine",
                "weapons": ["ballistic missile", "KN-23"],
                "killed": {"text": "at least 3", "value": 3, "qualifier": "at_least"},
                "description": "Russia fired North Korean missiles at Ukraine.",
                "attribution": {"source": "John Kirby", "certainty": "assessed"},
                "evidence": _ev("used in strikes on 30 Dec 2023"),
            },
            {
                "kind": "attack_on_civilians",
                "country": "Ukraine",
                "description": '=HYPERLINK("http://evil")',
                "evidence": _ev("strikes"),
            },
        ],
        "aid": [
            {
                "donor": "United States",
                "recipient": "Ukraine",
                "amount": {
                    "text": "$250 million",
                    "amount": 250000000.0,
                    "currency": "USD",
                    "qualifier": "exact",
                },
                "aid_type": "military",
                "stage": "announced",
                "scope": "package",
                "mechanism": "Presidential Drawdown Authority",
                "items": ["munitions", "air defence"],
                "description": "Final aid round.",
                "evidence": _ev("$250 million in aid"),
            },
            {
                "donor": "-Someone",
                "recipient": "Ukraine",
                "stage": "requested",
                "description": "@SUM(A1)",
                "evidence": _ev("aid"),
            },
        ],
        "transfers": [
            {
                "supplier": "North Korea",
                "recipient": "Russia",
                "weapon": "ballistic missiles",
                "designation": "KN-23",
                "category": "missile",
                "quantity": {"text": "more than 1,000", "value": 1000, "qualifier": "more_than"},
                "status": "delivered",
                "date": {
                    "text": "October",
                    "start": "2023-10-01",
                    "end": "2023-10-31",
                    "precision": "month",
                },
                "description": "Missiles delivered.",
                "attribution": {"source": "U.S. officials", "certainty": "assessed"},
                "evidence": _ev("supplied Russia with ballistic missiles"),
            },
            {
                "supplier": "Russia",
                "recipient": "North Korea",
                "weapon": "fighter aircraft",
                "category": "aircraft",
                "status": "sought",
                "description": "+fighters sought",
                "evidence": _ev("North Korea"),
            },
        ],
        "quotes": [
            {"speaker": "John Kirby", "text": "North Korea", "start": 0, "end": 11},
        ],
        "provenance": {
            "backend": "replay",
            "model": "m",
            "prompt_id": "p",
            "prompt_sha256": "0" * 64,
            "package_version": "0.1.0",
            "created_at": "2024-01-05T00:00:00Z",
        },
    }
    data.update(overrides)
    return ArticleSummary.model_validate(data)


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def export(summaries: list[ArticleSummary], to: exports.ExportFormat) -> list[dict[str, str]]:
    out = io.StringIO(newline="")
    exports.summaries_to_csv(summaries, to, out)
    return read_csv(out.getvalue())


# --------------------------------------------------------------------------- defusing


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+49 30", "'+49 30"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_defuse_cell(cell: str, expected: str) -> None:
    assert exports.defuse_cell(cell) == expected


def test_no_exported_cell_starts_with_a_formula_character() -> None:
    for to in exports.FORMATS:
        for row in export([make_summary()], to):
            for value in row.values():
                assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (to, value)


def test_defused_cells_keep_their_text_after_the_quote() -> None:
    rows = export([make_summary()], "acled")
    assert rows[1]["notes"] == '\'=HYPERLINK("http://evil")'


# --------------------------------------------------------------------------- ACLED


def test_acled_row_for_a_missile_strike() -> None:
    row = export([make_summary()], "acled")[0]
    assert row["event_date"] == "2023-12-30"
    assert row["year"] == "2023"
    assert row["time_precision"] == "1"
    assert row["event_type"] == "Explosions/Remote violence"
    assert row["sub_event_type"] == "Shelling/artillery/missile attack"
    assert row["disorder_type"] == "Political violence"
    assert row["actor1"] == "Russia"
    assert row["target"] == "Ukrainian cities"
    assert row["fatalities"] == "3"
    assert row["fatalities_text"] == "at least 3"
    assert row["source"] == "U.S. Department of State"
    assert row["notes"] == "Russia fired North Korean missiles at Ukraine."
    assert row["record_id"] == "000_nk:event:0"
    assert row["weapons"] == "ballistic missile; KN-23"


def test_acled_attack_on_civilians_names_civilians_and_defaults_fatalities_to_zero() -> None:
    row = export([make_summary()], "acled")[1]
    assert row["event_type"] == "Violence against civilians"
    assert row["actor2"] == "Civilians (Ukraine)"
    assert row["civilian_targeting"] == "Civilian targeting"
    assert row["fatalities"] == "0"  # ACLED codes "no fatalities reported" as 0
    assert row["event_date"] == row["time_precision"] == ""


@pytest.mark.parametrize("kind", list(exports.ACLED_EVENT_TYPES))
def test_every_event_kind_maps_to_an_acled_type(kind: str) -> None:
    disorder, event_type, sub_event_type = exports.ACLED_EVENT_TYPES[kind]  # type: ignore[index]
    assert disorder and event_type and sub_event_type


def _date(start: str, precision: str, end: str | None = None) -> DateRef:
    return DateRef(
        text="x",
        start=dt.date.fromisoformat(start),
        end=None if end is None else dt.date.fromisoformat(end),
        precision=precision,
    )


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (_date("2024-01-02", "day"), ("2024-01-02", "2024", "1")),
        (_date("2024-01-01", "week"), ("2024-01-04", "2024", "2")),
        (_date("2023-12-29", "day", "2024-01-02"), ("2023-12-31", "2023", "2")),
        (_date("2024-02-01", "month"), ("2024-02-15", "2024", "3")),
        (_date("2024-01-01", "month", "2024-01-31"), ("2024-01-16", "2024", "3")),
        (_date("2024-04-01", "quarter"), ("2024-05-16", "2024", "")),
        (_date("2024-01-01", "year"), ("2024-07-01", "2024", "")),
    ],
)
def test_acled_date_precision(date: DateRef, expected: tuple[str, str, str]) -> None:
    assert exports.acled_date(date) == expected


def test_acled_fatalities_vague_count_is_left_for_manual_coding() -> None:
    assert exports.acled_fatalities(Quantity(text="dozens", qualifier="vague")) == ""
    assert exports.acled_fatalities(Quantity(text="12 to 15", value=12, value_max=15)) == "12"
    assert exports.acled_fatalities(None) == "0"


# --------------------------------------------------------------------------- Kiel


def test_kiel_rows() -> None:
    announced, requested = export([make_summary()], "kiel")
    assert announced["donor"] == "United States"
    assert announced["measure"] == "Commitment"
    assert announced["aid_type_general"] == "Military"
    assert announced["aid_type_specific"] == "Presidential Drawdown Authority"
    assert announced["reported_value"] == "250000000"
    assert announced["reported_currency"] == "USD"
    assert announced["item"] == "munitions; air defence"
    # no date on the record: the article's publication date stands in, and says so
    assert announced["announcement_date"] == "2024-01-04"
    assert announced["announcement_date_from"] == "published"
    assert requested["measure"] == ""
    assert requested["donor"] == "'-Someone"
    assert requested["aid_type_general"] == ""


@pytest.mark.parametrize(
    ("stage", "measure"),
    [
        ("pledged", "Commitment"),
        ("approved", "Commitment"),
        ("announced", "Commitment"),
        ("allocated", "Allocation"),
        ("delivered", "Allocation"),
        ("requested", ""),
    ],
)
def test_kiel_measure_from_stage(stage: str, measure: str) -> None:
    assert exports.KIEL_MEASURES[stage] == measure


# --------------------------------------------------------------------------- SIPRI


def test_sipri_rows() -> None:
    delivered, sought = export([make_summary()], "sipri")
    assert delivered["supplier"] == "North Korea"
    assert delivered["recipient"] == "Russia"
    assert delivered["weapon_designation"] == "KN-23"
    assert delivered["weapon_description"] == "ballistic missiles"
    assert delivered["number_delivered"] == "1000"
    assert delivered["number_delivered_estimate"] == "?"  # "more than 1,000"
    assert delivered["number_ordered"] == "1000"
    assert delivered["number_ordered_estimate"] == "?"
    assert delivered["year_of_delivery"] == "2023"
    assert delivered["year_of_order"] == ""
    assert delivered["status"] == "delivered"
    assert delivered["sipri_registrable"] == "yes"
    assert "according to U.S. officials" in delivered["comments"]
    assert sought["sipri_registrable"] == "no"
    assert sought["number_ordered"] == ""
    assert sought["comments"] == "'+fighters sought"


# --------------------------------------------------------------------------- flat


def test_flat_csv_has_one_row_per_record() -> None:
    rows = export([make_summary()], "csv")
    assert [r["record_type"] for r in rows] == [
        "event",
        "event",
        "aid",
        "aid",
        "transfer",
        "transfer",
        "quote",
    ]
    assert rows[2]["amount_amount"] == "250000000"
    assert rows[6]["quote_text"] == "North Korea"
    assert rows[0]["killed_qualifier"] == "at_least"


# --------------------------------------------------------------------------- results files


def _results_file(tmp_path: Path) -> Path:
    lines = [
        make_summary("a").model_dump_json(),
        json.dumps({"id": "b", "source": "b.txt", "error": "is empty", "kind": "input"}),
        "",
        "{not json",
        make_summary("c").model_dump_json(),
    ]
    path = tmp_path / "results.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_export_file_skips_and_counts_error_and_invalid_lines(tmp_path: Path) -> None:
    out = io.StringIO(newline="")
    report = exports.export_file(_results_file(tmp_path), "acled", out)
    assert report.summaries == 2
    assert report.skipped_errors == 1
    assert report.invalid == 1
    assert report.rows == 4
    rows = read_csv(out.getvalue())
    assert [r["article_id"] for r in rows] == ["a", "a", "c", "c"]


@pytest.mark.parametrize("to", list(exports.FORMATS))
def test_exports_are_valid_csv_with_the_documented_columns(tmp_path: Path, to: str) -> None:
    out = io.StringIO(newline="")
    exports.export_file(_results_file(tmp_path), to, out)  # type: ignore[arg-type]
    text = out.getvalue()
    parsed = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    header, body = parsed[0], parsed[1:]
    assert tuple(header) == exports.FORMATS[to].columns  # type: ignore[index]
    assert body and all(len(r) == len(header) for r in body)
    assert text.endswith("\r\n")


def documented_columns(section: str) -> list[str]:
    """Columns listed in the `| column |` table under `## <section>` in docs/exports.md."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(section)}\b.*?(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/exports.md has no section {section!r}"
    return re.findall(r"^\| `([a-z0-9_]+)` \|", match.group(0), re.M)


@pytest.mark.parametrize(
    ("section", "to"), [("ACLED", "acled"), ("Kiel", "kiel"), ("SIPRI", "sipri"), ("Flat", "csv")]
)
def test_every_column_is_documented_in_order(section: str, to: str) -> None:
    assert tuple(documented_columns(section)) == exports.FORMATS[to].columns  # type: ignore[index]


# --------------------------------------------------------------------------- the gold corpus

GOLD = Path(__file__).resolve().parents[1] / "fixtures" / "gold"


def _gold_summaries() -> list[ArticleSummary]:
    return [
        ArticleSummary.model_validate_json(path.read_text(encoding="utf-8"))
        for path in sorted(GOLD.glob("*.json"))
    ]


@pytest.mark.parametrize("to", list(exports.FORMATS))
def test_the_gold_corpus_exports_as_valid_csv(tmp_path: Path, to: str) -> None:
    summaries = _gold_summaries()
    if not summaries:
        pytest.skip("no gold fixtures")
    results = tmp_path / "results.jsonl"
    results.write_text("".join(s.model_dump_json() + "\n" for s in summaries), encoding="utf-8")
    out = io.StringIO(newline="")
    report = exports.export_file(results, to, out)  # type: ignore[arg-type]
    assert report.summaries == len(summaries) and report.invalid == 0
    parsed = list(csv.reader(io.StringIO(out.getvalue(), newline=""), strict=True))
    header, body = parsed[0], parsed[1:]
    assert tuple(header) == exports.FORMATS[to].columns  # type: ignore[index]
    expected = {
        "acled": sum(len(s.events) for s in summaries),
        "kiel": sum(len(s.aid) for s in summaries),
        "sipri": sum(len(s.transfers) for s in summaries),
        "csv": sum(
            len(s.events) + len(s.aid) + len(s.transfers) + len(s.quotes) for s in summaries
        ),
    }[to]
    assert len(body) == expected > 0
    for row in body:
        assert len(row) == len(header)
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


# --------------------------------------------------------------------------- the commands


def test_export_command_writes_csv_and_exit_code_3_for_bad_lines(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from summarizer.cli import app

    results = _results_file(tmp_path)
    out = tmp_path / "events.csv"
    outcome = CliRunner().invoke(app, ["export", str(results), "--to", "acled", "--out", str(out)])
    assert outcome.exit_code == 3  # the "{not json" line
    rows = read_csv(out.read_text(encoding="utf-8"))
    assert len(rows) == 4 and list(rows[0]) == list(exports.ACLED_COLUMNS)
    bad = CliRunner().invoke(app, ["export", str(results), "--to", "nope"])
    assert bad.exit_code == 2


def test_store_export_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from summarizer.cli import app
    from summarizer.results import ErrorRecord
    from summarizer.store import Store

    db = tmp_path / "store.db"
    with Store(db) as store:
        summary = make_summary("a")
        store.save_result(
            key="k",
            item_id="a",
            source="a.txt",
            summary_json=summary.model_dump_json(),
            article_sha256="s",
            backend="replay",
            model="m",
        )
        store.save_error(ErrorRecord("b", "b.txt", "is empty", "input"))
    runner = CliRunner()
    jsonl = runner.invoke(app, ["store", "export", "--store", str(db)])
    assert jsonl.exit_code == 0
    lines = [json.loads(x) for x in jsonl.stdout.splitlines()]
    assert lines[0]["article"]["id"] == "a" and lines[1]["id"] == "b"
    out = tmp_path / "kiel.csv"
    csv_run = runner.invoke(
        app, ["store", "export", "--store", str(db), "--to", "kiel", "-o", str(out)]
    )
    assert csv_run.exit_code == 0
    assert len(read_csv(out.read_text(encoding="utf-8"))) == 2
    stats = runner.invoke(app, ["store", "stats", "--store", str(db), "--json"])
    assert stats.exit_code == 0 and json.loads(stats.stdout)["results"] == 1
    missing = runner.invoke(app, ["store", "stats", "--store", str(tmp_path / "none.db")])
    assert missing.exit_code == 1  # a missing input (README "Exit codes")
