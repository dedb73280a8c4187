"""HTML files, PDF files and URLs become articles whose extracted text the offsets refer to.

Real components throughout: trafilatura and pypdf extract, PDFs are made by fpdf2 and
encrypted by pypdf, pages are served by an HTTP server on 127.0.0.1, and summaries come
from the real pipeline talking to a scripted OpenAI-compatible server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import chat_completion, page, page_server, redirect, scripted_server
from typer.testing import CliRunner

from summarizer import Summarizer
from summarizer.articles import (
    FetchLimits,
    fetch_article,
    is_url,
    load_input,
    read_article,
)
from summarizer.articles import url_article_id as article_id_for
from summarizer.errors import InputError
from summarizer.http.retry import RetryPolicy
from summarizer.schemas import ArticleSummary

CORPUS_FILE = Path(__file__).parent.parent / "fixtures" / "articles" / "001_state-700m-drawdown.txt"
PARAGRAPHS = read_article(CORPUS_FILE).text.split("\n\n")
TITLE = PARAGRAPHS[0]
# Wraps over two lines in the PDF below: the reflow must make it one string again.
AID_SENTENCE = (
    "Pursuant to a delegation from the President, I am authorizing our eleventh drawdown of "
    "arms and equipment from U.S. Department of Defense inventories for Ukraine's defense, "
    "valued at up to $700 million."
)
TOTAL_SENTENCE = (
    "This will bring total U.S. military assistance to Ukraine to approximately $4.6 billion "
    "since Russia launched its brutal and unprovoked full-scale invasion of Ukraine on "
    "February 24."
)
DATE_MARKUP = {
    "meta": ('<meta property="article:published_time" content="2022-06-01T14:00:00Z">', ""),
    "json-ld": (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
        '"NewsArticle", "headline": "Drawdown", "datePublished": "2022-06-01T14:00:00Z"}'
        "</script>",
        "",
    ),
    "time": ("", '<p class="byline">Published <time datetime="2022-06-01">June 1, 2022</time></p>'),
}


def html_page(date_form: str | None = "meta") -> str:
    head, byline = DATE_MARKUP[date_form] if date_form else ("", "")
    paragraphs = "\n".join(f"<p>{p.replace('  ', ' ')}</p>" for p in PARAGRAPHS[1:])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{TITLE} - Department of State</title>
<meta property="og:site_name" content="U.S. Department of State">{head}
<script>var tracking = "not article text";</script><style>p {{ color: #333 }}</style>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/briefings">Press briefings</a></li>
<li><a href="/travel">Travel advisories</a></li></ul></nav>
<main><article><h1>{TITLE}</h1>{byline}
{paragraphs}
</article></main>
<footer><p>Subscribe to updates</p><a href="/privacy">Privacy policy</a></footer>
</body></html>"""


def make_pdf(paragraphs: list[str], *, title: str | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, paragraph)
        pdf.ln(4)
    return bytes(pdf.output())


def draft_answer() -> str:
    aid = {
        "evidence": [AID_SENTENCE],
        "donor": "U.S.",
        "recipient": "Ukraine",
        "amount": "up to $700 million",
        "aid_type": "military",
        "stage": "announced",
        "scope": "package",
        "mechanism": None,
        "items": ["arms and equipment"],
        "date": None,
        "description": "An eleventh drawdown of arms and equipment for Ukraine.",
        "attribution": None,
    }
    total = {
        **aid,
        "evidence": [TOTAL_SENTENCE],
        "amount": "approximately $4.6 billion",
        "scope": "cumulative",
        "items": [],
        "description": "Total U.S. military assistance to Ukraine since February 24.",
    }
    return json.dumps(
        {
            "summary": "The United States is authorizing an eleventh drawdown of arms and "
            "equipment for Ukraine's defense.",
            "events": [],
            "aid": [aid, total],
            "transfers": [],
            "quotes": [],
        }
    )


def summarizer_for(base_url: str) -> Summarizer:
    return Summarizer(
        backend="openai",
        base_url=base_url,
        model="scripted-model",
        retry=RetryPolicy(max_attempts=1, initial_backoff=0.01, jitter=0),
    )


def assert_offsets_into_extracted_text(result: ArticleSummary) -> None:
    text = result.article.text
    assert text is not None
    spans = list(result.evidence_spans())
    assert [quote for quote, _, _ in spans] == [AID_SENTENCE, TOTAL_SENTENCE]
    for quote, start, end in spans:
        assert (start, end) == (text.index(quote), text.index(quote) + len(quote))
        assert text[start:end] == quote
    assert result.provenance.rejected == []
    assert [a.amount.amount for a in result.aid if a.amount] == [700_000_000, 4_600_000_000]


# --- HTML files -----------------------------------------------------------------------------


def test_html_file_gives_its_main_text_without_tags_or_boilerplate(tmp_path: Path) -> None:
    path = tmp_path / "drawdown.html"
    path.write_text(html_page(), encoding="utf-8")
    article = read_article(path)
    assert article.text.split("\n\n") == [TITLE, *(" ".join(p.split()) for p in PARAGRAPHS[1:])]
    for noise in ("<", "Home", "Privacy policy", "tracking", "color"):
        assert noise not in article.text
    assert article.meta.text == article.text
    assert article.meta.title == TITLE
    assert article.meta.source == "U.S. Department of State"
    assert article.meta.published is not None
    assert article.meta.published.isoformat() == "2022-06-01"
    assert article.meta.id == "drawdown"


@pytest.mark.parametrize("date_form", sorted(DATE_MARKUP))
def test_the_page_s_own_published_date_is_read_from_each_form(
    tmp_path: Path, date_form: str
) -> None:
    path = tmp_path / "page.html"
    path.write_text(html_page(date_form), encoding="utf-8")
    published = read_article(path).meta.published
    assert published is not None and published.isoformat() == "2022-06-01"


def test_a_page_that_states_no_date_gets_none_not_a_date_from_its_text(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(html_page(None), encoding="utf-8")  # the text mentions May 21 and Feb 24
    assert read_article(path).meta.published is None


def test_an_explicit_published_date_wins_over_the_page_s(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(html_page("meta"), encoding="utf-8")
    published = read_article(path, published="2022-06-02").meta.published
    assert published is not None and published.isoformat() == "2022-06-02"


def test_html_file_summarizes_with_offsets_into_the_extracted_text(tmp_path: Path) -> None:
    path = tmp_path / "drawdown.html"
    path.write_text(html_page(), encoding="utf-8")
    with (
        scripted_server([chat_completion(draft_answer())]) as model,
        summarizer_for(model.base_url) as s,
    ):
        result = s.summarize(path)
    assert "<p>" not in model.requests[0].json()["messages"][1]["content"]
    assert_offsets_into_extracted_text(result)
    reloaded = ArticleSummary.model_validate_json(result.model_dump_json())
    assert reloaded.article.text == read_article(path).text


# --- PDF files ------------------------------------------------------------------------------


def test_pdf_lines_are_reflowed_into_the_paragraphs_of_the_document(tmp_path: Path) -> None:
    paragraphs = [TITLE, *(" ".join(p.split()) for p in PARAGRAPHS[1:])]
    path = tmp_path / "drawdown.pdf"
    path.write_bytes(make_pdf(paragraphs, title="Drawdown of U.S. Military Assistance"))
    article = read_article(path)
    assert article.text.split("\n\n") == paragraphs
    assert article.meta.text == article.text
    assert article.meta.title == "Drawdown of U.S. Military Assistance"
    assert article.meta.published is None  # a PDF's creation date is not a publication date


def test_pdf_summarizes_with_offsets_into_the_extracted_text(tmp_path: Path) -> None:
    path = tmp_path / "drawdown.pdf"
    path.write_bytes(make_pdf(PARAGRAPHS))
    with (
        scripted_server([chat_completion(draft_answer())]) as model,
        summarizer_for(model.base_url) as s,
    ):
        result = s.summarize(path, published="2022-06-01")
    assert_offsets_into_extracted_text(result)
    assert result.article.id == "drawdown"


def test_pdf_is_recognised_by_its_bytes_whatever_its_name(tmp_path: Path) -> None:
    path = tmp_path / "download.bin"
    path.write_bytes(make_pdf(PARAGRAPHS))
    assert AID_SENTENCE in read_article(path).text


def encrypted_pdf(password: str) -> bytes:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(PARAGRAPHS))))
    writer.encrypt(user_password=password, owner_password="owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        (
            "locked.pdf",
            lambda: encrypted_pdf("s3cret"),
            "is an encrypted PDF that needs a password",
        ),
        ("blank.pdf", blank_pdf, "is a PDF without a text layer (scanned pages?)"),
        ("broken.pdf", lambda: b"%PDF-1.7\nnot really a pdf\n", "is not a readable PDF"),
    ],
)
def test_unreadable_pdfs_are_one_line_errors_naming_the_file(
    tmp_path: Path, name: str, data: Any, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data())
    with pytest.raises(InputError) as raised:
        read_article(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: {problem}")
    assert "\n" not in message


def test_a_pdf_encrypted_only_against_editing_opens(tmp_path: Path) -> None:
    path = tmp_path / "owner-only.pdf"
    path.write_bytes(encrypted_pdf(""))
    assert AID_SENTENCE in read_article(path).text


def test_html_without_article_text_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<!doctype html><html><head><title>x</title></head><body></body></html>")
    with pytest.raises(InputError, match=r"empty\.html: has no article text"):
        read_article(path)


# --- URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "https://thehill.com/policy/defense/4410000-us-aid-ukraine/",
        "http://127.0.0.1:8080/a.html?x=1",
        "HTTPS://EXAMPLE.ORG",
    ],
)
def test_urls_are_told_from_paths(value: str) -> None:
    assert is_url(value)


@pytest.mark.parametrize(
    "value",
    ["fixtures/articles/000.txt", "https:/thehill.com/x", "ftp://host/a", "see https://x y"],
)
def test_paths_and_text_are_not_urls(value: str) -> None:
    assert not is_url(value)


def test_url_ids_are_readable_and_bounded() -> None:
    assert article_id_for("https://thehill.com/policy/defense/4410000-us-aid/") == (
        "thehill.com-policy-defense-4410000-us-aid"
    )
    assert article_id_for("https://www.state.gov/briefing.html?id=3") == "www.state.gov-briefing"
    long = article_id_for("https://example.org/" + "a" * 300)
    assert len(long) == 100 and long.startswith("example.org-aaa")


def test_url_is_fetched_and_summarized_with_offsets_into_the_extracted_text() -> None:
    with (
        page_server({"/news/drawdown.html": page(html_page("json-ld"))}) as pages,
        scripted_server([chat_completion(draft_answer())]) as model,
        summarizer_for(model.base_url) as s,
    ):
        url = pages.url("/news/drawdown.html")
        result = s.summarize(url)
    assert_offsets_into_extracted_text(result)
    assert result.article.url == url
    assert result.article.id == "127.0.0.1-news-drawdown"
    assert result.article.published is not None
    assert result.article.published.isoformat() == "2022-06-01"


def test_cli_summarizes_a_url(tmp_path: Path) -> None:
    from summarizer.cli import app

    with (
        page_server(
            {"/old": redirect("/news/drawdown.html"), "/news/drawdown.html": page(html_page())}
        ) as pages,
        scripted_server([chat_completion(draft_answer())]) as model,
    ):
        out = tmp_path / "summary.json"
        run = CliRunner().invoke(
            app,
            ["summarize", pages.url("/old"), "--base-url", model.base_url, "--model", "m",
             "--out", str(out)],
        )  # fmt: skip
        assert run.exit_code == 0, run.output
        assert pages.requests == ["/old", "/news/drawdown.html"]
    result = ArticleSummary.model_validate_json(out.read_text(encoding="utf-8"))
    assert_offsets_into_extracted_text(result)
    assert result.article.url == pages.url("/news/drawdown.html")  # where the page is


def test_pdf_and_text_urls_are_read_by_their_content_type() -> None:
    pdf = make_pdf(PARAGRAPHS)
    routes = {
        "/report": page(pdf, "application/pdf"),
        "/report-unknown": page(pdf, "application/octet-stream"),
        "/plain": page("\n\n".join(PARAGRAPHS), "text/plain; charset=utf-8"),
    }
    with page_server(routes) as pages:
        for path in routes:
            article = fetch_article(pages.url(path))
            assert AID_SENTENCE in article.text, path
    assert article.meta.text is None  # a text file's own text: no copy needed


def test_load_input_fetches_urls_and_reads_paths() -> None:
    with page_server({"/a.html": page(html_page())}) as pages:
        assert load_input(pages.url("/a.html")).meta.title == TITLE
    assert load_input(str(CORPUS_FILE)).meta.id == CORPUS_FILE.stem


def _loop_routes() -> dict[str, Any]:
    return {f"/hop{n}": redirect(f"/hop{n + 1}") for n in range(10)}


@pytest.mark.parametrize(
    ("routes", "path", "limits", "problem"),
    [
        ({}, "/missing.html", None, "HTTP 404 Not Found"),
        ({"/x": page("down", status=503)}, "/x", None, "HTTP 503 Service Unavailable"),
        (
            {"/big.html": page("<p>" + "x" * 5000 + "</p>")},
            "/big.html",
            FetchLimits(max_bytes=1000),
            "is too large (5,007 bytes; the limit is 1,000)",
        ),
        (
            {"/stream.html": page("<p>" + "x" * 50_000 + "</p>", send_length=False)},
            "/stream.html",
            FetchLimits(max_bytes=1000),
            "is too large (over the limit of 1,000 bytes)",
        ),
        (
            {"/photo.png": page(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")},
            "/photo.png",
            None,
            "is image/png, not a web page, a PDF or text",
        ),
        (
            {"/blob": page(b"PK\x03\x04" + b"\0" * 64, "application/octet-stream")},
            "/blob",
            None,
            "is application/octet-stream and neither a web page nor a PDF",
        ),
        (_loop_routes(), "/hop0", FetchLimits(max_redirects=3), "redirects more than 3 times"),
        (
            {"/slow.html": page(html_page(), delay=3)},
            "/slow.html",
            FetchLimits(timeout=0.3),
            "did not answer within 0.3 s",
        ),
    ],
    ids=["404", "503", "too-large", "too-large-streamed", "image", "zip", "redirects", "timeout"],
)
def test_bad_urls_are_one_line_errors_naming_the_url(
    routes: dict[str, Any], path: str, limits: FetchLimits | None, problem: str
) -> None:
    with page_server(routes) as pages:
        url = pages.url(path)
        with pytest.raises(InputError) as raised:
            fetch_article(url, limits=limits)
    assert str(raised.value) == f"{url}: {problem}"


def test_a_url_nobody_answers_is_an_error_not_a_missing_file() -> None:
    with page_server({}) as pages:
        url = pages.url("/gone.html")
    with pytest.raises(InputError) as raised:  # the server is stopped: connection refused
        load_input(url)
    assert str(raised.value).startswith(f"{url}: could not be fetched (ConnectError")
    assert "does not exist" not in str(raised.value)


def test_credentials_in_a_url_never_reach_the_error_or_the_result() -> None:
    with page_server({"/a.html": page(html_page())}) as pages:
        url = pages.url("/a.html").replace("http://", "http://reader:pa55word@")
        article = fetch_article(url)
        with pytest.raises(InputError) as raised:
            fetch_article(url.replace("/a.html", "/missing"))
    assert "pa55word" not in str(raised.value) and "reader" not in str(raised.value)
    assert article.meta.url is not None and "pa55word" not in article.meta.url


def test_cli_bad_url_prints_one_line_and_exits_1() -> None:
    from summarizer.cli import app

    with page_server({}) as pages:
        url = pages.url("/missing.html")
        run = CliRunner().invoke(app, ["summarize", url, "--backend", "replay",
                                       "--recordings", "fixtures/recordings"])  # fmt: skip
    assert run.exit_code == 1
    assert run.output.strip() == f"summarizer: error: {url}: HTTP 404 Not Found"


def test_batch_reads_a_url_an_html_file_and_a_pdf_and_names_a_bad_url_once(
    tmp_path: Path,
) -> None:
    from summarizer.cli import app

    (tmp_path / "drawdown.html").write_text(html_page(), encoding="utf-8")
    (tmp_path / "drawdown-report.pdf").write_bytes(make_pdf(PARAGRAPHS))
    out = tmp_path / "results.jsonl"
    with (
        page_server({"/news/drawdown.html": page(html_page("json-ld"))}) as pages,
        scripted_server([chat_completion(draft_answer())], repeat_last=True) as model,
    ):
        run = CliRunner().invoke(
            app,
            ["batch", pages.url("/news/drawdown.html"), pages.url("/missing.html"),
             str(tmp_path / "drawdown.html"), str(tmp_path / "drawdown-report.pdf"),
             "--out", str(out), "--store", str(tmp_path / "store.db"), "--concurrency", "1",
             "--no-progress", "--base-url", model.base_url, "--model", "scripted-model"],
        )  # fmt: skip
    assert run.exit_code == 3, run.output  # finished; the missing page is an error line
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    (error,) = [line for line in lines if "error" in line]
    assert error["source"] == pages.url("/missing.html")
    assert error["error"] == "HTTP 404 Not Found"
    summaries = {
        s.article.id: s
        for s in (ArticleSummary.model_validate(line) for line in lines if "error" not in line)
    }
    assert set(summaries) == {"127.0.0.1-news-drawdown", "drawdown", "drawdown-report"}
    for summary in summaries.values():
        assert_offsets_into_extracted_text(summary)
