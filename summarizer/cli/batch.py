"""`summarizer batch` and `summarizer batchfile build|ingest`: many articles, exactly once."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from summarizer.cli.options import (
    DEFAULT_STORE,
    BackendOption,
    BaseUrlOption,
    ContextOption,
    MaxReasksOption,
    MaxTokensOption,
    ModelOption,
    ModeOption,
    RecordingsOption,
    StoreOption,
    StrategyOption,
    fail,
    present,
)
from summarizer.errors import SummarizerError

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
    strategy: StrategyOption = None,
) -> None:
    from summarizer.runner.command import run_batch_command

    code = run_batch_command(
        inputs,
        out,
        store_path=store,
        summarizer_options=present(
            backend=backend,
            model=model,
            base_url=base_url,
            mode=mode,
            recordings=recordings,
            max_tokens=max_tokens,
            max_reasks=max_reasks,
            context_tokens=context_tokens,
            strategy=strategy,
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


BUILD_HELP = (
    "Write the chat requests for INPUTS as Batch API JSONL (one custom_id per request).\n\n"
    "Run it with `python -m vllm.entrypoints.openai.run_batch -i REQUESTS -o ANSWERS "
    "--model MODEL`, then `summarizer batchfile ingest`. Pass the --model (and --base-url) the "
    "answers will come from: they are part of every request."
)


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
    from summarizer.remote.vllm import build_file
    from summarizer.runner.inputs import UsageError, expand_inputs
    from summarizer.store import Store

    try:
        items = expand_inputs(inputs, stdin=sys.stdin, exclude=[out, store])
        options = present(
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
    from summarizer.remote.vllm import ingest_file
    from summarizer.runner.inputs import UsageError, expand_inputs
    from summarizer.runner.views import progress_display, report_notes, report_table
    from summarizer.store import Store

    console = Console(stderr=True)
    try:
        items = expand_inputs(inputs, stdin=sys.stdin, exclude=[out, store, answers, requests])
        options = present(
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
