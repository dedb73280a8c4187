"""`summarizer eval`: score predictions (or a backend run) against gold annotations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from summarizer.cli.exit_codes import ExitCode
from summarizer.cli.options import (
    BackendOption,
    BaseUrlOption,
    ModelOption,
    RecordingsOption,
    StrategyOption,
    fail,
    fail_on,
    write_output,
)
from summarizer.errors import SummarizerError


def evaluate_command(
    gold: Annotated[Path, typer.Option(help="Directory of gold ArticleSummary JSON files.")],
    pred: Annotated[
        Path | None,
        typer.Option(
            help="Directory of predicted JSON files, or a JSONL file of them. Without it, "
            "the pipeline runs on the gold articles with the backend options."
        ),
    ] = None,
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    recordings: RecordingsOption = None,
    strategy: StrategyOption = None,
    articles: Annotated[
        Path | None,
        typer.Option(help="Article texts named by article id (default: fixtures/articles)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON: every count, alignment.")] = False,
    as_md: Annotated[bool, typer.Option("--md", help="Markdown tables, for reports.")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here, not stdout.")] = None,
) -> None:
    """Score predictions against gold: record alignment, field and record P/R/F1, grounding."""
    from rich.console import Console

    from summarizer.api import Summarizer
    from summarizer.evaluation import (
        evaluate,
        evaluate_model,
        render_table,
        to_json,
        to_markdown,
        to_text,
    )

    if as_json and as_md:
        fail("--json and --md exclude each other", ExitCode.USAGE)
    articles = articles or Path("fixtures/articles")
    try:
        if pred is not None:
            score = evaluate(gold, pred, articles)
        else:
            with Summarizer(
                backend=backend,
                model=model,
                base_url=base_url,
                recordings=recordings,
                strategy=strategy,
            ) as summarizer:
                score = evaluate_model(gold, articles, summarizer.summarize)
    except SummarizerError as error:
        fail_on(error)
    if as_json:
        write_output(to_json(score), out)
    elif as_md:
        write_output(to_markdown(score), out)
    elif out is not None:
        write_output(to_text(score), out)
    else:
        Console().print(render_table(score))
