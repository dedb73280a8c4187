"""Reading articles: files, stdin and raw text become an `Article` or a clear `InputError`.

A corpus-style file has a metadata header (`key: value` lines), a line `---`, then the
text. Offsets everywhere in the project are relative to that text (below the header).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from summarizer.errors import InputError
from summarizer.schemas import ArticleMeta

_HEADER_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*):[ \t]*(.*)$")
_HEADER_TO_META = {"source_url": "url", "url": "url", "publisher": "source", "source": "source"}


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
    """Read a corpus-style file (metadata header, `---`, text) or a plain text file."""
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
    text = decode_article_bytes(data, origin=origin)
    return article_from_text(text, article_id=path.stem, origin=origin, published=published)
