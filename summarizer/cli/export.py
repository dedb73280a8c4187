"""`summarizer export`: results JSONL -> ACLED / Kiel / SIPRI / flat CSV rows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from summarizer.cli.options import OutOption, fail, output_stream

ExportTarget = Annotated[str, typer.Option("--to", help="acled | kiel | sipri | csv.")]

EXPORT_HELP = (
    "Results JSONL -> ACLED / Kiel / SIPRI / flat CSV (columns: docs/exports.md).\n\n"
    "Error records are skipped and counted; every cell is defused against formula injection. "
    "Exit codes: 0 done; 3 some lines were not valid results (reported on stderr); "
    "2 usage error."
)


def export_command(
    results: Annotated[Path, typer.Argument(help="A results JSONL from `summarizer batch`.")],
    to: ExportTarget,
    out: OutOption = None,
) -> None:
    from summarizer.exports import FORMATS, export_file

    if to not in FORMATS:
        fail(f"--to must be one of {', '.join(FORMATS)}", code=2)
    if not results.is_file():
        fail(f"{results}: no such results file", code=2)
    with output_stream(out) as handle:
        report = export_file(results, to, handle)
    typer.echo(
        f"summarizer: {report.rows} {to} row(s) from {report.summaries} summaries; "
        f"skipped {report.skipped_errors} error record(s)",
        err=True,
    )
    for bad in report.invalid_lines or []:
        typer.echo(f"summarizer: {results}:{bad.line_number}: skipped, {bad.reason}", err=True)
    if report.invalid:
        raise typer.Exit(3)
