"""Metering every model call of a batch: answer cache, budget, rate limit, ledger.

`MeteredBackend` wraps the pipeline's backend. For each call, in this order:

1. **Answer cache.** The request is keyed by its backend, base URL and exact wire body
   (`http.bodies`: model, messages with the prompt and the article part, response format,
   sampling, max_tokens). A stored answer is served as is and costs nothing; grounding and
   normalization then run on it again, so a fix to them reaches cached articles with no
   model call.
2. **Budget.** The call's cost is estimated (prompt tokens + the request's max_tokens) and
   reserved against `--budget` together with every call in flight; a call that does not fit
   is not made (`BudgetExceededError`).
3. **Rate limit.** One request and the estimated tokens are taken from the buckets; the
   sync path waits in the same limiter as the async one.
4. **Ledger.** The call (ok or not, its transport attempts, tokens, cost) is written to the
   store and its answer saved in the answer cache before the pipeline sees it.

The item a call belongs to comes from a context variable set by the batch worker, so
concurrent articles never mix up their ledger rows; transport retries reach it through the
retry policy's callback (`http.retry.listening`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from openai.types.chat import ChatCompletion

from summarizer.canonical import canonical_sha256
from summarizer.errors import BudgetExceededError
from summarizer.http.retry import RetryEvent, listening
from summarizer.redaction import scrub_text
from summarizer.runner.ratelimit import RateLimiter
from summarizer.store import LedgerEntry, PriceTable, Store

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    import instructor

    from summarizer.backends.base import Backend, Capabilities

__all__ = [
    "Budget",
    "DelegatingBackend",
    "MeteredBackend",
    "Spend",
    "answer_key",
    "item_scope",
    "usage_of",
]

_DEFAULT_COMPLETION_ESTIMATE = 1000


@dataclass
class Spend:
    """What a run paid for one item (or a whole run): calls, tokens, cost, retries.

    Not the public `schemas.Usage` of a summary (what its answers cost when they were made):
    a rerun served from the answer cache spends nothing, though its summary keeps the usage
    of the answers it was made from.
    """

    calls: int = 0
    failed_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_calls: int = 0
    transport_retries: int = 0
    cached_answers: int = 0  # answers served from the store's answer cache (not calls)

    def add(self, other: Spend) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class _ItemScope:
    item_id: str
    article_sha256: str
    spend: Spend = field(default_factory=Spend)
    answers_cost: float = 0.0  # cost of every answer used, cached ones at their first price
    answers_unpriced: bool = False
    limiter: RateLimiter | None = None  # charged for the transport retries of this item
    budget_hit: bool = False

    def count_retry(self, event: RetryEvent) -> None:
        self.spend.transport_retries += 1
        if self.limiter is not None:
            self.limiter.charge_retry(event)


_current_item: ContextVar[_ItemScope | None] = ContextVar("summarizer_batch_item", default=None)


@contextlib.contextmanager
def item_scope(scope: _ItemScope) -> Iterator[_ItemScope]:
    """Calls made in this block (this task) are this item's; so are their retries."""
    token = _current_item.set(scope)
    on_response = scope.limiter.observe if scope.limiter is not None else None
    try:
        with listening(scope.count_retry, on_response=on_response):
            yield scope
    finally:
        _current_item.reset(token)


def usage_of(completion: Any) -> tuple[int, int]:
    """(prompt tokens, completion tokens) an answer reports; 0 when it reports none."""
    usage = getattr(completion, "usage", None)
    return (
        int(getattr(usage, "prompt_tokens", 0) or 0),
        int(getattr(usage, "completion_tokens", 0) or 0),
    )


def answer_key(backend: Any, kwargs: dict[str, Any]) -> str:
    """The answer cache's key for a call: the backend, its server and model, and the request
    exactly as the backend will send it (after its own preparation).

    The request holds everything else that changes the answer: the messages (so the prompt,
    and through the article's parts the context budget), response format, sampling, seed,
    max_tokens; a strategy changes the messages it sends. Works for every backend (the
    in-process one sends no `model` field and is never serialized by the SDK).
    """
    # A shallow copy is enough: `prepare_request` replaces keys, never a nested value.
    prepared = backend.prepare_request(dict(kwargs))
    return canonical_sha256(
        {
            "backend": backend.name,
            "base_url": getattr(backend, "base_url", None),
            "model": backend.model,
            "request": prepared,
        }
    )


def _is_reask(kwargs: dict[str, Any]) -> bool:
    """instructor re-asks by appending the failed answer (an assistant turn) to messages."""
    messages = kwargs.get("messages") or []
    return any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages)


class Budget:
    """`--budget` USD for one batch: spent (ledger) + reserved (calls in flight) <= limit.

    With `shared` (worker processes spending on one batch), the ledger is re-read at most
    every quarter second before deciding.
    """

    def __init__(
        self,
        limit: float | None,
        *,
        store: Store | None,
        batch: str,
        shared: bool = False,
        clock: Callable[[], float] | None = None,
    ) -> None:
        import time

        self.limit = limit
        self.store = store
        self.batch = batch
        self.shared = shared
        self.spent = store.spent(batch=batch) if store is not None else 0.0
        self.reserved = 0.0
        self.reached = False
        self._clock = clock or time.monotonic
        self._read_at = 0.0
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        now = self._clock()
        if self.shared and self.store is not None and now - self._read_at > 0.25:
            self.spent = max(self.spent, self.store.spent(batch=self.batch))
            self._read_at = now

    def reserve(self, estimate: float | None) -> float:
        """Reserve a call's estimated cost, or raise `BudgetExceededError`; returns it."""
        if self.limit is None or estimate is None:
            return 0.0
        with self._lock:
            self._refresh()
            if self.spent + self.reserved + estimate > self.limit:
                self.reached = True
                raise BudgetExceededError(
                    f"a call estimated at ${estimate:.4f} would pass --budget "
                    f"${self.limit:.4f} (${self.spent:.4f} spent, ${self.reserved:.4f} in flight)"
                )
            self.reserved += estimate
            return estimate

    def settle(self, reserved: float, cost: float) -> None:
        """A reserved call ended: release its reservation, add what it cost."""
        with self._lock:
            self.reserved = max(0.0, self.reserved - reserved)
            self.spent += cost


@dataclass
class _Call:
    """One call on its way through the meter."""

    kwargs: dict[str, Any]
    key: str
    reask: bool
    tokens: int = 0  # estimated tokens taken from the limiter
    reserved: float = 0.0
    retries_before: int = 0


class DelegatingBackend:
    """A backend that wraps another: every attribute of the `Backend` protocol is the
    wrapped backend's own, read through, never copied."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def mode(self) -> instructor.Mode:
        return self.inner.mode

    @property
    def context_tokens(self) -> int:
        return self.inner.context_tokens

    @property
    def default_max_tokens(self) -> int:
        return self.inner.default_max_tokens

    @property
    def server(self) -> str | None:
        return self.inner.server

    @property
    def base_url(self) -> str | None:
        return self.inner.base_url

    @property
    def api_key(self) -> str | None:
        return self.inner.api_key

    @property
    def capabilities(self) -> Capabilities:
        return self.inner.capabilities

    def __getattr__(self, name: str) -> Any:
        # Whatever else a backend offers beyond the protocol (a recorder ...) is the inner one's.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def prepare_request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return self.inner.prepare_request(kwargs)

    def create(self, **kwargs: Any) -> ChatCompletion:
        return self.inner.create(**kwargs)

    async def acreate(self, **kwargs: Any) -> ChatCompletion:
        return await self.inner.acreate(**kwargs)

    def session(self, name: str, metadata: dict[str, Any]) -> AbstractContextManager[None]:
        return self.inner.session(name, metadata)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def close(self) -> None:
        self.inner.close()


class MeteredBackend(DelegatingBackend):
    """A backend whose calls go through the answer cache, the budget, the limiter and the
    ledger (see the module docstring)."""

    def __init__(
        self,
        inner: Backend,
        *,
        store: Store | None,
        prices: PriceTable,
        batch: str,
        limiter: RateLimiter | None,
        budget: Budget | None = None,
        via: str = "realtime",
    ) -> None:
        super().__init__(inner)
        self.store = store
        self.prices = prices
        self.batch = batch
        self.limiter = limiter
        self.budget = budget
        self.via = via
        self.completion_estimate = _DEFAULT_COMPLETION_ESTIMATE

    # -- keys and estimates

    def answer_key(self, kwargs: dict[str, Any]) -> str:
        """What determines the answer to this call (see `answer_key`)."""
        return answer_key(self.inner, kwargs)

    def estimate_tokens(self, kwargs: dict[str, Any]) -> int:
        """Prompt tokens of the request plus the completion size seen so far."""
        return self._prompt_tokens(kwargs) + self.completion_estimate

    def _prompt_tokens(self, kwargs: dict[str, Any]) -> int:
        text = "".join(
            str(m.get("content") or "") for m in kwargs.get("messages") or [] if isinstance(m, dict)
        )
        return self.count_tokens(text)

    def _cost_estimate(self, kwargs: dict[str, Any]) -> float | None:
        """The most this call can cost: its prompt plus a full max_tokens answer."""
        answer = int(kwargs.get("max_tokens") or self.default_max_tokens)
        return self.prices.cost(
            self.name, self.model, self._prompt_tokens(kwargs), answer, batch=self.via != "realtime"
        )

    # -- the call

    def _cached(self, kwargs: dict[str, Any]) -> tuple[_Call, ChatCompletion | None]:
        call = _Call(kwargs, self.answer_key(kwargs), _is_reask(kwargs))
        if self.store is None or (hit := self.store.answer(call.key)) is None:
            return call, None
        scope = _current_item.get()
        if scope is not None:
            scope.spend.cached_answers += 1
            scope.answers_cost += hit.cost_usd or 0.0
            scope.answers_unpriced |= hit.cost_usd is None
        return call, ChatCompletion.model_validate_json(hit.completion)

    def _reserve(self, call: _Call) -> None:
        if self.budget is not None:
            try:
                call.reserved = self.budget.reserve(self._cost_estimate(call.kwargs))
            except BudgetExceededError:
                scope = _current_item.get()
                if scope is not None:
                    scope.budget_hit = True
                raise
        call.tokens = self.estimate_tokens(call.kwargs)
        call.retries_before = _retries_so_far()

    def create(self, **kwargs: Any) -> Any:
        call, cached = self._cached(kwargs)
        if cached is not None:
            return cached
        self._reserve(call)
        if self.limiter is not None:
            self.limiter.acquire_blocking(call.tokens)
        try:
            completion = self.inner.create(**kwargs)
        except Exception as error:
            self._failed(call, error)
            raise
        return self._answered(call, completion)

    async def acreate(self, **kwargs: Any) -> Any:
        call, cached = self._cached(kwargs)
        if cached is not None:
            return cached
        self._reserve(call)
        if self.limiter is not None:
            await self.limiter.acquire(call.tokens)
        try:
            completion = await self.inner.acreate(**kwargs)
        except Exception as error:
            self._failed(call, error)
            raise
        return self._answered(call, completion)

    def _failed(self, call: _Call, error: BaseException) -> None:
        if self.limiter is not None:
            self.limiter.settle(call.tokens, 0)
        cost = self._record(call, ok=False, error=error)
        if self.budget is not None:
            self.budget.settle(call.reserved, cost or 0.0)

    def _answered(self, call: _Call, completion: Any) -> Any:
        prompt, answer = usage_of(completion)
        if self.limiter is not None:
            self.limiter.settle(call.tokens, prompt + answer if prompt + answer else call.tokens)
        cost = self._record(call, ok=True, completion=completion)
        if self.budget is not None:
            self.budget.settle(call.reserved, cost or 0.0)
        if self.store is not None and isinstance(completion, ChatCompletion):
            self.store.save_answer(
                call.key,
                backend=self.name,
                model=self.model,
                completion_json=completion.model_dump_json(),
                cost_usd=cost,
                via=self.via,
            )
        return completion

    def record_answer(self, completion: Any, *, via: str, key: str | None = None) -> None:
        """Ledger (and cache, under `key`) an answer that came from elsewhere (a Batch API
        output file)."""
        call = _Call({}, key or "", reask=False)
        cost = self._record(call, ok=True, completion=completion, via=via)
        if self.budget is not None:
            self.budget.settle(0.0, cost or 0.0)
        if key and self.store is not None and isinstance(completion, ChatCompletion):
            self.store.save_answer(
                key,
                backend=self.name,
                model=self.model,
                completion_json=completion.model_dump_json(),
                cost_usd=cost,
                via=via,
            )

    def _record(
        self,
        call: _Call,
        *,
        ok: bool,
        completion: Any = None,
        error: BaseException | None = None,
        via: str | None = None,
    ) -> float | None:
        prompt, answer = usage_of(completion)
        if ok and answer:
            # a running estimate of answer size, for the token limiter
            self.completion_estimate = (self.completion_estimate * 7 + answer) // 8
        scope = _current_item.get()
        entry = LedgerEntry(
            backend=self.name,
            model=self.model,
            ok=ok,
            prompt_tokens=prompt,
            completion_tokens=answer,
            batch=self.batch,
            item_id=scope.item_id if scope else "",
            article_sha256=scope.article_sha256 if scope else "",
            purpose="reask" if call.reask else "extract",
            via=via or self.via,
            error=None if error is None else scrub_text(f"{type(error).__name__}: {error}")[:500],
            transport_attempts=1 + _retries_so_far() - call.retries_before,
        )
        if self.store is not None:
            cost = self.store.record_call(entry)
        else:
            cost = self.prices.cost(
                entry.backend, entry.model, prompt, answer, batch=entry.via != "realtime"
            )
        if scope is not None:
            spend = scope.spend
            spend.calls += 1
            spend.failed_calls += not ok
            spend.prompt_tokens += prompt
            spend.completion_tokens += answer
            spend.cost_usd += cost or 0.0
            spend.unpriced_calls += cost is None
            scope.answers_cost += cost or 0.0
            scope.answers_unpriced |= cost is None
        return cost


def _retries_so_far() -> int:
    scope = _current_item.get()
    return 0 if scope is None else scope.spend.transport_retries
