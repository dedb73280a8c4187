"""What people read: `summarizer eval` tables at 80 columns and in files, and Markdown that
shows every record column and every rejected record with its reason."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.render.markdown import to_markdown
from summarizer.schemas import ArticleSummary

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "fixtures" / "gold"
ARTICLES = ROOT / "fixtures" / "articles"


def _results_with_an_error(tmp_path: Path) -> Path:
    """Gold summaries as predictions, and one article that ended as an error line."""
    lines = [
        json.dumps(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(GOLD.glob("*.json"))
    ]
    first = json.loads(lines[0])["article"]["id"]
    error = {"id": first, "source": f"{first}.txt", "error": "the model's answer was cut off",
             "kind": "truncated"}  # fmt: skip
    path = tmp_path / "results.jsonl"
    path.write_text("\n".join([json.dumps(error), *lines[1:]]) + "\n", encoding="utf-8")
    return path


def test_eval_table_fits_80_columns_when_piped(tmp_path: Path) -> None:
    results = _results_with_an_error(tmp_path)
    run = CliRunner().invoke(
        app, ["eval", "--gold", str(GOLD), "--pred", str(results), "--articles", str(ARTICLES)],
        terminal_width=80,
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in run.stdout
    for title in ("Records by type", "Fields by type", "By field", "By article"):
        assert title in run.stdout
    for path in GOLD.glob("*.json"):  # every article named, in full where it fits
        article_id = path.stem
        assert article_id[:25] in run.stdout
    assert "1.000" in run.stdout  # gold scored against itself


def test_eval_table_in_a_file_is_plain_and_complete(tmp_path: Path) -> None:
    results = _results_with_an_error(tmp_path)
    out = tmp_path / "eval.txt"
    run = CliRunner().invoke(app, ["eval", "--gold", str(GOLD), "--pred", str(results),
                                   "--articles", str(ARTICLES), "--out", str(out)])  # fmt: skip
    assert run.exit_code == 0, run.output
    text = out.read_text(encoding="utf-8")
    assert "…" not in text and "\x1b[" not in text
    assert max(len(line) for line in text.splitlines()) <= 100
    for path in GOLD.glob("*.json"):
        assert path.stem in text


def test_eval_markdown_keeps_one_table_per_view(tmp_path: Path) -> None:
    results = _results_with_an_error(tmp_path)
    run = CliRunner().invoke(app, ["eval", "--gold", str(GOLD), "--pred", str(results),
                                   "--articles", str(ARTICLES), "--md"])  # fmt: skip
    assert run.exit_code == 0, run.output
    assert "| type | gold recs | pred recs | rec P | rec R | rec F1 | field P |" in run.stdout
    assert "| article | prediction | field F1 | record F1 | grounding | ROUGE-L |" in run.stdout


def _gold_with_an_event() -> ArticleSummary:
    for path in sorted(GOLD.glob("*.json")):
        summary = ArticleSummary.model_validate_json(path.read_text(encoding="utf-8"))
        if any(e.country and e.weapons and e.injured for e in summary.events):
            return summary
    raise AssertionError("no gold event with country, weapons and injured")


def test_markdown_shows_every_event_column() -> None:
    summary = _gold_with_an_event()
    markdown = to_markdown(summary)
    header = next(line for line in markdown.splitlines() if line.startswith("| kind |"))
    for column in ("country", "weapons", "munitions", "killed", "injured", "attribution"):
        assert f"| {column} |" in header
    event = next(e for e in summary.events if e.country and e.weapons and e.injured)
    assert event.country is not None and event.injured is not None
    row = next(
        line
        for line in markdown.splitlines()
        if line.startswith(f"| {event.kind} |") and event.evidence[0].quote[:40] in line
    )
    assert f"| {event.country} |" in row
    assert ", ".join(event.weapons) in row
    assert event.injured.text in row


def test_markdown_lists_rejected_records_with_their_reasons() -> None:
    summary = _gold_with_an_event()
    rejected = [
        {"kind": "event", "reason": "evidence[0] 'x' is not in the article", "raw": "{}"},
        {"kind": "output", "reason": "a re-ask was cut off at max_tokens=1024", "raw": ""},
    ]
    summary = summary.model_copy(
        update={"provenance": summary.provenance.model_copy(update={"rejected": []})}
    )
    data = json.loads(summary.model_dump_json())
    data["provenance"]["rejected"] = rejected
    markdown = to_markdown(ArticleSummary.model_validate(data))
    assert "## Rejected" in markdown
    for item in rejected:
        assert item["reason"] in markdown
    assert "2 rejected" in markdown
