"""Every rich table and progress display of the batch and store commands.

Display only: they read a `BatchReport` / `StoreStats` and draw it; nothing here decides.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from summarizer.runner.report import BatchReport
from summarizer.runner.runner import ItemResult, ProgressHook
from summarizer.store import StoreStats

__all__ = ["progress_display", "report_notes", "report_table", "stats_table"]


def progress_display(total: int, *, enabled: bool = True) -> tuple[Any, ProgressHook]:
    """A rich progress bar (ETA, tokens, cost) on stderr and the hook that advances it."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("failed {task.fields[failed]}"),
        TextColumn("{task.fields[tokens]:,} tok"),
        TextColumn("${task.fields[cost]:.4f}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not enabled,
        transient=False,
    )
    task = progress.add_task("batch", total=total, failed=0, tokens=0, cost=0.0)

    def update(report: BatchReport, result: ItemResult | None) -> None:
        progress.update(
            task,
            completed=report.already_done + report.done + report.failed + report.skipped_budget,
            failed=report.failed,
            tokens=report.usage.tokens,
            cost=report.usage.cost_usd,
        )

    return progress, update


def report_table(report: BatchReport) -> Any:
    """The final table: done, failed, from cache, calls, tokens, cost, wall time."""
    from rich.table import Table

    usage = report.usage
    cost = f"${usage.cost_usd:.4f}" + (" + unpriced calls" if usage.unpriced_calls else "")
    extra = [f"{usage.failed_calls} failed"] if usage.failed_calls else []
    if usage.transport_retries:
        extra.append(f"{usage.transport_retries} transport retries")
    calls = f"{usage.calls}" + (f" ({', '.join(extra)})" if extra else "")
    rows = [
        ("inputs", str(report.total)),
        ("done", f"{report.done} ({report.from_cache} from cache)"),
        ("failed", str(report.failed)),
        ("already in the results file", str(report.already_done)),
        ("not started", str(report.remaining)),
        ("calls", calls),
        ("tokens in / out", f"{usage.prompt_tokens:,} / {usage.completion_tokens:,}"),
        ("cost", cost),
        ("wall time", str(dt.timedelta(seconds=round(report.wall_seconds)))),
    ]
    table = Table(title="summarizer batch", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    return table


def report_notes(report: BatchReport) -> list[str]:
    """One-line notes printed under the table (budget stop, failures, recovery)."""
    notes: list[str] = []
    if report.truncated_bytes:
        notes.append(
            f"removed a partial last line ({report.truncated_bytes} bytes) left by an earlier crash"
        )
    if report.unreadable_lines:
        notes.append(
            f"{report.unreadable_lines} line(s) of the results file are neither a summary nor "
            "an error record; they were left alone"
        )
    if report.retried:
        notes.append(f"--retry-failed: removed {report.retried} error line(s) to try again")
    if report.failed:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(report.failures_by_kind.items()))
        notes.append(f"{report.failed} input(s) ended as error lines ({kinds})")
    if report.failed_earlier:
        notes.append(
            f"{report.failed_earlier} error line(s) from earlier runs are in the results file; "
            "rerun with --retry-failed to try those inputs again"
        )
    if report.budget_reached and report.skipped_budget:
        notes.append(
            f"budget reached: ${report.spent_on_batch:.4f} spent on this batch of "
            f"${report.budget:.4f}; {report.skipped_budget} input(s) not started. Rerun the "
            "same command with a higher --budget to finish."
        )
    if report.interrupted:
        notes.append("interrupted; rerun the same command to finish")
    if report.crashed_workers:
        detail = f" ({report.worker_errors[0]})" if report.worker_errors else ""
        notes.append(
            f"{report.crashed_workers} worker process(es) stopped early{detail}; "
            "rerun the same command to finish"
        )
    if report.usage.unpriced_calls:
        notes.append(
            f"{report.usage.unpriced_calls} call(s) used a model with no price in the price "
            "table; their cost is unknown (see --prices)"
        )
    return notes


def stats_table(stats: StoreStats) -> Any:
    """`summarizer store stats` as a rich table."""
    from rich.table import Table

    table = Table(title=f"store {stats.path}", show_header=True)
    for name in ("backend", "model", "calls", "failed", "tokens in", "tokens out", "cost"):
        table.add_column(name, justify="left" if name in ("backend", "model") else "right")
    for m in stats.by_model:
        cost = f"${m.cost_usd:.4f}" + (
            f" (+{m.unpriced_calls} unpriced)" if m.unpriced_calls else ""
        )
        table.add_row(
            m.backend,
            m.model,
            str(m.calls),
            str(m.failed),
            f"{m.prompt_tokens:,}",
            f"{m.completion_tokens:,}",
            cost,
        )
    table.caption = (
        f"{stats.results} results, {stats.errors} errors, {stats.cached_answers} cached answers, "
        f"{stats.replayed} replayed from recordings (not calls), "
        f"{stats.jobs} batch jobs; total ${stats.cost_usd:.4f}"
    )
    return table
