"""Reading articles: files, URLs, stdin and raw text become an `Article` or an `InputError`.

A corpus-style file has a metadata header (`key: value` lines), a line `---`, then the
text. Offsets everywhere in the project are relative to that text (below the header).

HTML files, PDF files and URLs (a page, a PDF or text) go through `summarizer.inputs`:
their main text is extracted, and offsets refer to that extracted text, which the result
keeps as `article.text` so they stay checkable. A file's kind is told by its bytes (a PDF's
`%PDF-`, an HTML document's opening tags) or its suffix; a URL's by its content type.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeGuard

from summarizer.errors import InputError
from summarizer.inputs import Extracted
from summarizer.inputs.html import extract_html, looks_like_html
from summarizer.inputs.pdf import extract_pdf, looks_like_pdf
from summarizer.inputs.url import (
    HTML_TYPES,
    PDF_TYPE,
    TEXT_TYPE,
    FetchLimits,
    display_url,
    fetch,
    is_url,
)
from summarizer.schemas import ArticleMeta

_HEADER_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*):[ \t]*(.*)$")
_HEADER_TO_META = {"source_url": "url", "url": "url", "publisher": "source", "source": "source"}
_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
_URL_ID_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_URL_ID = 100

__all__ = [
    "Article",
    "FetchLimits",
    "article_from_extracted",
    "article_from_text",
    "decode_article_bytes",
    "fetch_article",
    "is_url",
    "load_input",
    "read_article",
    "url_article_id",
]


@dataclass(frozen=True)
class Article:
    """An article's text and its metadata; `text` is what offsets refer to."""

    text: str
    meta: ArticleMeta
    header: dict[str, str] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def split_header(raw: str) -> tuple[dict[str, str], str]:
    """Split a `key: value` header ended by `---` from the text; no header gives {}."""
    lines = raw.split("\n")
    header: dict[str, str] = {}
    for index, line in enumerate(lines):
        if line.strip() == "---":
            if not header:
                break
            return header, "\n".join(lines[index + 1 :])
        match = _HEADER_LINE.match(line)
        if match is None:
            break
        header[match.group(1).lower()] = match.group(2).strip()
    return {}, raw


def parse_published(value: str | None, *, origin: str) -> dt.date | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:  # a date, or a full ISO timestamp (its date): "2024-01-04junk" is neither
        return (
            dt.date.fromisoformat(text)
            if len(text) <= 10
            else dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        )
    except ValueError:
        raise InputError(
            origin, f"published date {value!r} is not an ISO date (YYYY-MM-DD)"
        ) from None


def article_from_text(
    raw: str,
    *,
    article_id: str,
    origin: str = "<text>",
    published: str | dt.date | None = None,
    title: str | None = None,
    url: str | None = None,
    language: str | None = None,
) -> Article:
    """Build an `Article` from raw text, honouring a metadata header if it has one.

    Explicit arguments win over header values.
    """
    header, text = split_header(raw.replace("\r\n", "\n"))
    if not text.strip():
        raise InputError(
            origin,
            "is empty (no article text)" if not header else "has a header but no article text",
        )
    if isinstance(published, dt.date):
        published_date: dt.date | None = published
    else:
        published_date = parse_published(published or header.get("published"), origin=origin)
    values: dict[str, str] = {}
    for key, value in header.items():
        target = _HEADER_TO_META.get(key, key)
        if value and target in {"title", "source", "url", "language"}:
            values.setdefault(target, value)
    meta = ArticleMeta(
        id=article_id,
        title=title or values.get("title"),
        source=values.get("source"),
        url=url or values.get("url"),
        published=published_date,
        language=language or values.get("language"),
    )
    return Article(text=text, meta=meta, header=header)


def decode_article_bytes(data: bytes, *, origin: str) -> str:
    """Decode UTF-8 text; binary or undecodable input raises `InputError`."""
    if not data.strip():
        raise InputError(origin, "is empty (no article text)")
    if b"\x00" in data:  # anywhere: binary data appended after a text start too
        raise InputError(
            origin, "looks like a binary file (it contains NUL bytes), not article text"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            origin, f"is not valid UTF-8 text (undecodable byte at offset {exc.start})"
        ) from None
    if not text.strip():
        raise InputError(origin, "is empty (only whitespace)")
    return text


def read_article(path: str | Path, *, published: str | dt.date | None = None) -> Article:
    """Read an article file: corpus-style or plain text, HTML, or PDF."""
    path = Path(path)
    origin = str(path)
    if not path.exists():
        raise InputError(origin, "does not exist")
    if path.is_dir():
        raise InputError(origin, "is a directory, not an article file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(origin, f"cannot be read ({exc.strerror})") from None
    suffix = path.suffix.lower()
    if suffix == ".pdf" or looks_like_pdf(data):
        extracted = extract_pdf(data, origin=origin)
    elif suffix in _HTML_SUFFIXES or looks_like_html(data):
        extracted = extract_html(data, origin=origin)
    else:
        text = decode_article_bytes(data, origin=origin)
        return article_from_text(text, article_id=path.stem, origin=origin, published=published)
    return article_from_extracted(
        extracted, article_id=path.stem, origin=origin, published=published
    )


def fetch_article(
    url: str, *, published: str | dt.date | None = None, limits: FetchLimits | None = None
) -> Article:
    """Fetch a web page, a PDF or a text file by URL and read its article."""
    origin = display_url(url)
    page = fetch(url, limits=limits)
    final_url = display_url(page.url)
    article_id = url_article_id(url)
    if page.content_type in HTML_TYPES or (
        page.content_type not in {PDF_TYPE, TEXT_TYPE} and looks_like_html(page.data)
    ):
        document: str | bytes = (
            page.data.decode(page.charset, errors="replace") if _known(page.charset) else page.data
        )
        extracted = extract_html(document, origin=origin, url=final_url)
    elif page.content_type == PDF_TYPE or looks_like_pdf(page.data):
        extracted = extract_pdf(page.data, origin=origin)
    elif page.content_type == TEXT_TYPE:
        text = (
            page.data.decode(page.charset, errors="replace")
            if _known(page.charset)
            else decode_article_bytes(page.data, origin=origin)
        )
        return article_from_text(
            text, article_id=article_id, origin=origin, published=published, url=final_url
        )
    else:
        raise InputError(origin, f"is {page.content_type} and neither a web page nor a PDF")
    return article_from_extracted(
        extracted, article_id=article_id, origin=origin, published=published, url=final_url
    )


def load_input(source: str | Path, *, published: str | dt.date | None = None) -> Article:
    """What a command line names: a URL (fetched) or a file."""
    if isinstance(source, str) and is_url(source):
        return fetch_article(source, published=published)
    return read_article(source, published=published)


def article_from_extracted(
    extracted: Extracted,
    *,
    article_id: str,
    origin: str,
    published: str | dt.date | None = None,
    url: str | None = None,
) -> Article:
    """An `Article` whose text was extracted; the text is kept in `meta.text` for offsets."""
    if isinstance(published, dt.date):
        published_date: dt.date | None = published
    else:
        published_date = parse_published(published, origin=origin) or extracted.published
    meta = ArticleMeta(
        id=article_id,
        title=extracted.title,
        source=extracted.source,
        url=url or extracted.url,
        published=published_date,
        language=extracted.language,
        text=extracted.text,
    )
    return Article(text=extracted.text, meta=meta)


def url_article_id(url: str) -> str:
    """A readable id for a URL's article: host and path, e.g. `example.org-news-aid-2024`."""
    parts = urllib.parse.urlsplit(display_url(url))
    path = re.sub(r"\.(s?html?|php|aspx?|pdf|txt)$", "", parts.path, flags=re.IGNORECASE)
    slug = _URL_ID_CHARS.sub("-", f"{parts.hostname or ''}{path}").strip("-.")
    if len(slug) > _MAX_URL_ID:
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]
        slug = f"{slug[: _MAX_URL_ID - 9]}-{digest}"
    return slug or "url-" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


def _known(charset: str | None) -> TypeGuard[str]:
    if not charset:
        return False
    try:
        codecs.lookup(charset)
    except LookupError:
        return False
    return True
