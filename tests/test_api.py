"""The Python API's handling of sources: paths, raw text and Article objects."""

from __future__ import annotations

from pathlib import Path

from summarizer.api import load_source

EXAMPLE = Path(__file__).parent.parent / "fixtures" / "articles" / "000_nk-missiles-russia.txt"


def test_a_path_reads_the_file_and_its_header() -> None:
    for source in (EXAMPLE, str(EXAMPLE)):
        article = load_source(source)
        assert article.meta.id == "000_nk-missiles-russia"
        assert article.meta.published is not None and article.meta.source == "The Hill"


def test_raw_text_is_text_even_when_long_and_on_one_line() -> None:
    text = "Russia fired 40 missiles at Kyiv on Tuesday. " * 50  # longer than any file name
    article = load_source(text, published="2024-01-04")
    assert article.text == text
    assert article.meta.id.startswith("text-")
    assert article.meta.published is not None and article.meta.published.isoformat() == "2024-01-04"


def test_published_overrides_an_articles_date() -> None:
    article = load_source(load_source(EXAMPLE), published="2024-02-01")
    assert article.meta.published is not None and article.meta.published.isoformat() == "2024-02-01"
