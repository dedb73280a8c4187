"""`--processes N`: the inputs of one batch sharded over worker processes.

One event loop runs the pipeline's CPU work (instructor, pydantic, grounding) for every
answer in turn; with many answers arriving together they queue for it. `processes > 1`
shards the inputs over child processes, each with its own loop, store connection and share
of the limits. Only the parent writes the results file, after the child has saved the
answer in the store, so exactly-once holds as in one process. A child whose parent is gone
(killed) starts no new article; what it finishes is cached for the rerun.
"""

from __future__ import annotations

import asyncio
import os
import queue
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.config import Config
from summarizer.errors import ConfigurationError
from summarizer.runner.inputs import BatchItem
from summarizer.runner.limits import BatchLimits
from summarizer.runner.report import BatchReport
from summarizer.runner.results_file import ResultsFile
from summarizer.runner.runner import (
    BatchRunner,
    Done,
    Failed,
    ItemResult,
    ProgressHook,
    batch_name,
    resume,
    run_pool,
)
from summarizer.store import PriceTable, Store

__all__ = ["run_batch_processes"]


#
@dataclass(frozen=True)
class _Shard:
    index: int
    items: list[BatchItem]
    config: Config
    store_path: str
    prices_path: str | None
    batch: str
    limits: BatchLimits
    parent_pid: int
    max_article_tokens: int | None = None


def _message(index: int, result: ItemResult) -> tuple[Any, ...]:
    if isinstance(result, Done):
        return ("result", index, "done", result.line(), result.from_cache, result.usage, "")
    if isinstance(result, Failed):
        return ("result", index, "failed", result.line(), False, result.usage, result.kind)
    return ("result", index, "skipped", None, False, None, "")


def _shard_main(shard: _Shard, messages: Any) -> None:
    """A child process: run one shard, report every result to the parent."""
    from summarizer.api import Summarizer

    try:
        store = Store(shard.store_path, prices=PriceTable.load(shard.prices_path))
        with store, Summarizer(config=shard.config) as summarizer:
            runner = BatchRunner(
                summarizer,
                store=store,
                batch=shard.batch,
                limits=shard.limits,
                shared_budget=True,
                max_article_tokens=shard.max_article_tokens,
            )
            messages.put(("ready", shard.index))

            def while_parent_lives() -> Iterator[BatchItem]:
                for item in shard.items:
                    if os.getppid() != shard.parent_pid:
                        return
                    yield item

            async def loop() -> None:
                pool = run_pool(runner, while_parent_lives(), shard.limits.concurrency)
                async for result in pool:
                    messages.put(_message(shard.index, result))

            asyncio.run(loop())
            messages.put(("done", shard.index, runner.budget_reached, runner.spent))
    except ConfigurationError as error:
        messages.put(("fatal", shard.index, str(error)))
    except BaseException as error:
        messages.put(("crash", shard.index, f"{type(error).__name__}: {error}"))


def run_batch_processes(
    items: Sequence[BatchItem],
    out: Path,
    *,
    config: Config,
    store_path: Path,
    processes: int,
    limits: BatchLimits = BatchLimits(),
    prices_path: Path | None = None,
    durable: bool = True,
    on_progress: ProgressHook | None = None,
    retry_failed: bool = False,
    max_article_tokens: int | None = None,
) -> BatchReport:
    """`run_batch` over `processes` child processes (each builds its own Summarizer from
    `config`, which pickles); limits and concurrency are split between them."""
    import multiprocessing

    started = time.perf_counter()
    report = BatchReport(total=len(items), budget=limits.budget)
    batch = batch_name(out)
    # Create and migrate the store here, once, so the children only ever open a ready one.
    Store(store_path, prices=PriceTable.load(prices_path)).close()
    with ResultsFile(out, durable=durable) as results:
        todo = resume(results, items, report, retry_failed=retry_failed)
        shards = [todo[i::processes] for i in range(processes) if todo[i::processes]]
        context = multiprocessing.get_context("spawn")
        messages: Any = context.Queue()
        children = []
        for index, shard_items in enumerate(shards):
            shard = _Shard(
                index, shard_items, config, str(store_path),
                None if prices_path is None else str(prices_path), batch,
                limits.share(index, len(shards)), os.getpid(), max_article_tokens,
            )  # fmt: skip
            child = context.Process(target=_shard_main, args=(shard, messages), daemon=True)
            child.start()
            children.append(child)
        if on_progress is not None:
            on_progress(report, None)
        try:
            _collect(children, messages, results, report, on_progress)
        finally:
            for child in children:
                if child.is_alive():
                    child.terminate()
                child.join(10)
    report.wall_seconds = time.perf_counter() - started
    return report


def _collect(
    children: list[Any],
    messages: Any,
    results: ResultsFile,
    report: BatchReport,
    on_progress: ProgressHook | None,
) -> None:
    """Write the children's results as they come; return when every child has finished."""
    running = set(range(len(children)))
    waiting = set(running)
    started = time.perf_counter()
    while running:
        try:
            message = messages.get(timeout=0.5)
        except queue.Empty:
            for index in list(running):
                if not children[index].is_alive():  # died without a word (killed, OOM)
                    running.discard(index)
                    report.crashed_workers += 1
            continue
        kind, index = message[0], message[1]
        if kind == "ready":
            waiting.discard(index)
            if not waiting:
                report.startup_seconds = time.perf_counter() - started
        elif kind == "result":
            _, _, status, line, from_cache, usage, failure = message
            if line is not None:
                results.write(line)
            report.tally(status, usage=usage, from_cache=from_cache, kind=failure)
            if on_progress is not None:
                on_progress(report, None)
        elif kind == "done":
            running.discard(index)
            report.budget_reached = report.budget_reached or bool(message[2])
            report.spent_on_batch = max(report.spent_on_batch, float(message[3]))
        elif kind == "fatal":
            raise ConfigurationError(message[2])
        else:  # crash
            running.discard(index)
            report.crashed_workers += 1
            report.worker_errors.append(str(message[2]))
