"""`summarizer export`: results JSONL -> ACLED / Kiel / SIPRI / flat CSV rows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from summarizer.cli.exit_codes import ExitCode
from summarizer.cli.options import OutOption, fail, output_stream

ExportTarget = Annotated[str, typer.Option("--to", help="acled | kiel | sipri | csv.")]

EXPORT_HELP = (
    "Results JSONL -> ACLED / Kiel / SIPRI / flat CSV (columns: docs/exports.md).\n\n"
    "Error records are skipped and counted; every cell is defused against formula injection. "
    "Exit codes: 0 done; 1 the results file cannot be read; 2 usage error; 3 some lines "
    "were not valid results (reported on stderr)."
)


def export_command(
    results: Annotated[Path, typer.Argument(help="A results JSONL from `summarizer batch`.")],
    to: ExportTarget,
    out: OutOption = None,
) -> None:
    from summarizer.exports import FORMATS, export_file

    if to not in FORMATS:
        fail(f"--to must be one of {', '.join(FORMATS)}", ExitCode.USAGE)
    if not results.is_file():
        fail(f"{results}: no such results file")
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
        raise typer.Exit(ExitCode.SOME_FAILED)
