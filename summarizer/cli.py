"""The `summarizer` command. Thin: it parses options and calls the library.

Errors the user can act on (bad input, a backend that cannot be reached, a model that never
produced a usable answer) print one line on stderr and exit non-zero; no traceback.

Exit codes: 0 success, 1 the article could not be summarized, 2 usage error.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from summarizer.articles import Article, article_from_text, decode_article_bytes, read_article
from summarizer.errors import SummarizerError
from summarizer.schemas import article_summary_json_schema

app = typer.Typer(
    help="Typed, verifiable structured summaries of news about wars, aid and arms transfers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class OutputFormat(str, Enum):
    json = "json"
    md = "md"


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"summarizer: error: {message}", err=True)
    raise typer.Exit(code)


def read_input(source: str, published: str | None) -> Article:
    """The article named on the command line; `-` reads standard input."""
    if source == "-":
        text = decode_article_bytes(sys.stdin.buffer.read(), origin="<stdin>")
        return article_from_text(text, article_id="stdin", origin="<stdin>", published=published)
    return read_article(source, published=published)


def write_output(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")


BackendOption = Annotated[
    str | None,
    typer.Option(help="openai | local | replay (default: openai if a key or base URL is set, else local)"),
]
ModelOption = Annotated[
    str | None, typer.Option(help="Model name, or a .gguf path for the local backend.")
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option("--base-url", help="An OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1."),
]
ModeOption = Annotated[
    str | None, typer.Option(help="instructor mode: tools | json | json_schema | md_json.")
]
RecordingsOption = Annotated[
    Path | None, typer.Option(help="Directory of recorded exchanges (replay backend).")
]


@app.command()
def summarize(
    source: Annotated[str, typer.Argument(help="An article file (metadata header optional) or - for stdin.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="json or md.")] = OutputFormat.json,
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    mode: ModeOption = None,
    recordings: RecordingsOption = None,
    published: Annotated[str | None, typer.Option(help="Publication date (YYYY-MM-DD) for relative dates.")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Token limit of one answer.")] = None,
    max_reasks: Annotated[int, typer.Option(help="Re-asks after a validation failure.")] = 2,
    context_tokens: Annotated[int | None, typer.Option(help="Context budget; longer articles are split.")] = None,
) -> None:
    """Summarize one article into a typed, verified ArticleSummary (JSON or Markdown)."""
    from summarizer.api import Summarizer
    from summarizer.markdown import to_markdown

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
        ) as summarizer:
            result = summarizer.summarize(article)
    except SummarizerError as error:
        fail(str(error))
    if output_format is OutputFormat.md:
        write_output(to_markdown(result), out)
    else:
        write_output(result.model_dump_json(indent=2) + "\n", out)


@app.command()
def schema() -> None:
    """Print the JSON Schema of ArticleSummary (the public contract)."""
    typer.echo(json.dumps(article_summary_json_schema(), indent=2))


def main() -> None:
    app()


@app.command("eval")
def evaluate_command(
    gold: Annotated[Path, typer.Option(help="Directory of gold ArticleSummary JSON files.")],
    pred: Annotated[
        Path, typer.Option(help="Directory of predicted JSON files, or a JSONL file of them.")
    ],
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

    from summarizer.evaluation import evaluate, render_table, to_json, to_markdown, to_text

    if as_json and as_md:
        fail("--json and --md exclude each other", code=2)
    try:
        score = evaluate(gold, pred, articles or Path("fixtures/articles"))
    except SummarizerError as error:
        fail(str(error))
    if as_json:
        write_output(to_json(score), out)
    elif as_md:
        write_output(to_markdown(score), out)
    elif out is not None:
        write_output(to_text(score), out)
    else:
        Console().print(render_table(score))
