"""Running items through one pipeline: failure isolation, concurrency, results, resume.

Exactly once. Every input ends as exactly one line of the results file (`results_file`). An
answer is saved in the store (answer cache + ledger) *before* its line is written, so a crash
between the two costs no second call: the rerun finds the answers in the cache. Only a call
still in flight when the process dies is paid for again.

Failure isolation: anything that goes wrong while reading, preparing or summarizing one input
(an unreadable, empty or binary input, a model that still fails after transport retries and
re-asks) becomes that input's error line; the batch goes on. Only a configuration error (no
API key, a rejected key) stops the batch, since it would fail every item alike.

Budget: no new article starts once the ledger shows `--budget` spent on this batch, and no
call starts that would pass it (`metering.Budget`); an article stopped that way is skipped,
not failed, and a rerun with a higher budget finishes it from the answers already paid for.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from summarizer.articles import Article
from summarizer.errors import (
    BudgetExceededError,
    ConfigurationError,
    ExtractionError,
    InputError,
    SummarizerError,
    TransportError,
    TruncatedOutputError,
)
from summarizer.redaction import scrub_text
from summarizer.results import ErrorRecord
from summarizer.runner.inputs import (
    BatchItem,
    as_item,
    check_article_size,
    default_max_article_tokens,
    load_article,
)
from summarizer.runner.limits import BatchLimits
from summarizer.runner.metering import Budget, MeteredBackend, Spend, _ItemScope, item_scope
from summarizer.runner.ratelimit import RateLimiter
from summarizer.runner.report import BatchReport
from summarizer.runner.results_file import ResultsFile, batch_name
from summarizer.schemas import ArticleSummary
from summarizer.store import PriceTable, Store

if TYPE_CHECKING:
    from summarizer.api import Summarizer
    from summarizer.backends import Backend

__all__ = [
    "BatchRunner",
    "Done",
    "Failed",
    "ItemResult",
    "ProgressHook",
    "Skipped",
    "batch_name",
    "count",
    "error_kind",
    "resume",
    "run_batch",
    "run_pool",
    "summarize_many",
    "summarize_many_sync",
]


@dataclass(frozen=True)
class Done:
    """An item summarized (`from_cache`: every answer it needed was in the answer cache)."""

    item_id: str
    source: str
    summary: ArticleSummary
    from_cache: bool
    usage: Spend
    json: str = ""  # the summary serialized once, for the store and the results line

    def line(self) -> str:
        return self.json or self.summary.model_dump_json()


@dataclass(frozen=True)
class Failed:
    """An item that ended as an error record."""

    item_id: str
    source: str
    error: str
    kind: str
    usage: Spend

    def record(self) -> ErrorRecord:
        return ErrorRecord(self.item_id, self.source, self.error, self.kind)

    def line(self) -> str:
        return self.record().line()


@dataclass(frozen=True)
class Skipped:
    """An item not finished because the budget was reached; a rerun will do it."""

    item_id: str
    source: str
    reason: str = "budget"


ItemResult = Done | Failed | Skipped
ProgressHook = Callable[[BatchReport, ItemResult | None], None]


def count(report: BatchReport, result: ItemResult) -> None:
    """Count one finished item into a report."""
    if isinstance(result, Done):
        report.tally("done", usage=result.usage, from_cache=result.from_cache)
    elif isinstance(result, Failed):
        report.tally("failed", usage=result.usage, kind=result.kind)
    else:
        report.tally("skipped")


def error_kind(error: BaseException) -> str:
    """The `kind` of an error record."""
    kinds: list[tuple[type[BaseException], str]] = [
        (InputError, "input"),
        (TruncatedOutputError, "truncated"),
        (ExtractionError, "extraction"),
        (TransportError, "transport"),
        (SummarizerError, "error"),
    ]
    for error_type, kind in kinds:
        if isinstance(error, error_type):
            return kind
    return "internal"


_E = TypeVar("_E", bound=BaseException)


def find_cause(error: BaseException | None, wanted: type[_E]) -> _E | None:
    """The `wanted` exception behind an error (instructor wraps what the backend raised)."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, wanted):
            return error
        error, seen = error.__cause__ or error.__context__, seen + 1
    return None


def error_message(error: BaseException, *, names: tuple[str, ...] = ()) -> str:
    """One line, no secrets: our own errors as they are, others with their class name.

    `names`: what the line already names (the item's id and source); an error about one of
    them says only its problem, so nothing is named twice.
    """
    if isinstance(error, SummarizerError):
        text = error.problem if error.subject and error.subject in names else str(error)
    else:
        text = f"{type(error).__name__}: {error}"
    lines = scrub_text(text).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _fatal(error: BaseException) -> ConfigurationError | None:
    """An error that every item would meet alike: bad configuration, a refused API key."""
    import openai

    if (config := find_cause(error, ConfigurationError)) is not None:
        return config
    refused = find_cause(error, openai.AuthenticationError) or find_cause(
        error, openai.PermissionDeniedError
    )
    if refused is not None:
        return ConfigurationError(
            f"the server refused the API key (HTTP {refused.status_code}: "
            f"{error_message(refused)}); check OPENAI_API_KEY and --base-url"
        )
    return None


def _with_cost(summary: ArticleSummary, scope: _ItemScope) -> ArticleSummary:
    """Fill provenance.usage.cost_usd: what its answers cost (None when one had no price)."""
    cost = None if scope.answers_unpriced else round(scope.answers_cost, 8)
    new_usage = summary.provenance.usage.model_copy(update={"cost_usd": cost})
    provenance = summary.provenance.model_copy(update={"usage": new_usage})
    return summary.model_copy(update={"provenance": provenance})


class BatchRunner:
    """Runs items through one pipeline with a store, a limiter and a budget."""

    def __init__(
        self,
        summarizer: Summarizer,
        *,
        store: Store | None,
        batch: str = "",
        limits: BatchLimits = BatchLimits(),
        prices: PriceTable | None = None,
        wrap: Callable[[MeteredBackend], Backend] | None = None,
        shared_budget: bool = False,
        adaptive: bool = True,
        max_article_tokens: int | None = None,
    ) -> None:
        from summarizer.pipeline import Pipeline

        self.summarizer = summarizer
        self.store = store
        self.batch = batch
        backend = summarizer.backend
        self.max_article_tokens = max_article_tokens or default_max_article_tokens(
            backend.context_tokens
        )
        self.prices = prices or (store.prices if store is not None else PriceTable.load())
        self.limiter = RateLimiter(limits.rpm, limits.tpm, adaptive=adaptive and not limits.rpm)
        # Other processes spend on the same batch: re-read the ledger before deciding.
        self.budget = Budget(limits.budget, store=store, batch=batch, shared=shared_budget)
        self.backend = MeteredBackend(
            summarizer.backend,
            store=store,
            prices=self.prices,
            batch=batch,
            limiter=self.limiter,
            budget=self.budget,
        )
        # A pipeline of its own over the metered backend, with the caller's settings. `wrap`
        # puts another layer on top (the Batch API flow serves downloaded answers from it).
        outer = self.backend if wrap is None else wrap(self.backend)
        self.pipeline = Pipeline(outer, summarizer.config)

    @property
    def spent(self) -> float:
        return self.budget.spent

    @property
    def budget_reached(self) -> bool:
        return self.budget.reached

    async def process(self, item: BatchItem) -> ItemResult:
        try:
            # a URL is fetched in a thread, so a slow page does not stall the other items
            fetching = item.url is not None and item.path is None and item.text is None
            article = (
                await asyncio.to_thread(load_article, item) if fetching else load_article(item)
            )
            check_article_size(
                article, item.source, self.backend.count_tokens, self.max_article_tokens
            )
            key = self.summarizer.cache_key(article)
        except Exception as error:  # reading or preparing one input: its own error line
            return self._failed(item, error, Spend())
        scope = _ItemScope(item.id, article.sha256, limiter=self.limiter)
        with item_scope(scope):
            try:
                summary = await self.pipeline.arun(article)
            except Exception as error:  # failure isolation: one bad item never stops the batch
                if (fatal := _fatal(error)) is not None:
                    raise fatal from None  # it would fail every item alike: stop the batch
                if find_cause(error, BudgetExceededError) is not None:
                    return Skipped(item.id, item.source)
                return self._failed(item, error, scope.spend)
        if scope.budget_hit:  # a re-ask was refused: finish it on a rerun, from the cache
            return Skipped(item.id, item.source)
        summary = _with_cost(summary, scope)
        serialized = self._save(item, key, article, summary)
        from_cache = scope.spend.calls == 0 and scope.spend.cached_answers > 0
        return Done(item.id, item.source, summary, from_cache, scope.spend, serialized)

    def _save(self, item: BatchItem, key: str, article: Article, summary: ArticleSummary) -> str:
        """Record the result (for `store export`); returns the summary's JSON."""
        serialized = summary.model_dump_json()
        if self.store is None:
            return serialized
        self.store.save_result(
            key=key,
            item_id=item.id,
            source=item.source,
            summary_json=serialized,
            article_sha256=article.sha256,
            backend=self.backend.name,
            model=self.backend.model,
            batch=self.batch,
        )
        return serialized

    def _failed(self, item: BatchItem, error: BaseException, usage: Spend) -> Failed:
        message = error_message(error, names=(item.id, item.source))
        failed = Failed(item.id, item.source, message, error_kind(error), usage)
        if self.store is not None:
            self.store.save_error(failed.record(), batch=self.batch)
        return failed


async def run_pool(
    runner: BatchRunner, items: Iterable[BatchItem], concurrency: int
) -> AsyncIterator[ItemResult]:
    """`concurrency` workers pull items lazily; results come out as they finish."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    pending = iter(items)
    results: asyncio.Queue[ItemResult | BaseException | None] = asyncio.Queue(concurrency * 2)

    async def worker() -> None:
        for item in pending:  # a shared iterator: each item goes to exactly one worker
            await results.put(await runner.process(item))

    async def supervise() -> None:
        try:
            await asyncio.gather(*(worker() for _ in range(concurrency)))
        except BaseException as error:
            await results.put(error)
        else:
            await results.put(None)

    supervisor = asyncio.create_task(supervise())
    try:
        while (result := await results.get()) is not None:
            if isinstance(result, BaseException):
                raise result
            yield result
    finally:
        supervisor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await supervisor


async def summarize_many(
    items: Iterable[BatchItem | Article | str | Path | dict[str, Any]],
    *,
    concurrency: int = 8,
    store: Store | str | Path | None = None,
    summarizer: Summarizer | None = None,
    rpm: float | None = None,
    tpm: float | None = None,
    budget: float | None = None,
    batch: str = "",
    **options: Any,
) -> AsyncIterator[ItemResult]:
    """Summarize many articles concurrently; yields `Done`, `Failed` or `Skipped` per item,
    in completion order.

    `items`: paths, `Article`s, dicts `{id, text, published?, title?, url?}` or `BatchItem`s.
    `store`: a `Store` or a path (answer cache + ledger; None for neither). `summarizer`: a
    configured `Summarizer`; without one, `options` build it (and it is closed at the end).
    """
    from summarizer.api import Summarizer

    own_summarizer = summarizer is None
    if summarizer is None:
        summarizer = Summarizer(**options)
    own_store = isinstance(store, str | Path)
    opened = Store(store) if isinstance(store, str | Path) else store
    try:
        limits = BatchLimits(concurrency, rpm, tpm, budget)
        runner = BatchRunner(summarizer, store=opened, batch=batch, limits=limits)
        coerced = (as_item(value, index) for index, value in enumerate(items))
        async for result in run_pool(runner, coerced, concurrency):
            yield result
    finally:
        if own_summarizer:
            summarizer.close()
        if own_store and opened is not None:
            opened.close()


def summarize_many_sync(
    items: Iterable[BatchItem | Article | str | Path | dict[str, Any]], **kwargs: Any
) -> Iterator[ItemResult]:
    """`summarize_many` for synchronous code: an iterator over the same results.

    The event loop runs in a helper thread; results arrive through a bounded queue, so a
    large batch is never held in memory at once.
    """
    handoff: queue.Queue[ItemResult | BaseException | None] = queue.Queue(maxsize=64)
    stop = threading.Event()

    async def produce() -> None:
        try:
            async for result in summarize_many(items, **kwargs):
                while not stop.is_set():
                    try:
                        handoff.put(result, timeout=0.1)
                        break
                    except queue.Full:
                        await asyncio.sleep(0)
                if stop.is_set():
                    return
        except BaseException as error:
            handoff.put(error)
        else:
            handoff.put(None)

    thread = threading.Thread(target=lambda: asyncio.run(produce()), daemon=True)
    thread.start()
    try:
        while (result := handoff.get()) is not None:
            if isinstance(result, BaseException):
                raise result
            yield result
    finally:
        stop.set()
        thread.join()


# --------------------------------------------------------------------------- a whole batch


def resume(
    results: ResultsFile, items: Sequence[BatchItem], report: BatchReport, *, retry_failed: bool
) -> list[BatchItem]:
    """Open the results file (recovering it) and return the items still to do."""
    written = results.open(retry_failed=retry_failed)
    report.truncated_bytes = results.truncated_bytes
    report.unreadable_lines = results.unreadable_lines
    planned = {item.id for item in items}
    report.failed_earlier = len(results.error_ids & planned)
    report.retried = len(results.retried)
    todo = [item for item in items if item.id not in written]
    report.already_done = len(items) - len(todo)
    return todo


async def run_batch(
    items: Sequence[BatchItem],
    out: Path,
    *,
    summarizer: Summarizer,
    store: Store,
    limits: BatchLimits = BatchLimits(),
    durable: bool = True,
    on_progress: ProgressHook | None = None,
    wrap: Callable[[MeteredBackend], Backend] | None = None,
    retry_failed: bool = False,
    max_article_tokens: int | None = None,
) -> BatchReport:
    """Run a planned batch into `out`, resuming where an earlier run stopped.

    `retry_failed` first removes the error lines of earlier runs, so those inputs run again.
    """
    started = time.perf_counter()
    report = BatchReport(total=len(items), budget=limits.budget)
    batch = batch_name(out)
    with ResultsFile(out, durable=durable) as results:
        todo = resume(results, items, report, retry_failed=retry_failed)
        runner = BatchRunner(
            summarizer, store=store, batch=batch, limits=limits, wrap=wrap,
            max_article_tokens=max_article_tokens,
        )  # fmt: skip
        if on_progress is not None:
            on_progress(report, None)
        async for result in run_pool(runner, todo, limits.concurrency):
            if not isinstance(result, Skipped):
                # off the event loop: fsync must not stall the workers' HTTP calls
                await asyncio.to_thread(results.write, result.line())
            count(report, result)
            if on_progress is not None:
                on_progress(report, result)
        report.budget_reached = runner.budget_reached
        report.spent_on_batch = runner.spent
    report.wall_seconds = time.perf_counter() - started
    return report
