"""`summarizer summarize`, `record` and `schema`: one article at a time."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from summarizer.cli.exit_codes import ExitCode
from summarizer.cli.options import (
    BackendOption,
    BaseUrlOption,
    ContextOption,
    MaxReasksOption,
    MaxTokensOption,
    ModelOption,
    ModeOption,
    RecordingsOption,
    ResponseFormatOption,
    StrategyOption,
    TimeoutOption,
    check_output_path,
    fail,
    fail_on,
    write_output,
)
from summarizer.errors import ConfigurationError, SummarizerError

if TYPE_CHECKING:
    from summarizer.articles import Article


class OutputFormat(StrEnum):
    json = "json"
    md = "md"
    html = "html"


def read_input(source: str, published: str | None) -> Article:
    """The article named on the command line; `-` reads standard input."""
    from summarizer.articles import article_from_text, decode_article_bytes, load_input

    if source == "-":
        if sys.stdin is None or sys.stdin.closed:
            fail("standard input is closed; pass an article file instead of -")
        text = decode_article_bytes(sys.stdin.buffer.read(), origin="<stdin>")
        return article_from_text(text, article_id="stdin", origin="<stdin>", published=published)
    return load_input(source, published=published)


def progress_on_stderr(message: str) -> None:
    """What a slow run is doing (loading the model, step k of n), one line at a time."""
    typer.echo(f"summarizer: {message}", err=True)


def summarize(
    source: Annotated[
        str,
        typer.Argument(
            metavar="ARTICLE", help="An article: a text, HTML or PDF file, a URL, or - for stdin."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="json, md or html (a self-contained report).")
    ] = OutputFormat.json,
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    mode: ModeOption = None,
    recordings: RecordingsOption = None,
    published: Annotated[
        str | None, typer.Option(help="Publication date (YYYY-MM-DD) for relative dates.")
    ] = None,
    max_tokens: MaxTokensOption = None,
    max_reasks: MaxReasksOption = 2,
    context_tokens: ContextOption = None,
    response_format: ResponseFormatOption = "json_object",
    strategy: StrategyOption = None,
    timeout: TimeoutOption = None,
) -> None:
    """Summarize one article into a typed, verified ArticleSummary (JSON or Markdown)."""
    from summarizer.api import Summarizer
    from summarizer.render.markdown import to_markdown

    check_output_path(out)  # before the call: a paid answer must not be lost to a typo
    try:
        article = read_input(source, published)
        with Summarizer(
            backend=backend,
            model=model,
            base_url=base_url,
            mode=mode,
            recordings=recordings,
            max_tokens=max_tokens,
            max_reasks=max_reasks,
            context_tokens=context_tokens,
            response_format=response_format,
            strategy=strategy,
            timeout=timeout,
            on_progress=progress_on_stderr,
        ) as summarizer:
            result = summarizer.summarize(article)
    except ConfigurationError as error:
        fail(str(error), code=2)
    except SummarizerError as error:
        fail_on(error)
    if output_format is OutputFormat.md:
        write_output(to_markdown(result), out)
    elif output_format is OutputFormat.html:
        from summarizer.render.html.report import build_report

        write_output(build_report([result], {result.article.id: article.text}), out)
    else:
        write_output(result.model_dump_json(indent=2) + "\n", out)


def record(
    articles: Annotated[list[Path], typer.Argument(help="Article files to summarize and record.")],
    base_url: BaseUrlOption = None,
    model: ModelOption = None,
    mode: ModeOption = None,
    recordings: Annotated[Path, typer.Option(help="Where recordings are written.")] = Path(
        "fixtures/recordings"
    ),
    append: Annotated[
        bool, typer.Option(help="Keep what is recorded; record only misses.")
    ] = False,
    max_tokens: MaxTokensOption = None,
    max_reasks: MaxReasksOption = 2,
) -> None:
    """Summarize articles against a live OpenAI-compatible server, recording every exchange.

    With OPENAI_API_KEY and no --base-url this records against OpenAI itself.
    """
    from summarizer.api import Summarizer

    failures = 0
    try:
        summarizer = Summarizer(
            backend="openai",
            base_url=base_url,
            model=model,
            mode=mode,
            recordings=recordings,
            record_mode="auto" if append else "record",
            max_tokens=max_tokens,
            max_reasks=max_reasks,
        )
    except SummarizerError as error:
        fail_on(error)
    with summarizer:
        for path in articles:
            try:
                result = summarizer.summarize(path)
            except SummarizerError as error:
                failures += 1
                typer.echo(f"summarizer: error: {error}", err=True)
                continue
            p = result.provenance
            typer.echo(
                f"{result.article.id}: {p.usage.calls} call(s), {len(p.rejected)} rejected, "
                f"{len(result.events)}/{len(result.aid)}/{len(result.transfers)}/"
                f"{len(result.quotes)} events/aid/transfers/quotes"
            )
    if failures:
        fail(
            f"{failures} of {len(articles)} article(s) failed; their exchanges are recorded",
            ExitCode.SOME_FAILED,
        )


# Written from the models by `python scripts/write_schema.py`; a test fails when they differ.
# Printing the file, not building the models, keeps `summarizer schema` as quick as `--help`.
SHIPPED_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "article_summary.schema.json"


def schema() -> None:
    """Print the JSON Schema of ArticleSummary (the public contract)."""
    typer.echo(SHIPPED_SCHEMA.read_text(encoding="utf-8"), nl=False)
