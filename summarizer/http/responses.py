"""Responses below the SDK: unread responses built from bytes, and what a response asks of us.

Shared by the retrying transport (which reads each attempt's body) and the recorder (which
serves recorded bodies): both hand httpx an *unread* response, as if it came off the wire.
`retry_after_seconds` reads the wait a server asked for.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

__all__ = ["buffered_response", "is_event_stream", "retry_after_seconds", "unread_response"]


def retry_after_seconds(
    headers: Mapping[str, str] | httpx.Headers, *, now: datetime | None = None
) -> float | None:
    """The wait a server asked for, in seconds, or None when it asked for none we can read.

    ``retry-after-ms`` (OpenAI's, more precise) wins over ``Retry-After``, which may be a number
    of seconds or an HTTP date. A date in the past means "now" (0.0).
    """
    lowered = httpx.Headers(headers)
    millis = _parse_number(lowered.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000.0
    value = lowered.get("retry-after")
    if value is None:
        return None
    seconds = _parse_number(value)
    if seconds is not None:
        return seconds
    return _seconds_until_http_date(value, now or datetime.now(UTC))


def _parse_number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return max(number, 0.0)


def _seconds_until_http_date(value: str, now: datetime) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a naive one is read the same way
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


#: Headers that describe the bytes on the wire, not the decoded body we hand on.
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def is_event_stream(response: httpx.Response) -> bool:
    """Whether the response is a server-sent event stream (``stream=True`` completions)."""
    return str(response.headers.get("content-type", "")).startswith("text/event-stream")


def buffered_response(response: httpx.Response, content: bytes) -> httpx.Response:
    """A fresh, unread response holding ``content``, the already decoded body of ``response``.

    httpx expects a transport to return an unread response; handing back one we have read and
    closed would leave it half-finished (no ``elapsed``), and its ``Content-Encoding`` would
    make httpx decode the body a second time. So the wire headers go and a new one is built.
    """
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _WIRE_HEADERS]
    extensions: dict[str, Any] = {
        name: response.extensions[name]
        for name in ("http_version", "reason_phrase")
        if name in response.extensions
    }
    return unread_response(response.status_code, headers, content, extensions)


def unread_response(
    status: int,
    headers: Sequence[tuple[str, str]] | Mapping[str, str],
    content: bytes,
    extensions: Mapping[str, Any] | None = None,
) -> httpx.Response:
    """A response whose body the httpx client will read, as if it came off the wire.

    ``httpx.Response(content=...)`` reads itself at once, and the client then never finishes it
    (``elapsed`` stays unset); a ``ByteStream`` keeps it unread until the client reads it.
    """
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    pairs = [(k, v) for k, v in pairs if k.lower() not in _WIRE_HEADERS]
    pairs.append(("content-length", str(len(content))))
    return httpx.Response(
        status, headers=pairs, stream=httpx.ByteStream(content), extensions=dict(extensions or {})
    )
