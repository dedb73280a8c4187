"""`summarizer store stats|export`: what the local SQLite store holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from summarizer.cli.exit_codes import ExitCode
from summarizer.cli.options import (
    DEFAULT_STORE,
    OutOption,
    StoreOption,
    fail,
    output_stream,
)


def store_stats_command(
    store: StoreOption = DEFAULT_STORE,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """Calls, tokens and cost per model; results, errors, cached answers, batch jobs."""
    from rich.console import Console

    from summarizer.cli.views import stats_table
    from summarizer.store import Store, StoreError

    if not store.exists():
        fail(f"{store}: no store here (run `summarizer batch` first, or pass --store)")
    try:
        with Store(store) as opened:
            stats = opened.stats()
    except StoreError as error:
        fail(str(error), code=2)
    if as_json:
        typer.echo(json.dumps(stats.as_dict(), indent=2))
    else:
        Console().print(stats_table(stats))


def store_export_command(
    store: StoreOption = DEFAULT_STORE,
    to: Annotated[str, typer.Option("--to", help="jsonl | acled | kiel | sipri | csv.")] = "jsonl",
    batch: Annotated[
        Path | None, typer.Option(help="Only the batch that wrote this results file.")
    ] = None,
    out: OutOption = None,
) -> None:
    """Export the stored results (and error records) as JSONL or as CSV rows."""
    from summarizer.exports import FORMATS, export_lines, store_lines
    from summarizer.runner.results_file import batch_name
    from summarizer.store import Store, StoreError

    if to != "jsonl" and to not in FORMATS:
        fail(f"--to must be jsonl or one of {', '.join(FORMATS)}", ExitCode.USAGE)
    if not store.exists():
        fail(f"{store}: no store here (run `summarizer batch` first, or pass --store)")
    try:
        opened = Store(store)
    except StoreError as error:
        fail(str(error), code=2)
    with opened, output_stream(out) as handle:
        lines = store_lines(opened, batch=batch_name(batch) if batch else None)
        if to == "jsonl":
            for line in lines:
                handle.write(line + "\n")
        else:
            export_lines(lines, to, handle)  # type: ignore[arg-type]
