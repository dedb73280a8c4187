"""The `summarizer` command. Thin: it parses options and calls the library.

Errors the user can act on (bad input, a backend that cannot be reached, a model that never
produced a usable answer) print one line on stderr and exit non-zero; no traceback.

Exit codes: 0 success, 1 the article could not be summarized, 2 usage error.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn, TextIO

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


@app.callback()
def configure(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log transport retries and re-asks.")
    ] = False,
) -> None:
    """Typed, verifiable structured summaries of news about wars, aid and arms transfers."""
    # instructor logs an expected outcome (re-asks used up) as an ERROR; the result already
    # reports it in provenance.rejected, so the terminal stays quiet unless asked.
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")
    if not verbose:
        logging.getLogger("instructor").setLevel(logging.CRITICAL)


class OutputFormat(StrEnum):
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
    typer.Option(
        help="openai | local | replay (default: openai if a key or base URL is set, else local)"
    ),
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
MaxTokensOption = Annotated[int | None, typer.Option(help="Token limit of one answer.")]
MaxReasksOption = Annotated[int, typer.Option(help="Re-asks after a validation failure.")]
RecordingsOption = Annotated[
    Path | None, typer.Option(help="Directory of recorded exchanges (replay backend).")
]


@app.command()
def summarize(
    source: Annotated[
        str, typer.Argument(help="An article file (metadata header optional) or - for stdin.")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="json or md.")
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
    response_format: Annotated[
        str,
        typer.Option(
            help="How a compatible server gets the schema: json_object (llama.cpp's form) "
            "or json_schema (OpenAI's form: vLLM, Ollama, LM Studio)."
        ),
    ] = "json_object",
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
            response_format=response_format,
        ) as summarizer:
            result = summarizer.summarize(article)
    except SummarizerError as error:
        fail(str(error))
    if output_format is OutputFormat.md:
        write_output(to_markdown(result), out)
    else:
        write_output(result.model_dump_json(indent=2) + "\n", out)


@app.command()
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
    """Summarize ARTICLE... against a live OpenAI-compatible server and record every exchange.

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
        fail(str(error), code=2)
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
        fail(f"{failures} of {len(articles)} article(s) failed; their exchanges are recorded")


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
        fail("--json and --md exclude each other", code=2)
    articles = articles or Path("fixtures/articles")
    try:
        if pred is not None:
            score = evaluate(gold, pred, articles)
        else:
            with Summarizer(
                backend=backend, model=model, base_url=base_url, recordings=recordings
            ) as summarizer:
                score = evaluate_model(gold, articles, summarizer.summarize)
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


# --- many articles: batch, store, export, batchfile (owner: the batch/store/exports modules) ---

StoreOption = Annotated[
    Path,
    typer.Option("--store", help="The SQLite store: answer cache, results, ledger, batch jobs."),
]
DEFAULT_STORE = Path(".summarizer") / "store.db"
ExportTarget = Annotated[str, typer.Option("--to", help="acled | kiel | sipri | csv.")]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Write here, not stdout.")]
ContextOption = Annotated[
    int | None, typer.Option(help="Context budget; longer articles are split.")
]


def _summarizer_options(**options: object) -> dict[str, object]:
    return {name: value for name, value in options.items() if value is not None}


BATCH_HELP = (
    "Summarize many articles into one results JSONL, exactly once, resumable.\n\n"
    "Every input ends as one line: an ArticleSummary or an error record {id, source, error, "
    "kind}. Rerun the same command after a crash or a budget stop to finish; articles already "
    "answered come from the store, never from a second paid call. See docs/batch.md.\n\n"
    "Exit codes: 0 every input has a summary line; 3 finished, but some inputs are error "
    "lines (this run's or earlier ones'; --retry-failed tries them again); 4 stopped by "
    "--budget (rerun with a higher budget to finish); 2 usage or configuration error; "
    "130 interrupted (rerun to finish)."
)


@app.command("batch", help=BATCH_HELP)
def batch_command(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Files, folders, globs, .jsonl of {id, text, ...}, - (stdin paths)."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Results JSONL (resumed if present).")],
    store: StoreOption = DEFAULT_STORE,
    concurrency: Annotated[int, typer.Option(help="Articles in flight at once.")] = 8,
    processes: Annotated[
        int, typer.Option(help="Worker processes sharing the concurrency (CPU-bound runs).")
    ] = 1,
    rpm: Annotated[float | None, typer.Option(help="Client-side limit: requests/minute.")] = None,
    tpm: Annotated[float | None, typer.Option(help="Client-side limit: tokens/minute.")] = None,
    budget: Annotated[
        float | None, typer.Option(help="USD: start no new call once the ledger reaches it.")
    ] = None,
    via: Annotated[str, typer.Option(help="realtime | openai-batch (the Batch API).")] = "realtime",
    poll_interval: Annotated[float, typer.Option(help="Seconds between Batch API polls.")] = 30.0,
    prices: Annotated[Path | None, typer.Option(help="Price table JSON (USD/1M tokens).")] = None,
    progress: Annotated[bool, typer.Option(help="Show the progress bar.")] = True,
    retry_failed: Annotated[
        bool, typer.Option(help="Remove earlier error lines and try those inputs again.")
    ] = False,
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    mode: ModeOption = None,
    recordings: RecordingsOption = None,
    max_tokens: MaxTokensOption = None,
    max_reasks: MaxReasksOption = 2,
    context_tokens: ContextOption = None,
) -> None:
    from summarizer.batch import run_batch_command

    code = run_batch_command(
        inputs,
        out,
        store_path=store,
        summarizer_options=_summarizer_options(
            backend=backend,
            model=model,
            base_url=base_url,
            mode=mode,
            recordings=recordings,
            max_tokens=max_tokens,
            max_reasks=max_reasks,
            context_tokens=context_tokens,
        ),
        concurrency=concurrency,
        rpm=rpm,
        tpm=tpm,
        budget=budget,
        via=via,
        poll_interval=poll_interval,
        prices=prices,
        progress=progress,
        retry_failed=retry_failed,
        processes=processes,
        stdin=sys.stdin,
    )
    raise typer.Exit(code)


store_app = typer.Typer(help="The local store: statistics and exports.", no_args_is_help=True)
app.add_typer(store_app, name="store")


@store_app.command("stats")
def store_stats_command(
    store: StoreOption = DEFAULT_STORE,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """Calls, tokens and cost per model; results, errors, cached answers, batch jobs."""
    from rich.console import Console

    from summarizer.store import Store, stats_table

    if not store.exists():
        fail(f"{store}: no store here (run `summarizer batch` first, or pass --store)", code=2)
    with Store(store) as opened:
        stats = opened.stats()
    if as_json:
        typer.echo(json.dumps(stats.as_dict(), indent=2))
    else:
        Console().print(stats_table(stats))


@store_app.command("export")
def store_export_command(
    store: StoreOption = DEFAULT_STORE,
    to: Annotated[str, typer.Option("--to", help="jsonl | acled | kiel | sipri | csv.")] = "jsonl",
    batch: Annotated[
        Path | None, typer.Option(help="Only the batch that wrote this results file.")
    ] = None,
    out: OutOption = None,
) -> None:
    """Export the stored results (and error records) as JSONL or as CSV rows."""
    from summarizer.batch import batch_name
    from summarizer.exports import FORMATS, export_lines, store_lines
    from summarizer.store import Store

    if to != "jsonl" and to not in FORMATS:
        fail(f"--to must be jsonl or one of {', '.join(FORMATS)}", code=2)
    if not store.exists():
        fail(f"{store}: no store here (run `summarizer batch` first, or pass --store)", code=2)
    with Store(store) as opened, _output(out) as handle:
        lines = store_lines(opened, batch=batch_name(batch) if batch else None)
        if to == "jsonl":
            for line in lines:
                handle.write(line + "\n")
        else:
            export_lines(lines, to, handle)  # type: ignore[arg-type]


EXPORT_HELP = (
    "Results JSONL -> ACLED / Kiel / SIPRI / flat CSV (columns: docs/exports.md).\n\n"
    "Error records are skipped and counted; every cell is defused against formula injection. "
    "Exit codes: 0 done; 3 some lines were not valid results (reported on stderr); "
    "2 usage error."
)


@app.command("export", help=EXPORT_HELP)
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
    with _output(out) as handle:
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


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    """Standard output, or a file; CSV writers need newline="" either way."""
    if path is None:
        sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]
        yield sys.stdout
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        yield handle


batchfile_app = typer.Typer(
    help="Batch request files for vLLM run_batch (or the Batch API).", no_args_is_help=True
)
app.add_typer(batchfile_app, name="batchfile")


BUILD_HELP = (
    "Write the chat requests for INPUTS as Batch API JSONL (one custom_id per request).\n\n"
    "Run it with `python -m vllm.entrypoints.openai.run_batch -i REQUESTS -o ANSWERS "
    "--model MODEL`, then `summarizer batchfile ingest`. Pass the --model (and --base-url) the "
    "answers will come from: they are part of every request."
)


@batchfile_app.command("build", help=BUILD_HELP)
def batchfile_build_command(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders, globs, .jsonl, or -.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The request JSONL to write.")],
    store: StoreOption = DEFAULT_STORE,
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    mode: ModeOption = None,
    max_tokens: MaxTokensOption = None,
    context_tokens: ContextOption = None,
) -> None:
    from summarizer.api import Summarizer
    from summarizer.batch import UsageError, expand_inputs
    from summarizer.openai_batch import build_file
    from summarizer.store import Store

    try:
        items = expand_inputs(inputs, stdin=sys.stdin, exclude=[out, store])
        options = _summarizer_options(
            backend=backend or "openai", model=model, base_url=base_url, mode=mode,
            max_tokens=max_tokens, context_tokens=context_tokens,
        )  # fmt: skip
        with Summarizer(**options) as summarizer, Store(store) as opened:  # type: ignore[arg-type]
            plan = build_file(items, out, summarizer=summarizer, store=opened)
    except (UsageError, SummarizerError) as error:
        fail(str(error), code=2)
    typer.echo(
        f"summarizer: wrote {plan.request_count} request(s) to {out}; "
        f"{len(plan.cached)} input(s) already answered in the store, "
        f"{len(plan.input_errors)} unreadable (they become error lines at ingest)",
        err=True,
    )


INGEST_HELP = (
    "Validate batch answers into a results JSONL, exactly like `summarizer batch`.\n\n"
    "Answers that fail validation are re-asked in realtime against --base-url (--max-reasks 0: "
    "keep what validates, list the rest as rejected); requests whose batch line failed are "
    "asked in realtime. Exit codes as `summarizer batch`."
)


@batchfile_app.command("ingest", help=INGEST_HELP)
def batchfile_ingest_command(
    answers: Annotated[Path, typer.Argument(help="The run_batch / Batch API output JSONL.")],
    inputs: Annotated[list[str], typer.Argument(help="The same INPUTS given to `build`.")],
    requests: Annotated[Path, typer.Option(help="The request JSONL `build` wrote.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Results JSONL (resumed if present).")],
    store: StoreOption = DEFAULT_STORE,
    concurrency: Annotated[int, typer.Option(help="Articles in flight at once.")] = 8,
    progress: Annotated[bool, typer.Option(help="Show the progress bar.")] = True,
    backend: BackendOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    mode: ModeOption = None,
    max_tokens: MaxTokensOption = None,
    max_reasks: Annotated[
        int, typer.Option(help="Realtime re-asks of answers that fail validation (0: none).")
    ] = 2,
    context_tokens: ContextOption = None,
) -> None:
    from rich.console import Console

    from summarizer.api import Summarizer
    from summarizer.batch import (
        UsageError,
        expand_inputs,
        progress_display,
        report_notes,
        report_table,
    )
    from summarizer.openai_batch import ingest_file
    from summarizer.store import Store

    console = Console(stderr=True)
    try:
        items = expand_inputs(inputs, stdin=sys.stdin, exclude=[out, store, answers, requests])
        options = _summarizer_options(
            backend=backend or "openai", model=model, base_url=base_url, mode=mode,
            max_tokens=max_tokens, max_reasks=max_reasks, context_tokens=context_tokens,
        )  # fmt: skip
        display, hook = progress_display(len(items), enabled=progress)
        summarizer = Summarizer(**options)  # type: ignore[arg-type]
        with summarizer, Store(store) as opened, display:
            report, parsed, served = ingest_file(
                items, requests, answers, out, summarizer=summarizer, store=opened,
                concurrency=concurrency, on_progress=hook,
            )  # fmt: skip
    except (UsageError, SummarizerError, OSError) as error:
        fail(str(error), code=2)
    console.print(report_table(report))
    console.print(
        f"summarizer: {served} batch answer(s) used; {len(parsed.failed)} batch line(s) had "
        "failed and were asked in realtime"
    )
    for note in report_notes(report):
        console.print(f"summarizer: {note}")
    raise typer.Exit(report.exit_code)
