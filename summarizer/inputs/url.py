"""Fetching an article by URL with httpx, within limits.

A fetch is bounded three ways: a size limit (checked against Content-Length before reading
and against the bytes read, after decompression), a time limit (per network operation and
for the whole download) and a number of redirects. Only pages, PDFs and text are read;
anything else is refused from its headers, before its body is downloaded. Every problem is
one `InputError` naming the URL (without any user:password in it).
"""

from __future__ import annotations

import re
import time
import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING

from summarizer.errors import InputError

if TYPE_CHECKING:
    import httpx

DEFAULT_MAX_BYTES = 10_000_000
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_REDIRECTS = 5

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
PDF_TYPE = "application/pdf"
TEXT_TYPE = "text/plain"
# Servers that do not know what a file is call it octet-stream; its bytes decide (a PDF?).
UNKNOWN_TYPE = "application/octet-stream"
_READABLE = HTML_TYPES | {PDF_TYPE, TEXT_TYPE, UNKNOWN_TYPE}
_ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8"

_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT  # seconds, for the whole fetch
    max_redirects: int = DEFAULT_MAX_REDIRECTS


@dataclass(frozen=True)
class Page:
    """What a URL answered: the final URL after redirects, its media type and its bytes."""

    url: str
    content_type: str  # lower case, without parameters; UNKNOWN_TYPE when not stated
    charset: str | None
    data: bytes


def is_url(value: str) -> bool:
    """Whether a command-line argument or API source is an http(s) URL rather than a path."""
    return _URL.fullmatch(value.strip()) is not None


def display_url(url: str) -> str:
    """The URL as error messages and results show it: without user:password@."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.username is None and parts.password is None:
        return url.strip()
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def fetch(url: str, *, limits: FetchLimits | None = None, user_agent: str = "summarizer") -> Page:
    """GET `url` within `limits`; an unreadable answer raises `InputError`."""
    import httpx  # here: reading files and parsing options never needs an HTTP client

    limits = limits or FetchLimits()
    origin = display_url(url)
    try:
        with (
            httpx.Client(
                follow_redirects=True,
                max_redirects=limits.max_redirects,
                timeout=limits.timeout,
                headers={"User-Agent": user_agent, "Accept": _ACCEPT},
            ) as client,
            client.stream("GET", url.strip()) as response,
        ):
            return _read(response, origin, limits)
    except httpx.TooManyRedirects:
        raise InputError(origin, f"redirects more than {limits.max_redirects} times") from None
    except httpx.TimeoutException:
        raise InputError(origin, f"did not answer within {limits.timeout:g} s") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise InputError(origin, f"is not a URL that can be fetched ({exc})") from None
    except httpx.HTTPError as exc:
        raise InputError(
            origin, f"could not be fetched ({type(exc).__name__}: {exc or 'no details'})"
        ) from None


def _read(response: httpx.Response, origin: str, limits: FetchLimits) -> Page:
    deadline = time.monotonic() + limits.timeout
    if response.status_code >= 400:
        raise InputError(origin, f"HTTP {response.status_code} {response.reason_phrase}".strip())
    content_type, charset = media_type(response.headers.get("content-type"))
    if content_type not in _READABLE:
        raise InputError(origin, f"is {content_type}, not a web page, a PDF or text")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise InputError(origin, _too_large(int(declared), limits))
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limits.max_bytes:
            raise InputError(origin, _too_large(None, limits))
        if time.monotonic() > deadline:
            raise InputError(origin, f"did not finish downloading within {limits.timeout:g} s")
        chunks.append(chunk)
    return Page(str(response.url), content_type, charset, b"".join(chunks))


def media_type(header: str | None) -> tuple[str, str | None]:
    """("text/html", "utf-8") from "text/html; charset=UTF-8"; no header is UNKNOWN_TYPE."""
    if not header or not header.strip():
        return UNKNOWN_TYPE, None
    kind, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'").lower()
    return kind.strip().lower(), charset


def _too_large(size: int | None, limits: FetchLimits) -> str:
    if size is None:
        return f"is too large (over the limit of {limits.max_bytes:,} bytes)"
    return f"is too large ({size:,} bytes; the limit is {limits.max_bytes:,})"
