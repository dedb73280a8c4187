"""Transport-fault retries under the openai SDK (tenacity), and who hears about them.

Transport faults (429, 500, 502, 503, 504, timeouts, connection errors) are retried here, by
tenacity, bounded by attempts and by total time, honouring ``Retry-After`` /
``retry-after-ms``. They never reach instructor's validation re-ask loop: after the last
attempt the last response is returned (the SDK raises its usual ``APIStatusError``) or the
last exception is re-raised (``APIConnectionError`` / ``APITimeoutError``), and instructor
does not re-ask on those.

Every retry is reported to the policy's ``on_retry`` callback as a :class:`RetryEvent`. The
default callback hands it to the listeners of the current context (:func:`listening`), so a
batch counts each item's retries (and charges its rate limiter) without touching logging.
Each retry is also logged at INFO on this module's logger (method, URL path, status or
exception class, wait; never headers or hosts).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import tenacity

from summarizer.http.responses import buffered_response, is_event_stream, retry_after_seconds

__all__ = [
    "RETRYABLE_EXCEPTIONS",
    "AsyncRetryingTransport",
    "RetryEvent",
    "RetryPolicy",
    "RetryingTransport",
    "listening",
]

logger = logging.getLogger(__name__)

#: Exceptions worth another attempt: the request may not have reached a healthy server.
#: Local protocol errors, unsupported schemes and bad URLs are our own fault and are not here.
RETRYABLE_EXCEPTIONS: tuple[type[BaseException], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)

SleepFn = Callable[[float], None]
AsyncSleepFn = Callable[[float], Awaitable[None]]
ClockFn = Callable[[], float]


@dataclass(frozen=True)
class RetryEvent:
    """One transport fault about to be retried (or a final answer, `wait` None)."""

    what: str  # "POST /v1/chat/completions": the path only, never the host or a query
    attempt: int  # the attempt that just ended, from 1
    status: int | None  # HTTP status, None for an exception
    error: str | None  # exception class name, None for a response
    wait: float | None  # seconds until the next attempt; None: no retry follows
    headers: httpx.Headers = field(default_factory=httpx.Headers)


RetryHook = Callable[[RetryEvent], None]


@dataclass(frozen=True)
class _Listener:
    on_retry: RetryHook | None
    on_response: RetryHook | None


_LISTENERS: contextvars.ContextVar[tuple[_Listener, ...]] = contextvars.ContextVar(
    "summarizer_retry_listeners", default=()
)


@contextlib.contextmanager
def listening(
    on_retry: RetryHook | None = None, *, on_response: RetryHook | None = None
) -> Iterator[None]:
    """Hear the retries (and final responses) of requests made in this context.

    A context variable: each asyncio task and thread hears only its own requests.
    """
    token = _LISTENERS.set((*_LISTENERS.get(), _Listener(on_retry, on_response)))
    try:
        yield
    finally:
        _LISTENERS.reset(token)


def notify_listeners(event: RetryEvent) -> None:
    """The default `RetryPolicy.on_retry`: tell this context's listeners."""
    for listener in _LISTENERS.get():
        if listener.on_retry is not None:
            listener.on_retry(event)


def _notify_response(event: RetryEvent) -> None:
    for listener in _LISTENERS.get():
        if listener.on_response is not None:
            listener.on_response(event)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to retry a transport fault.

    ``max_attempts`` counts every attempt, the first included. No wait is started that would
    end more than ``max_total_seconds`` after the first attempt began: when the next wait
    (a server's ``Retry-After`` included) does not fit in what is left, the transport gives up
    at once and hands back the last answer, rather than sleeping and then failing anyway.
    Without ``Retry-After`` the wait is tenacity's exponential backoff with jitter:
    ``min(initial_backoff * 2**(n-1) + uniform(0, jitter), max_backoff)`` after attempt n.
    """

    max_attempts: int = 5
    #: Attempts of a request answered 429 with a Retry-After (the server pacing, not failing).
    max_rate_limited_attempts: int = 30
    max_total_seconds: float = 120.0
    initial_backoff: float = 0.5
    max_backoff: float = 20.0
    jitter: float = 1.0
    retry_statuses: frozenset[int] = field(
        default_factory=lambda: frozenset({429, 500, 502, 503, 504})
    )
    #: Statuses whose ``Retry-After`` / ``retry-after-ms`` header is honoured.
    retry_after_statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 503}))
    #: Called before every retry's wait (default: this context's `listening` callbacks).
    on_retry: RetryHook | None = field(default=notify_listeners, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")
        if self.max_total_seconds < 0 or self.initial_backoff < 0 or self.jitter < 0:
            raise ValueError("RetryPolicy times must not be negative")
        if self.max_backoff < self.initial_backoff:
            raise ValueError("RetryPolicy.max_backoff must be at least initial_backoff")


def _should_retry_response(policy: RetryPolicy) -> Callable[[Any], bool]:
    def should_retry(response: Any) -> bool:
        if not isinstance(response, httpx.Response):
            return False
        # OpenAI's explicit opt-out wins over the status (the SDK honours it the same way).
        if response.headers.get("x-should-retry", "").lower() == "false":
            return False
        return response.status_code in policy.retry_statuses

    return should_retry


def _retry_condition(policy: RetryPolicy) -> tenacity.retry_base:
    return tenacity.retry_if_exception_type(RETRYABLE_EXCEPTIONS) | tenacity.retry_if_result(
        _should_retry_response(policy)
    )


def backoff_seconds(policy: RetryPolicy, attempt: int) -> float:
    """Exponential backoff with jitter after `attempt` (written out: tenacity renamed the
    parameters of its own version between majors)."""
    exponential = policy.initial_backoff * 2 ** max(attempt - 1, 0)
    return float(min(exponential + random.uniform(0, policy.jitter), policy.max_backoff))


class _Wait:
    """tenacity wait: the server's Retry-After when it sent one, else exponential backoff."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy

    def __call__(self, state: tenacity.RetryCallState) -> float:
        response = _outcome_response(state)
        if response is not None and response.status_code in self._policy.retry_after_statuses:
            asked = retry_after_seconds(response.headers)
            if asked is not None:
                return asked
        return backoff_seconds(self._policy, state.attempt_number)


class _Stop:
    """tenacity stop: out of attempts, or the next wait would overrun the total budget.

    A 429 that says how long to wait is the server pacing us, not a fault: it gets up to
    ``max_rate_limited_attempts`` within the same total time budget.

    tenacity computes the wait before asking stop (``upcoming_sleep``), so the budget check can
    include it. The clock is injectable so tests can run the budget without really waiting.
    """

    def __init__(self, policy: RetryPolicy, clock: ClockFn, started: float, what: str) -> None:
        self._policy = policy
        self._clock = clock
        self._started = started
        self._what = what

    def _attempts_allowed(self, state: tenacity.RetryCallState) -> int:
        response = _outcome_response(state)
        if (
            response is not None
            and response.status_code == 429
            and retry_after_seconds(response.headers) is not None
        ):
            return max(self._policy.max_attempts, self._policy.max_rate_limited_attempts)
        return self._policy.max_attempts

    def __call__(self, state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= self._attempts_allowed(state):
            logger.info(
                "%s: giving up after %d attempts (%s)",
                self._what,
                state.attempt_number,
                _describe(state),
            )
            return True
        elapsed = self._clock() - self._started
        if elapsed + state.upcoming_sleep > self._policy.max_total_seconds:
            logger.info(
                "%s: giving up after %d attempts (%s): waiting %.1f s would pass the %.0f s budget",
                self._what,
                state.attempt_number,
                _describe(state),
                state.upcoming_sleep,
                self._policy.max_total_seconds,
            )
            return True
        return False


def _outcome_response(state: tenacity.RetryCallState) -> httpx.Response | None:
    outcome = state.outcome
    if outcome is None or outcome.failed:
        return None
    result = outcome.result()
    return result if isinstance(result, httpx.Response) else None


def _describe(state: tenacity.RetryCallState) -> str:
    """Status or exception class of the last attempt; never headers, bodies or URLs with hosts."""
    outcome = state.outcome
    if outcome is None:
        return "no outcome"
    if outcome.failed:
        return type(outcome.exception()).__name__
    response = _outcome_response(state)
    return f"status {response.status_code}" if response is not None else "no response"


def _what(request: httpx.Request) -> str:
    # The path only: the host is noise in logs and a query string may carry a key.
    return f"{request.method} {request.url.path}"


def _last_outcome(state: tenacity.RetryCallState) -> Any:
    """After the last attempt: the last response as is, or the last exception re-raised."""
    outcome = state.outcome
    assert outcome is not None  # tenacity only stops after an attempt
    return outcome.result()


def _event(state: tenacity.RetryCallState, what: str, wait: float | None) -> RetryEvent:
    outcome = state.outcome
    response = _outcome_response(state)
    failed = outcome is not None and outcome.failed
    return RetryEvent(
        what=what,
        attempt=state.attempt_number,
        status=None if response is None else response.status_code,
        error=type(outcome.exception()).__name__ if failed and outcome is not None else None,
        wait=wait,
        headers=httpx.Headers() if response is None else response.headers,
    )


def _log_retry(state: tenacity.RetryCallState, what: str, policy: RetryPolicy) -> None:
    logger.info(
        "%s: %s on attempt %d of %d; retrying in %.2f s",
        what,
        _describe(state),
        state.attempt_number,
        policy.max_attempts,
        state.upcoming_sleep,
    )
    if policy.on_retry is not None:
        policy.on_retry(_event(state, what, state.upcoming_sleep))


def _answered(response: httpx.Response, what: str, attempt: int) -> httpx.Response:
    """Tell the listeners about a final answer (rate-limit headers feed adaptive limits)."""
    _notify_response(RetryEvent(what, attempt, response.status_code, None, None, response.headers))
    return response


class _RetrySchedule:
    """What the sync and async transports share: the policy and tenacity's schedule."""

    def __init__(self, policy: RetryPolicy | None, clock: ClockFn) -> None:
        self._policy = policy or RetryPolicy()
        self._clock = clock

    @property
    def policy(self) -> RetryPolicy:
        return self._policy

    def _schedule(self, what: str) -> dict[str, Any]:
        """When to stop, how long to wait, what to retry: tenacity's arguments for one request."""
        return {
            "stop": _Stop(self._policy, self._clock, self._clock(), what),
            "wait": _Wait(self._policy),
            "retry": _retry_condition(self._policy),
            "retry_error_callback": _last_outcome,
        }


class RetryingTransport(_RetrySchedule, httpx.BaseTransport):
    """Retries transport faults of ``inner`` with tenacity, as ``policy`` says.

    ``sleep`` and ``clock`` are injectable so tests neither wait nor depend on wall time.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        policy: RetryPolicy | None = None,
        *,
        sleep: SleepFn = time.sleep,
        clock: ClockFn = time.monotonic,
    ) -> None:
        super().__init__(policy, clock)
        self._inner = inner
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # buffer the body so every attempt can send it again
        what = _what(request)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            _log_retry(state, what, self._policy)
            response = _outcome_response(state)
            if response is not None:
                response.close()  # hand the connection back to the pool before the next try

        retrying = tenacity.Retrying(
            sleep=self._sleep, before_sleep=before_sleep, **self._schedule(what)
        )
        response: httpx.Response = retrying(self._attempt, request)
        return _answered(response, what, int(retrying.statistics.get("attempt_number", 1)))

    def _attempt(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if is_event_stream(response):
            return response  # a stream is the caller's to read, chunk by chunk
        # Read the body inside the attempt: a timeout or a dropped connection halfway through
        # the body is a transport fault like any other and deserves a retry.
        try:
            content = response.read()
        finally:
            response.close()
        return buffered_response(response, content)

    def close(self) -> None:
        self._inner.close()


class AsyncRetryingTransport(_RetrySchedule, httpx.AsyncBaseTransport):
    """The asyncio twin of :class:`RetryingTransport`."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: RetryPolicy | None = None,
        *,
        sleep: AsyncSleepFn = asyncio.sleep,
        clock: ClockFn = time.monotonic,
    ) -> None:
        super().__init__(policy, clock)
        self._inner = inner
        self._sleep = sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()  # buffer the body so every attempt can send it again
        what = _what(request)

        async def before_sleep(state: tenacity.RetryCallState) -> None:
            _log_retry(state, what, self._policy)
            response = _outcome_response(state)
            if response is not None:
                await response.aclose()

        retrying = tenacity.AsyncRetrying(
            sleep=self._sleep, before_sleep=before_sleep, **self._schedule(what)
        )
        response: httpx.Response = await retrying(self._attempt, request)
        return _answered(response, what, int(retrying.statistics.get("attempt_number", 1)))

    async def _attempt(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if is_event_stream(response):
            return response
        try:
            content = await response.aread()
        finally:
            await response.aclose()
        return buffered_response(response, content)

    async def aclose(self) -> None:
        await self._inner.aclose()
