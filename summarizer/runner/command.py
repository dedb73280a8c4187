"""`summarizer batch` as a command: plan, run (or resume), print the table, the exit code.

Command glue only; moves to `cli/batch.py` with the CLI package.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from summarizer.errors import ConfigurationError
from summarizer.runner.inputs import BatchItem, UsageError, expand_inputs
from summarizer.runner.processes import run_batch_processes
from summarizer.runner.report import EXIT_INTERRUPTED, EXIT_USAGE, BatchReport
from summarizer.runner.runner import run_batch
from summarizer.runner.views import progress_display, report_notes, report_table
from summarizer.store import PriceTable, Store

__all__ = ["run_batch_command"]


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
) -> int:
    """`summarizer batch`: plan, run (or resume), print the table; returns the exit code."""
    from rich.console import Console

    console = Console(stderr=True)
    if concurrency < 1:
        console.print("summarizer: error: --concurrency must be at least 1")
        return EXIT_USAGE
    if via not in ("realtime", "openai-batch"):
        console.print("summarizer: error: --via must be realtime or openai-batch")
        return EXIT_USAGE
    if processes < 1 or (processes > 1 and via != "realtime"):
        console.print("summarizer: error: --processes must be at least 1 (and 1 with --via)")
        return EXIT_USAGE
    try:
        items = expand_inputs(inputs, stdin=stdin, exclude=[out, store_path])
        store = Store(store_path, prices=PriceTable.load(prices))
    except (UsageError, OSError, ValueError) as error:
        console.print(f"summarizer: error: {error}")
        return EXIT_USAGE
    try:
        if processes > 1:
            store.close()  # the children open their own connections
            display, hook = progress_display(len(items), enabled=progress)
            with display:
                report = run_batch_processes(
                    items,
                    out,
                    summarizer_options=summarizer_options,
                    store_path=store_path,
                    processes=processes,
                    concurrency=concurrency,
                    rpm=rpm,
                    tpm=tpm,
                    budget=budget,
                    prices_path=prices,
                    on_progress=hook,
                    retry_failed=retry_failed,
                )
            notes: list[str] = []
        else:
            report, notes = _run_single(
                items,
                out,
                store=store,
                summarizer_options=summarizer_options,
                concurrency=concurrency,
                rpm=rpm,
                tpm=tpm,
                budget=budget,
                via=via,
                poll_interval=poll_interval,
                progress=progress,
                retry_failed=retry_failed,
            )
    except (UsageError, ConfigurationError) as error:
        console.print(f"summarizer: error: {error}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        console.print("summarizer: interrupted; rerun the same command to finish")
        return EXIT_INTERRUPTED
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
    concurrency: int,
    rpm: float | None,
    tpm: float | None,
    budget: float | None,
    via: str,
    poll_interval: float,
    progress: bool,
    retry_failed: bool,
) -> tuple[BatchReport, list[str]]:
    display, hook = progress_display(len(items), enabled=progress)
    backend = summarizer.backend
    unpriced = store.prices.cost(backend.name, backend.model, 1, 1) is None
    if budget is not None and unpriced:
        display.console.print(
            f"summarizer: warning: model {backend.model!r} has no price in the price table; "
            "--budget cannot limit its calls (see --prices)"
        )
    shared: dict[str, Any] = {
        "summarizer": summarizer,
        "store": store,
        "concurrency": concurrency,
        "rpm": rpm,
        "tpm": tpm,
        "budget": budget,
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
        return asyncio.run(run_batch(items, out, **shared)), []
