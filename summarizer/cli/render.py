"""`summarizer render`: a summary JSON or a results JSONL that already exists, as Markdown,
one HTML report, or JSON (validated against the contract)."""

from __future__ import annotations

import dataclasses
import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from summarizer.cli.options import fail_on, write_output
from summarizer.errors import SummarizerError

if TYPE_CHECKING:
    from summarizer.summaries import ResultSet


class RenderFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"


def render_command(
    results: Annotated[
        Path, typer.Argument(help="A summary JSON (`summarize`) or a results JSONL (`batch`).")
    ],
    output_format: Annotated[
        RenderFormat, typer.Option("--format", help="md, html (one report) or json.")
    ] = RenderFormat.md,
    articles: Annotated[
        Path | None,
        typer.Option(help="Article files named by id, for HTML highlighting of text files."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here, not stdout.")] = None,
) -> None:
    """Render summaries that already exist: Markdown tables, an HTML report, or JSON."""
    from summarizer.summaries import load_results

    try:
        loaded = load_results(results)
        text = _render(loaded, output_format, articles)
    except SummarizerError as error:
        fail_on(error)
    write_output(text, out)


def _render(loaded: ResultSet, output_format: RenderFormat, articles: Path | None) -> str:
    if output_format is RenderFormat.json:
        items: list[object] = [s.model_dump(mode="json") for s in loaded.summaries]
        items += [dataclasses.asdict(error) for error in loaded.errors]
        return json.dumps(items[0] if len(items) == 1 else items, indent=2) + "\n"
    if output_format is RenderFormat.html:
        from summarizer.render.html.report import article_texts, build_report

        return build_report(loaded, article_texts(loaded, articles))
    from summarizer.render.markdown import to_markdown

    parts = [to_markdown(summary) for summary in loaded.summaries]
    if loaded.errors:
        failed = [f"- {e.id} ({e.kind}): {e.error}" for e in loaded.errors]
        parts.append("\n".join(["# Failed", "", *failed]) + "\n")
    return "\n".join(parts)
