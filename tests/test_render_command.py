"""`summarizer render`: summaries that already exist, as Markdown, one HTML report or JSON.

Runs the real CLI on files `summarizer batch` and `summarizer summarize` wrote from the
recordings; exit codes follow the one table (0, 1 for a file that cannot be read, 2 usage).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.cli.exit_codes import ExitCode
from summarizer.schemas import ArticleSummary

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "fixtures" / "articles"
GOOD = ARTICLES / "001_state-700m-drawdown.txt"
CUT = ARTICLES / "002_dod-820m-pda-usai.txt"
REPLAY = ["--recordings", str(ROOT / "fixtures" / "recordings")]


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def results(tmp_path: Path) -> Path:
    out = tmp_path / "results.jsonl"
    run("batch", GOOD, CUT, "--out", out, "--store", tmp_path / "s.db", "--no-progress", *REPLAY)
    return out


def test_markdown_of_a_results_file_has_each_summary_and_each_failure_once(
    results: Path,
) -> None:
    code, stdout, stderr = run("render", results, "--format", "md")
    assert code == ExitCode.OK, stderr
    assert f"# {GOOD.stem}" in stdout
    assert "## Rejected" in stdout  # the recorded small model's answers were rejected
    assert f"- {CUT.stem} (truncated): the model's answer was cut off" in stdout
    assert stdout.count(CUT.stem) == 1


def test_json_of_one_summary_round_trips(tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    assert run("summarize", GOOD, *REPLAY, "--out", summary)[0] == ExitCode.OK
    code, stdout, _ = run("render", summary, "--format", "json")
    assert code == ExitCode.OK
    assert ArticleSummary.model_validate_json(stdout) == ArticleSummary.model_validate_json(
        summary.read_text(encoding="utf-8")
    )


def test_json_of_a_results_file_lists_summaries_and_error_records(results: Path) -> None:
    code, stdout, _ = run("render", results, "--format", "json")
    assert code == ExitCode.OK
    items = json.loads(stdout)
    assert [item.get("id") or item["article"]["id"] for item in items] == [GOOD.stem, CUT.stem]


def test_html_is_one_page_with_the_article_text(results: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, _, stderr = run("render", results, "--format", "html", "--articles", ARTICLES,
                          "--out", out)  # fmt: skip
    assert code == ExitCode.OK, stderr
    html = out.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert GOOD.stem in html and CUT.stem in html


def test_render_exit_codes(tmp_path: Path, results: Path) -> None:
    code, _, stderr = run("render", tmp_path / "none.jsonl")
    assert code == ExitCode.ERROR
    assert stderr.strip() == f"summarizer: error: {tmp_path / 'none.jsonl'}: does not exist"
    broken = tmp_path / "broken.jsonl"
    broken.write_text("not json\n", encoding="utf-8")
    code, _, stderr = run("render", broken)
    assert code == ExitCode.ERROR and f"{broken}:1: is not JSON" in stderr
    assert run("render", results, "--format", "pdf")[0] == ExitCode.USAGE
