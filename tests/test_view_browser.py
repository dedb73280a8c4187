"""The HTML report in a real headless Chromium (tests/helpers/browser.py): highlights for
every evidence span, click-to-evidence, hover, filters, inert XSS payloads, zero console
errors, no request leaving the file, and a screenshot per report in tests/artifacts/."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.browser import ARTIFACTS, Browser, OpenedPage, launch

from summarizer.render.html.report import build_report, write_report
from summarizer.schemas import ArticleSummary
from summarizer.summaries import load_results

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "fixtures" / "articles"
GOLD = [ROOT / "fixtures" / "gold", ROOT / "fixtures" / "links" / "records"]
LETTER = {"events": "e", "aid": "a", "transfers": "t", "quotes": "q"}


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    yield from launch(tmp_path_factory.mktemp("chromium-profile"))


@pytest.fixture(scope="module")
def gold_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gold") / "report.html"
    return write_report(GOLD, out, articles=ARTICLES, title="Gold records")


@pytest.fixture(scope="module")
def replay_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus through the real CLI with the replay backend (no model, no network)."""
    out = tmp_path_factory.mktemp("replay") / "results.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "summarizer", "batch", str(ARTICLES), "--backend", "replay",
         "--recordings", str(ROOT / "fixtures" / "recordings"), "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert out.exists(), done.stderr
    return out


def _clean(opened: OpenedPage) -> None:
    assert opened.console_errors == []
    assert opened.page_errors == []
    assert all(url.startswith(("file://", "data:", "about:")) for url in opened.requests)


def _screenshot(opened: OpenedPage, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    opened.page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 10_000
    return path


def _expected_spans(summaries: list[ArticleSummary]) -> dict[str, str]:
    """span id -> quote, numbered as the report numbers them (article, type, record, k)."""
    expected: dict[str, str] = {}
    for index, summary in enumerate(summaries):
        for field, letter in LETTER.items():
            for number, record in enumerate(getattr(summary, field)):
                quotes = [record.text] if field == "quotes" else [e.quote for e in record.evidence]
                for k, quote in enumerate(quotes):
                    expected[f"a{index}-{letter}{number}-s{k}"] = quote
    return expected


_SPAN_TEXTS = """() => {
  const texts = {};
  for (const mark of document.querySelectorAll('mark.hl')) {
    for (const id of mark.dataset.spans.split(' ')) {
      texts[id] = (texts[id] || '') + mark.textContent;
    }
  }
  return texts;
}"""


def test_gold_report_highlights_every_evidence_span(browser: Browser, gold_report: Path) -> None:
    summaries = load_results(GOLD).summaries
    expected = _expected_spans(summaries)
    assert len(expected) > 100  # the gold files have many records
    opened = browser.open(gold_report)
    assert opened.page.evaluate(_SPAN_TEXTS) == expected
    colours = opened.page.evaluate(
        "() => [...new Set([...document.querySelectorAll('mark.hl')]"
        ".map(m => getComputedStyle(m).backgroundColor))].length"
    )
    assert colours >= 4  # one per record type
    _clean(opened)
    opened.page.evaluate("() => document.getElementById('art-0').scrollIntoView()")
    _screenshot(opened, "gold-report.png")


def test_replayed_corpus_report_opens_without_errors(
    browser: Browser, replay_results: Path, tmp_path: Path
) -> None:
    results = load_results(replay_results)
    assert results.summaries and results.errors  # the small model: some summaries, some errors
    report = write_report(replay_results, tmp_path / "replay.html", articles=ARTICLES)
    opened = browser.open(report)
    page = opened.page
    assert page.locator("#errors tbody tr").count() == len(results.errors)
    rejected = sum(len(s.provenance.rejected) for s in results.summaries)
    assert page.locator("ol.rejected > li").count() == rejected
    assert page.locator("dl.provenance").count() == len(results.summaries)
    model = results.summaries[0].provenance.model
    assert model in page.locator("dl.provenance").first.inner_text()
    assert page.evaluate(_SPAN_TEXTS) == _expected_spans(results.summaries)
    _clean(opened)
    page.evaluate("() => document.getElementById('art-0').scrollIntoView()")
    _screenshot(opened, "replay-report.png")


def test_clicking_a_record_scrolls_to_its_evidence_and_flashes_it(
    browser: Browser, gold_report: Path
) -> None:
    summaries = load_results(GOLD).summaries
    index = next(i for i, s in enumerate(summaries) if s.article.id.startswith("012_"))
    opened = browser.open(gold_report, width=1000, height=600)
    page = opened.page
    # the Iran transfer: its evidence is far below its card in the long 012 briefing
    record = f"a{index}-t7"
    page.evaluate("() => window.scrollTo(0, 0)")
    page.locator(f"#rec-{record} .rec-line").click()
    mark = page.locator(f'mark[data-spans~="{record}-s0"]').first
    page.wait_for_function(
        "id => document.querySelector(`mark[data-spans~='${id}-s0']`).classList.contains('flash')",
        arg=record,
    )
    box = mark.bounding_box()
    assert box is not None and 0 <= box["y"] <= 600 - box["height"]
    # a timeline source link jumps from the top of the page to the text too
    page.evaluate("() => window.scrollTo(0, 0)")
    source = page.locator("#timeline a.src").first
    target = source.get_attribute("data-rec")
    source.click()
    target_mark = page.locator(f'mark[data-recs~="{target}"]').first
    box = target_mark.bounding_box()
    assert box is not None and 0 <= box["y"] <= 600
    assert page.evaluate("() => window.scrollY") > 1000
    _clean(opened)
    _screenshot(opened, "click-to-evidence.png")


def test_hovering_a_highlight_shows_its_record(browser: Browser, gold_report: Path) -> None:
    opened = browser.open(gold_report)
    page = opened.page
    mark = page.locator("#art-0 mark.t-transfer").first
    mark.hover()
    tooltip = page.locator("#tooltip")
    assert tooltip.is_visible()
    assert "North Korea → Russia" in tooltip.inner_text()
    _clean(opened)
    _screenshot(opened, "hover.png")


def test_filters_by_type_country_and_dates(browser: Browser, gold_report: Path) -> None:
    opened = browser.open(gold_report)
    page = opened.page
    visible = "sel => [...document.querySelectorAll(sel)].filter(e => !e.closest('.hidden')).length"
    events = page.evaluate(visible, "li.rec[data-type=event]")
    assert events > 0
    page.locator("input[name=type][value=event]").uncheck()
    assert page.evaluate(visible, "li.rec[data-type=event]") == 0
    assert page.evaluate(visible, "#timeline tbody tr") == 0
    assert page.evaluate(visible, "li.rec[data-type=aid]") > 0
    page.locator("input[name=type][value=event]").check()
    page.select_option("#filter-country", "Yemen")
    rows = page.locator("#timeline tbody tr:not(.hidden)")
    assert rows.count() >= 1
    assert all("Yemen" in row for row in rows.all_inner_texts())
    page.select_option("#filter-country", "")
    page.fill("#filter-from", "2024-01-01")
    page.fill("#filter-to", "2024-01-31")
    dates = page.evaluate(
        "() => [...document.querySelectorAll('#timeline tbody tr:not(.hidden)')]"
        ".map(r => [r.dataset.dateStart, r.dataset.dateEnd])"
    )
    assert dates and all(end >= "2024-01-01" and start <= "2024-01-31" for start, end in dates)
    _clean(opened)


def _payload_summary() -> tuple[ArticleSummary, str]:
    text = (
        "Intro <script>window.__xss = 'article';</script> and then\n"
        "<img src=x onerror=\"window.__xss = 'img'\"> more "
        "</textarea><script>window.__xss=1</script>\n"
        "Russia fired <b onmouseover=\"window.__xss='hover'\">500 missiles</b> today."
    )
    quote = "<img src=x onerror=\"window.__xss = 'img'\">"
    start = text.index(quote)
    hover_quote = "<b onmouseover=\"window.__xss='hover'\">500 missiles</b>"
    hover_start = text.index(hover_quote)
    payload = "<script>window.__xss='field'</script><img src=x onerror=\"window.__xss='f'\">"
    data = {
        "article": {
            "id": "xss<script>",
            "title": "</textarea><script>window.__xss='title'</script>",
            "url": "javascript:window.__xss='url'",
            "published": "2024-01-04",
        },
        "summary": "</textarea><img src=x onerror=\"window.__xss='summary'\">",
        "events": [
            {
                "kind": "missile_strike",
                "attacker": payload,
                "country": "</select><script>window.__xss='country'</script>",
                "description": "javascript:window.__xss='desc'",
                "date": {"text": "today", "start": "2024-01-04", "precision": "day"},
                "evidence": [
                    {"quote": quote, "start": start, "end": start + len(quote)},
                    {"quote": hover_quote, "start": hover_start,
                     "end": hover_start + len(hover_quote)},
                ],
            }
        ],
        "quotes": [
            {"speaker": payload, "text": quote, "start": start, "end": start + len(quote)}
        ],
        "provenance": {
            "backend": "replay", "model": payload, "prompt_id": "<svg onload=alert(1)>",
            "prompt_sha256": "0" * 64, "package_version": "0", "created_at": "2024-01-04T00:00:00Z",
            "rejected": [
                {"kind": "transfer", "reason": payload, "raw": "</pre></textarea>" + payload}
            ],
        },
    }  # fmt: skip
    return ArticleSummary.model_validate(data), text


def test_xss_payloads_are_inert(browser: Browser, tmp_path: Path) -> None:
    summary, text = _payload_summary()
    page_path = tmp_path / "xss.html"
    page_path.write_text(build_report([summary], {summary.article.id: text}), encoding="utf-8")
    opened = browser.open(page_path)
    page = opened.page
    page.locator("mark.hl").last.hover()
    page.locator("li.rec").first.click()
    page.select_option("#filter-country", index=1)
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("script").count() == 1  # ours
    assert page.locator("img, textarea, svg[onload], b").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    body = page.locator("body").inner_text()
    for shown in ("<script>window.__xss = 'article';</script>", "javascript:window.__xss='url'",
                  "</textarea><img src=x onerror", "<svg onload=alert(1)>"):  # fmt: skip
        assert shown in body
    assert "<img src=x onerror" in page.locator("#tooltip").inner_text()
    _clean(opened)
    _screenshot(opened, "xss.png")


def test_report_prints(browser: Browser, gold_report: Path, tmp_path: Path) -> None:
    opened = browser.open(gold_report)
    page = opened.page
    page.emulate_media(media="print")
    assert not page.locator("#filters").is_visible()
    pdf = page.pdf(path=str(tmp_path / "report.pdf"))
    assert pdf[:4] == b"%PDF" and len(pdf) > 20_000
    _clean(opened)


def test_the_gold_timeline_merges_reports_of_one_event(browser: Browser, gold_report: Path) -> None:
    opened = browser.open(gold_report)
    rows = opened.page.locator("#timeline tbody tr").all_inner_texts()
    dec30 = [row for row in rows if "2023-12-30" in row and "000_nk" in row]
    assert len(dec30) == 1 and "012_wh-kirby" in dec30[0]
    assert "missile strike" in dec30[0]
    _clean(opened)
