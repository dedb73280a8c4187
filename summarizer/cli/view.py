"""`summarizer view`: results (JSONL, summary JSON, folders) -> one self-contained HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from summarizer.cli.options import fail
from summarizer.errors import SummarizerError

VIEW_HELP = (
    "Results -> ONE self-contained HTML report (no network; opens offline, prints).\n\n"
    "Per article: the text with every evidence span highlighted by record type (click a "
    "record to jump to its evidence), rejected records, provenance. Across articles: an "
    "events timeline, aid by donor over time, a supplier -> recipient transfers table, with "
    "records reported by several articles consolidated. Article texts come from --articles "
    "(corpus files named by article id) or, for URLs, HTML pages and PDFs, from the text the "
    "summary carries; without either, evidence is listed, not highlighted."
)


def view_command(
    results: Annotated[
        list[Path],
        typer.Argument(help="Results JSONL, summary JSON files, or folders of them."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")],
    articles: Annotated[
        Path | None,
        typer.Option("--articles", help="Folder of article files (offsets refer to their text)."),
    ] = None,
    title: Annotated[str | None, typer.Option(help="Page title.")] = None,
) -> None:
    from summarizer.render.html.report import write_report

    try:
        path = write_report(results, out, articles=articles, title=title)
    except SummarizerError as error:
        fail(str(error))
    typer.echo(f"summarizer: wrote {path}", err=True)
