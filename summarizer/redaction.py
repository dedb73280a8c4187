"""Redaction: the one place secrets are taken out of text before it leaves the process.

Applied at every boundary: recordings (bodies, headers, metadata), log records (a filter on
every handler the CLI configures), error messages stored in the ledger and the errors table,
and error lines in results files. What is redacted:

- secret-looking tokens: bearer tokens, `sk-...` keys, organization / project ids, Google and
  Hugging Face keys, `key=` / `token=` / `password=` query parameters;
- `Authorization:` / `api-key:` header values written out in text;
- the userinfo part of a URL (`https://user:secret@host` -> `https://<redacted>@host`);
- every secret registered at run time with `register_secret` (the configured API key, whatever
  it looks like), wherever it occurs;
- this machine's home and working directory (they name people and machines).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
from typing import Any

__all__ = [
    "RedactingFilter",
    "install_log_redaction",
    "register_secret",
    "scrub_text",
    "scrub_value",
]

_REDACTED = "<redacted>"

#: Secret-looking tokens, replaced wherever they occur in a string (bodies, paths, metadata).
_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A token has digits and length; "standard-bearer Ukraine" has neither and must survive.
    (
        re.compile(r"(?i)\bbearer\s+(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{12,}"),
        "<redacted-bearer-token>",
    ),
    (re.compile(r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{8,}"), "<redacted-key>"),
    (re.compile(r"(?<![A-Za-z0-9_-])org-[A-Za-z0-9]{12,}"), "<redacted-organization>"),
    (re.compile(r"(?<![A-Za-z0-9_-])proj_[A-Za-z0-9]{12,}"), "<redacted-project>"),
    (re.compile(r"(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{30,}"), "<redacted-key>"),
    (re.compile(r"(?<![A-Za-z0-9_-])hf_[A-Za-z0-9]{30,}"), "<redacted-key>"),
    (
        re.compile(
            r"(?i)((?<![A-Za-z0-9_-])"
            r"(?:api[-_]?key|key|access[-_]?token|token|secret|signature|sig|password)=)"
            r"[^&#\s\"']+"
        ),
        r"\1" + _REDACTED,
    ),
    # "Authorization: Basic ..." / "api-key: ..." written out in an error body or a log line
    (
        re.compile(
            r"(?i)\b((?:proxy-)?authorization|x-api-key|api-key)"
            r"([\"']?\s*:\s*[\"']?)(?!<redacted)[^\s,;\"'}]+(?:[ \t]+[^\s,;\"'}<]+)?"
        ),
        r"\1\2" + _REDACTED,
    ),
    # URL userinfo: scheme://user:password@host
    (
        re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@:\"']+(?::[^/\s@\"']*)?@"),
        r"\1" + _REDACTED + "@",
    ),
)

#: JSON object fields whose whole value is a secret, whatever it looks like.
_SECRET_FIELDS = re.compile(
    r"(?i)^(authorization|api[-_]?key|x-api-key|openai-organization|openai-project|"
    r"password|secret|client[-_]secret|access[-_]?token)$"
)


# --------------------------------------------------------------------------------------------
# Scrubbing


def _machine_paths() -> list[tuple[re.Pattern[str], str]]:
    """Home and working directory prefixes, longest first (cwd is often under home)."""
    return _path_patterns(os.path.expanduser("~"), os.getcwd())


@functools.lru_cache(maxsize=8)
def _path_patterns(home: str, cwd: str) -> list[tuple[re.Pattern[str], str]]:
    found = [(path, placeholder) for path, placeholder in ((home, "<home>"), (cwd, "<cwd>"))]
    # "/" or "" would match every path; "~" means there is no home to hide.
    found = [(path, ph) for path, ph in found if len(path.rstrip(os.sep)) > 1 and path != "~"]
    found.sort(key=lambda item: len(item[0]), reverse=True)
    return [
        (re.compile(re.escape(path.rstrip(os.sep)) + r"(?![A-Za-z0-9_.-])"), placeholder)
        for path, placeholder in found
    ]


def scrub_text(text: str) -> str:
    """``text`` with secrets, secret-looking tokens and this machine's home / working dir
    replaced."""
    for secret in _registered_secrets():
        text = text.replace(secret, _REDACTED)
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    for pattern, replacement in _machine_paths():
        text = pattern.sub(replacement, text)
    return text


def scrub_value(value: Any) -> Any:
    """A copy of a JSON value with every string scrubbed and secret-named fields redacted."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, list):
        return [scrub_value(item) for item in value]
    if isinstance(value, dict):
        return {
            key: _REDACTED if _SECRET_FIELDS.match(str(key)) else scrub_value(item)
            for key, item in value.items()
        }
    return value


# --------------------------------------------------------------------------------------------
# Secrets known at run time

_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
_MIN_SECRET_LENGTH = 6  # shorter values (a placeholder like "none") would redact prose


def register_secret(value: str | None) -> None:
    """Redact `value` wherever it occurs from now on (an API key, a password)."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _SECRETS_LOCK:
            _SECRETS.add(value)
            _registered_secrets.cache_clear()


@functools.lru_cache(maxsize=1)
def _registered_secrets() -> tuple[str, ...]:
    with _SECRETS_LOCK:
        return tuple(sorted(_SECRETS, key=len, reverse=True))


# --------------------------------------------------------------------------------------------
# Logging


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and its exception text) with `scrub_text`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = scrub_text(formatted)
        elif record.exc_text:
            record.exc_text = scrub_text(record.exc_text)
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Put the redacting filter on every handler of `logger` (default: the root logger).

    A filter on a handler sees every record that reaches it, also those propagated from
    instructor's, openai's and httpx's loggers; a logger's own filter would not.
    """
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
