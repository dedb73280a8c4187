"""The export formats, and reading results / writing CSV: streaming, error lines skipped
and counted, every cell defused."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from summarizer.exports.acled import ACLED_COLUMNS, acled_rows
from summarizer.exports.cells import ExportFormat, Row, defuse_cell
from summarizer.exports.flat import FLAT_COLUMNS, flat_rows
from summarizer.exports.kiel import KIEL_COLUMNS, kiel_rows
from summarizer.exports.sipri import SIPRI_COLUMNS, sipri_rows
from summarizer.results import ErrorRecord, InvalidLine, iter_result_lines
from summarizer.schemas import ArticleSummary


@dataclass(frozen=True)
class Format:
    """One export format: its columns and how a summary becomes rows."""

    name: ExportFormat
    columns: tuple[str, ...]
    rows: Callable[[ArticleSummary], Iterator[Row]]


FORMATS: dict[ExportFormat, Format] = {
    "acled": Format("acled", ACLED_COLUMNS, acled_rows),
    "kiel": Format("kiel", KIEL_COLUMNS, kiel_rows),
    "sipri": Format("sipri", SIPRI_COLUMNS, sipri_rows),
    "csv": Format("csv", FLAT_COLUMNS, flat_rows),
}


@dataclass
class ExportReport:
    """What an export did: rows written, summaries read, lines skipped."""

    format: ExportFormat
    rows: int = 0
    summaries: int = 0
    skipped_errors: int = 0
    invalid_lines: list[InvalidLine] | None = None

    @property
    def invalid(self) -> int:
        return len(self.invalid_lines or [])


def write_csv(rows: Iterable[Row], columns: tuple[str, ...], out: TextIO) -> int:
    """Write a header and rows as RFC 4180 CSV, every cell defused; returns rows written."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([defuse_cell(row.get(column, "")) for column in columns])
        count += 1
    return count


def export_lines(lines: Iterable[str | bytes], to: ExportFormat, out: TextIO) -> ExportReport:
    """Export results JSONL lines to CSV in format `to`; error and invalid lines are skipped."""
    fmt = FORMATS[to]
    report = ExportReport(format=to, invalid_lines=[])

    def rows() -> Iterator[Row]:
        for item in iter_result_lines(lines):
            if isinstance(item, ErrorRecord):
                report.skipped_errors += 1
            elif isinstance(item, InvalidLine):
                assert report.invalid_lines is not None
                report.invalid_lines.append(item)
            else:
                report.summaries += 1
                yield from fmt.rows(item)

    report.rows = write_csv(rows(), fmt.columns, out)
    return report


def export_file(results: Path, to: ExportFormat, out: TextIO) -> ExportReport:
    """Export a results JSONL file (streamed, so any size fits in memory)."""
    with results.open("rb") as lines:  # bytes: a non-UTF-8 line is one invalid line
        return export_lines(lines, to, out)


def store_lines(store: Any, *, batch: str | None = None) -> Iterator[str]:
    """The store's results as results-file lines: summaries, then error records."""
    yield from store.iter_results(batch=batch)
    for error in store.iter_errors(batch=batch):
        yield error.line()


def summaries_to_csv(summaries: Iterable[ArticleSummary], to: ExportFormat, out: TextIO) -> int:
    """Export summaries already in memory (Python API); returns rows written."""
    fmt = FORMATS[to]
    return write_csv((row for s in summaries for row in fmt.rows(s)), fmt.columns, out)
