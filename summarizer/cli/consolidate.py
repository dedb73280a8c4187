"""`summarizer consolidate`: records of many articles -> one timeline of distinct events,
amounts and transfers (JSONL or CSV), optionally scored against gold cross-article links."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from summarizer.cli.options import fail
from summarizer.errors import SummarizerError

CONSOLIDATE_HELP = (
    "Merge records that report the same event / amount / transfer across articles.\n\n"
    "Writes one line (JSONL) or row (CSV) per consolidated record, with every source's "
    "record and evidence and the numbers the sources disagree on (conflicts). With --links, "
    "prints pairwise precision / recall / F1 against gold links (docs/annotation-guide.md)."
)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def consolidate_command(
    results: Annotated[
        list[Path],
        typer.Argument(help="Results JSONL, summary JSON files, or folders of them."),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="timeline.jsonl or timeline.csv (by suffix).")
    ],
    links: Annotated[
        Path | None, typer.Option("--links", help="Gold links file (fixtures/links/links.json).")
    ] = None,
) -> None:
    from summarizer.consolidate import consolidate_results
    from summarizer.links import load_links, score_links

    try:
        run = consolidate_results(results, out)
        score = None if links is None else score_links(run.clusters, load_links(links))
    except SummarizerError as error:
        fail(str(error))
    records = sum(len(c.mentions) for c in run.clusters)
    typer.echo(
        f"summarizer: {records} record(s) -> {len(run.clusters)} consolidated "
        f"({run.merged} reported by several articles, {run.conflicts} with conflicting "
        f"numbers); wrote {run.out}",
        err=True,
    )
    if score is not None:
        typer.echo(
            f"pairwise: gold pairs {score.gold_pairs}, predicted pairs {score.predicted_pairs}, "
            f"P {_number(score.precision)}, R {_number(score.recall)}, F1 {_number(score.f1)}"
        )
        for missing in score.unresolved_mentions:
            typer.echo(f"summarizer: no record for link mention {missing}", err=True)
