"""`summarizer batch` and `summarizer batchfile build|ingest`: many articles, exactly once."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from summarizer.cli.exit_codes import ExitCode
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
    TimeoutOption,
    fail,
    fail_on,
    present,
)
from summarizer.errors import ConfigurationError, SummarizerError
from summarizer.redaction import scrub_text

if TYPE_CHECKING:
    from summarizer.runner.inputs import BatchItem
    from summarizer.runner.limits import BatchLimits
    from summarizer.runner.report import BatchReport
    from summarizer.store import Store

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
        float | None,
        typer.Option(help="USD: no call starts that could take this batch's spend past it."),
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
    timeout: TimeoutOption = None,
    max_article_tokens: Annotated[
        int | None,
        typer.Option(
            help="Refuse (as an error line) an article longer than this many tokens "
            "(default: 4 context windows of the model)."
        ),
    ] = None,
) -> None:
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
            timeout=timeout,
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
        max_article_tokens=max_article_tokens,
    )
    raise typer.Exit(ExitCode(code))


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
        with Summarizer(**options) as summarizer, Store(store) as opened:
            plan = build_file(items, out, summarizer=summarizer, store=opened)
    except UsageError as error:
        fail(str(error), ExitCode.USAGE)
    except SummarizerError as error:
        fail_on(error)
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
    from summarizer.cli.views import progress_display, report_notes, report_table
    from summarizer.remote.vllm import ingest_file
    from summarizer.runner.inputs import UsageError, expand_inputs
    from summarizer.runner.limits import BatchLimits
    from summarizer.store import Store

    console = Console(stderr=True)
    if concurrency < 1:
        fail("--concurrency must be at least 1", ExitCode.USAGE)
    try:
        items = expand_inputs(inputs, stdin=sys.stdin, exclude=[out, store, answers, requests])
        options = present(
            backend=backend or "openai", model=model, base_url=base_url, mode=mode,
            max_tokens=max_tokens, max_reasks=max_reasks, context_tokens=context_tokens,
        )  # fmt: skip
        display, hook = progress_display(len(items), enabled=progress)
        summarizer = Summarizer(**options)
        with summarizer, Store(store) as opened, display:
            report, parsed, served = ingest_file(
                items, requests, answers, out, summarizer=summarizer, store=opened,
                limits=BatchLimits(concurrency), on_progress=hook,
            )  # fmt: skip
    except UsageError as error:
        fail(str(error), ExitCode.USAGE)
    except (SummarizerError, OSError) as error:
        fail_on(error)
    console.print(report_table(report))
    console.print(
        f"summarizer: {served} batch answer(s) used; {len(parsed.failed)} batch line(s) had "
        "failed and were asked in realtime"
    )
    for note in report_notes(report):
        console.print(f"summarizer: {note}")
    raise typer.Exit(ExitCode(report.exit_code))


# --------------------------------------------------------------------------- the batch command


def run_batch_command(
    inputs: Sequence[str],
    out: Path,
    *,
    store_path: Path,
    summarizer_options: dict[str, Any],
    concurrency: int = 8,
    rpm: float | None = None,
    tpm: float | None = None,
    budget: float | None = None,
    via: str = "realtime",
    poll_interval: float = 30.0,
    prices: Path | None = None,
    progress: bool = True,
    retry_failed: bool = False,
    processes: int = 1,
    stdin: IO[str] | None = None,
    max_article_tokens: int | None = None,
) -> int:
    """`summarizer batch`: plan, run (or resume), print the table; returns the exit code."""
    from rich.console import Console

    from summarizer.cli.views import progress_display, report_notes, report_table
    from summarizer.config import Config
    from summarizer.runner.inputs import UsageError, expand_inputs
    from summarizer.runner.limits import BatchLimits
    from summarizer.runner.processes import run_batch_processes
    from summarizer.runner.report import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE
    from summarizer.runner.results_file import check_results_path
    from summarizer.store import PriceTable, Store

    console = Console(stderr=True, soft_wrap=True)
    problem = batch_option_problem(
        out, store_path, concurrency=concurrency, rpm=rpm, tpm=tpm, budget=budget, via=via,
        processes=processes, max_article_tokens=max_article_tokens, poll_interval=poll_interval,
    )  # fmt: skip
    if problem is not None:
        console.print(f"summarizer: error: {problem}", markup=False)
        return EXIT_USAGE
    limits = BatchLimits(concurrency, rpm, tpm, budget)
    try:
        items = expand_inputs(inputs, stdin=stdin, exclude=[out, store_path])
        check_results_path(out)
        store = Store(store_path, prices=PriceTable.load(prices))
    except (SummarizerError, UsageError, OSError, ValueError) as error:
        console.print(f"summarizer: error: {error}", markup=False)
        return EXIT_USAGE
    try:
        if processes > 1:
            store.close()  # the children open their own connections
            display, hook = progress_display(len(items), enabled=progress)
            with display:
                report = run_batch_processes(
                    items,
                    out,
                    config=Config.from_kwargs(**summarizer_options),
                    store_path=store_path,
                    processes=processes,
                    limits=limits,
                    prices_path=prices,
                    on_progress=hook,
                    retry_failed=retry_failed,
                    max_article_tokens=max_article_tokens,
                )
            notes: list[str] = []
        else:
            report, notes = _run_single(
                items,
                out,
                store=store,
                summarizer_options=summarizer_options,
                limits=limits,
                via=via,
                poll_interval=poll_interval,
                progress=progress,
                retry_failed=retry_failed,
                max_article_tokens=max_article_tokens,
            )
    except (UsageError, ConfigurationError) as error:
        console.print(f"summarizer: error: {scrub_text(str(error))}", markup=False)
        return EXIT_USAGE
    except KeyboardInterrupt:
        console.print("summarizer: interrupted; rerun the same command to finish")
        return EXIT_INTERRUPTED
    except SummarizerError as error:  # the store could not be written (disk full ...)
        console.print(f"summarizer: error: {scrub_text(str(error))}", markup=False)
        return EXIT_ERROR
    except OSError as error:  # the disk filled up, the results file vanished ...
        where = f" {error.filename}" if error.filename else ""
        console.print(f"summarizer: error: cannot write{where}: {error.strerror}", markup=False)
        return EXIT_ERROR
    console.print(report_table(report))
    for note in [*notes, *report_notes(report)]:
        console.print(f"summarizer: {note}")
    return report.exit_code


def _run_single(
    items: Sequence[BatchItem],
    out: Path,
    *,
    store: Store,
    summarizer_options: dict[str, Any],
    **options: Any,
) -> tuple[BatchReport, list[str]]:
    from summarizer.api import Summarizer

    with store, Summarizer(**summarizer_options) as summarizer:
        return _run_command(items, out, summarizer=summarizer, store=store, **options)


def _run_command(
    items: Sequence[BatchItem],
    out: Path,
    *,
    summarizer: Any,
    store: Store,
    limits: BatchLimits,
    via: str,
    poll_interval: float,
    progress: bool,
    retry_failed: bool,
    max_article_tokens: int | None,
) -> tuple[BatchReport, list[str]]:
    from summarizer.cli.views import progress_display
    from summarizer.runner.runner import run_batch

    display, hook = progress_display(len(items), enabled=progress)
    backend = summarizer.backend
    unpriced = store.prices.cost(backend.name, backend.model, 1, 1) is None
    if limits.budget is not None and unpriced:
        display.console.print(
            f"summarizer: warning: model {backend.model!r} has no price in the price table; "
            "--budget cannot limit its calls (see --prices)"
        )
    shared: dict[str, Any] = {
        "summarizer": summarizer,
        "store": store,
        "limits": limits,
        "on_progress": hook,
        "retry_failed": retry_failed,
    }
    with display:
        if via == "openai-batch":
            from summarizer.remote.openai_batch import run_openai_batch

            def status(remote: Any) -> None:
                counts = remote.request_counts
                done = f" {counts.completed}/{counts.total}" if counts else ""
                display.console.print(f"summarizer: batch {remote.id}: {remote.status}{done}")

            run = run_openai_batch(
                items, out, poll_interval=poll_interval, on_status=status, **shared
            )
            return run.report, run.notes
        import asyncio  # here, not at the top: every command's start-up would pay for it

        report = asyncio.run(run_batch(items, out, max_article_tokens=max_article_tokens, **shared))
        return report, []


def batch_option_problem(
    out: Path,
    store: Path,
    *,
    concurrency: int,
    rpm: float | None,
    tpm: float | None,
    budget: float | None,
    via: str,
    processes: int,
    max_article_tokens: int | None,
    poll_interval: float,
) -> str | None:
    """What is wrong with the batch options (one line), or None. Checked before anything
    is read or paid."""
    positive = {"--rpm": rpm, "--tpm": tpm, "--poll-interval": poll_interval}
    for name, value in positive.items():
        if value is not None and not (math.isfinite(value) and value > 0):
            return f"{name} must be a positive number (got {value:g})"
    if budget is not None and not (math.isfinite(budget) and budget >= 0):
        return f"--budget must be 0 or more USD (got {budget:g})"
    if concurrency < 1:
        return "--concurrency must be at least 1"
    if max_article_tokens is not None and max_article_tokens < 1:
        return "--max-article-tokens must be at least 1"
    if via not in ("realtime", "openai-batch"):
        return "--via must be realtime or openai-batch"
    if processes < 1 or (processes > 1 and via != "realtime"):
        return "--processes must be at least 1 (and 1 with --via)"
    if _same_file(out, store):
        return f"--out {out} is the store (--store {store}); the results file must be another file"
    return None


def _same_file(a: Path, b: Path) -> bool:
    """The same file, also through symlinks or relative paths (or to be created there)."""
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()
