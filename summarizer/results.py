"""The lines of a results file: what they are, how one is written, how one is read.

A results file (JSONL, `summarizer batch --out`) has one line per input: an
`ArticleSummary`, or an error record `{"id", "source", "error", "kind"}`. This module is the
only place that shapes an error record or decides what a line is; the batch runner, the
store's export and the CSV exports all go through it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from summarizer.schemas import ArticleSummary

__all__ = [
    "ErrorRecord",
    "InvalidLine",
    "ResultLine",
    "classify",
    "identify",
    "iter_result_lines",
    "parse_result_line",
]


@dataclass(frozen=True)
class ErrorRecord:
    """A results line recording that one input failed.

    `kind`: input | truncated | extraction | transport | budget | error | internal.
    """

    id: str
    source: str
    error: str
    kind: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "source": self.source, "error": self.error, "kind": self.kind}

    def line(self) -> str:
        """The JSON line (no newline)."""
        return json.dumps(self.as_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErrorRecord:
        return cls(
            id=str(data.get("id", "")),
            source=str(data.get("source", "")),
            error=str(data.get("error", "")),
            kind=str(data.get("kind", "")),
        )


@dataclass(frozen=True)
class InvalidLine:
    """A results line that is neither a summary nor an error record."""

    line_number: int
    reason: str


ResultLine = ArticleSummary | ErrorRecord | InvalidLine


def _is_error(data: dict[str, Any]) -> bool:
    return "error" in data and "provenance" not in data


def _loads(line: str | bytes) -> Any:
    """The JSON value of a line; raises ValueError when it is not JSON text."""
    return json.loads(line)


def identify(line: str | bytes) -> tuple[str, bool] | None:
    """(item id, is an error record) of a results line, without validating a summary.

    None when the line is neither (not JSON, no id): the resume logic leaves such lines alone.
    """
    try:
        data = _loads(line)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        return None
    if not isinstance(data, dict):
        return None
    if _is_error(data):
        return None if data.get("id") is None else (str(data["id"]), True)
    article = data.get("article")
    if "provenance" in data and isinstance(article, dict) and article.get("id") is not None:
        return str(article["id"]), False
    return None


def classify(data: object) -> ArticleSummary | ErrorRecord:
    """A results line's JSON value as the summary or the error record it is; a `ValueError`
    saying why when it is neither."""
    if isinstance(data, dict) and _is_error(data):
        return ErrorRecord.from_dict(data)
    if not isinstance(data, dict):
        raise ValueError("is neither a summary nor an error record (not an object)")
    try:
        return ArticleSummary.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ValueError(
            f"is not a valid summary ({where}: {first['msg']}; {exc.error_count()} errors)"
        ) from None


def parse_result_line(line: str | bytes, line_number: int = 0) -> ResultLine | None:
    """Parse one results JSONL line fully; a blank line gives None."""
    if not line.strip():
        return None
    try:
        data = _loads(line)
    except json.JSONDecodeError as exc:
        return InvalidLine(line_number, f"not JSON ({exc.msg})")
    except ValueError:
        return InvalidLine(line_number, "not UTF-8 text")
    try:
        return classify(data)
    except ValueError as reason:
        return InvalidLine(line_number, str(reason).removeprefix("is "))


def iter_result_lines(lines: Iterable[str | bytes]) -> Iterator[ResultLine]:
    for number, line in enumerate(lines, start=1):
        parsed = parse_result_line(line, number)
        if parsed is not None:
            yield parsed
