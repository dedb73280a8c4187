"""HTML -> the page's main text and stated metadata, with trafilatura.

trafilatura drops navigation, footers and other boilerplate and keeps the article's blocks
(headings, paragraphs, list items, table rows) one per line; each block becomes one
paragraph here. The publication date is the one the page states (meta tags, JSON-LD,
`<time>`, a date in the URL), found by htmldate without its extensive search: that search
guesses from any date in the body, and a strike's date is not the article's.
"""

from __future__ import annotations

import datetime as dt

from summarizer.errors import InputError
from summarizer.inputs import Extracted, join_paragraphs

# Only what the page states; never a date guessed from the article body.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}


def extract_html(document: str | bytes, *, origin: str, url: str | None = None) -> Extracted:
    """The main text of an HTML document; `InputError` when it has none."""
    import trafilatura

    found = trafilatura.bare_extraction(
        document,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params=_DATE_PARAMS,
    )
    raw_text = getattr(found, "text", None) or ""
    text = join_paragraphs(raw_text.split("\n"))
    if not text:
        raise InputError(origin, "has no article text that could be extracted from its HTML")
    return Extracted(
        text=text,
        title=_clean(getattr(found, "title", None)),
        source=_clean(getattr(found, "sitename", None)),
        published=_iso_date(getattr(found, "date", None)),
        language=_clean(getattr(found, "language", None)),
        url=url,
    )


def looks_like_html(data: bytes) -> bool:
    """Whether a file's first bytes are an HTML document (whatever its name)."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or (
        head.startswith(b"<") and b"<html" in data[:4096].lower()
    )


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _iso_date(value: object) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
