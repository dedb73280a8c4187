"""The HTML report without a browser: highlighting, escaping, the page's policy and assets,
reading results (errors name the file and line), the Markdown renderer after its move."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from summarizer.errors import InputError
from summarizer.render.html.highlight import Span, highlight, span_matches
from summarizer.render.html.report import build_report, write_report
from summarizer.render.markdown import to_markdown
from summarizer.schemas import ArticleSummary
from summarizer.summaries import load_article_texts, load_results

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "fixtures" / "gold"
ARTICLES = ROOT / "fixtures" / "articles"


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>/<style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in self.raw else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.raw[self._in].append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def test_highlight_cuts_overlapping_spans_and_escapes() -> None:
    text = "a <b> c & d"
    spans = [
        Span("r1-s0", "r1", "event", 0, 5, "a <b>"),
        Span("r2-s0", "r2", "aid", 2, 11, "<b> c & d"),
    ]
    assert all(span_matches(text, s) for s in spans)
    html = str(highlight(text, spans))
    assert html == (
        '<mark class="hl t-event" data-spans="r1-s0" data-recs="r1">a </mark>'
        '<mark class="hl t-event multi" data-spans="r1-s0 r2-s0" data-recs="r1 r2">&lt;b&gt;</mark>'
        '<mark class="hl t-aid" data-spans="r2-s0" data-recs="r2"> c &amp; d</mark>'
    )


def test_a_span_off_its_offsets_does_not_match() -> None:
    assert not span_matches("abcdef", Span("x", "r", "event", 1, 3, "cd"))
    assert not span_matches("abc", Span("x", "r", "event", 2, 9, "c"))


def test_gold_report_marks_every_span_and_lists_missing_text() -> None:
    results = load_results(GOLD)
    texts = load_article_texts(ARTICLES, [s.article.id for s in results.summaries])
    del texts["000_nk-missiles-russia"]
    html = build_report(results, texts)
    spans = set(re.findall(r'data-spans="([^"]+)"', html))
    ids = {span for group in spans for span in group.split()}
    expected = sum(1 for s in results.summaries for _ in s.evidence_spans())
    without_text = sum(1 for _ in results.summaries[0].evidence_spans())
    assert len(ids) == expected - without_text
    assert "No article text for 1 article(s)" in html
    assert 'id="rec-a0-e0"' in html  # its records are still listed


def test_page_is_self_contained_with_a_policy_matching_its_inline_assets() -> None:
    html = build_report(load_results(GOLD), load_article_texts(ARTICLES))
    parsed = _parse(html)
    csp = next(a["content"] for t, a in parsed.tags if t == "meta" and a.get("http-equiv"))
    assert csp is not None and "default-src 'none'" in csp
    for kind in ("script", "style"):
        (source,) = parsed.raw[kind]
        digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
        assert f"{kind}-src 'sha256-{digest}'" in csp
    for tag, attrs in parsed.tags:
        assert tag not in {"link", "iframe", "img", "object", "embed"}
        assert not attrs.get("src") and "style" not in attrs
        if "href" in attrs:
            assert (attrs["href"] or "").startswith(("#", "https://", "http://")), attrs
    assert "http://" not in csp and "https://" not in csp


PAYLOAD = "</textarea><script>alert(1)</script><img src=x onerror=alert(2)>"


def _payload_summary() -> ArticleSummary:
    data = json.loads((GOLD / "000_nk-missiles-russia.json").read_text("utf-8"))
    data["summary"] = PAYLOAD
    data["article"]["title"] = PAYLOAD
    data["article"]["url"] = "javascript:alert(3)"
    data["events"][0]["attacker"] = PAYLOAD
    data["transfers"][0]["weapon"] = PAYLOAD
    data["provenance"]["model"] = PAYLOAD
    data["provenance"]["rejected"] = [{"kind": "event", "reason": PAYLOAD, "raw": PAYLOAD}]
    return ArticleSummary.model_validate(data)


def test_every_text_from_an_article_or_a_model_is_escaped() -> None:
    summary = _payload_summary()
    text = load_article_texts(ARTICLES)["000_nk-missiles-russia"] + "\n" + PAYLOAD
    html = build_report([summary], {summary.article.id: text})
    parsed = _parse(html)
    assert [t for t, _ in parsed.tags].count("script") == 1
    assert not any(t in {"img", "textarea"} for t, _ in parsed.tags)
    assert not any((a.get("href") or "").startswith("javascript") for _, a in parsed.tags)
    assert "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:alert(3)" in html  # shown as text, not as a link


def test_results_with_error_lines_and_bad_lines(tmp_path: Path) -> None:
    gold = (GOLD / "001_state-700m-drawdown.json").read_text("utf-8")
    error = {"id": "x", "source": "x.txt", "error": "x: cut off", "kind": "truncated"}
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(json.loads(gold)) + "\n\n" + json.dumps(error) + "\n", "utf-8")
    loaded = load_results(results)
    assert [s.article.id for s in loaded.summaries] == ["001_state-700m-drawdown"]
    assert [(e.id, e.kind) for e in loaded.errors] == [("x", "truncated")]
    out = write_report(results, tmp_path / "r.html", articles=ARTICLES)
    assert "x: cut off" in out.read_text("utf-8")

    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(error) + "\n{not json\n", "utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl:2.*not JSON"):
        load_results(bad)
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"article": {"id": 1}, "provenance": {}}', "utf-8")
    with pytest.raises(InputError, match=r"wrong\.json.*not a valid summary"):
        load_results(wrong)
    with pytest.raises(InputError, match="does not exist"):
        load_results(tmp_path / "missing.jsonl")


def test_markdown_renderer_lives_in_render() -> None:
    summary = load_results(GOLD / "000_nk-missiles-russia.json").summaries[0]
    markdown = to_markdown(summary)
    assert markdown.startswith("# ") and "## Weapons transfers" in markdown


def test_view_and_summarize_html_commands(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from summarizer.cli.app import app

    runner = CliRunner()
    out = tmp_path / "report.html"
    done = runner.invoke(app, ["view", str(GOLD), "--articles", str(ARTICLES), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert out.read_text("utf-8").count('<details class="article') == len(list(GOLD.glob("*.json")))
    missing = runner.invoke(app, ["view", str(tmp_path / "none.jsonl"), "--out", str(out)])
    assert missing.exit_code == 1 and "none.jsonl: does not exist" in missing.output

    page = tmp_path / "one.html"
    article = ARTICLES / "000_nk-missiles-russia.txt"
    done = runner.invoke(app, [
        "summarize", str(article), "--backend", "replay", "--recordings",
        str(ROOT / "fixtures" / "recordings"), "--format", "html", "--out", str(page),
    ])  # fmt: skip
    assert done.exit_code == 0, done.output
    html = page.read_text("utf-8")
    assert "000_nk-missiles-russia" in html and 'class="article-text"' in html


def test_a_summary_that_carries_its_text_is_highlighted_without_articles(tmp_path: Path) -> None:
    """URL, HTML and PDF inputs have no corpus file: their offsets refer to the text the
    summary carries (`article.text`), so `view` highlights them with no --articles."""
    gold = load_results(GOLD / "000_nk-missiles-russia.json").summaries[0]
    text = load_article_texts(ARTICLES)["000_nk-missiles-russia"]
    carried = gold.model_copy(
        update={"article": gold.article.model_copy(update={"id": "page-1", "text": text})}
    )
    results = tmp_path / "page.json"
    results.write_text(carried.model_dump_json(), "utf-8")
    html = write_report(results, tmp_path / "r.html").read_text("utf-8")
    marked = {span for group in re.findall(r'data-spans="([^"]+)"', html) for span in group.split()}
    assert len(marked) == sum(1 for _ in carried.evidence_spans())
    assert "No article text" not in html


def test_provenance_names_the_strategy_and_every_prompt() -> None:
    from summarizer.schemas import PromptStep

    gold = load_results(GOLD / "000_nk-missiles-russia.json").summaries[0]
    steps = [PromptStep(id="decomposed/aid_type", sha256="a" * 64),
             PromptStep(id="decomposed/summary", sha256="b" * 64)]  # fmt: skip
    provenance = gold.provenance.model_copy(update={"strategy": "decomposed", "prompts": steps})
    html = build_report([gold.model_copy(update={"provenance": provenance})], {})
    assert "decomposed" in html
    assert "decomposed/aid_type (sha256 aaaaaaaaaaaa)" in html
    assert "decomposed/summary (sha256 bbbbbbbbbbbb)" in html
