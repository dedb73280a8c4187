"""HTTP transports under the openai SDK: transport-fault retries, and the client builders.

This module owns what happens between the SDK and the wire. The SDK is always built with
``max_retries=0`` and an ``http_client`` from :func:`build_http_client` /
:func:`build_async_http_client`, whose transport stack is::

    Recording (optional, summarizer.recording)  ->  Retrying (this module)  ->  httpx transport

so that:

* transport faults (429, 500, 502, 503, 504, timeouts, connection errors) are retried here,
  once, by tenacity, bounded by attempts and by total time, honouring ``Retry-After`` /
  ``retry-after-ms``;
* they never reach instructor's validation re-ask loop: after the last attempt the last
  response is returned (the SDK raises its usual ``APIStatusError``) or the last exception is
  re-raised (the SDK raises ``APIConnectionError`` / ``APITimeoutError``), and instructor does
  not re-ask on those;
* record/replay sees only the final answer after retries, and replay never touches the wire.

Each retry is logged at INFO on the ``summarizer.transport`` logger with the method, the URL
path, the status (or exception class) and the wait; headers are never logged.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import tenacity

if TYPE_CHECKING:
    from summarizer.recording import Recorder

__all__ = [
    "DEFAULT_TIMEOUT",
    "RETRYABLE_EXCEPTIONS",
    "AsyncRetryingTransport",
    "RetryPolicy",
    "RetryingTransport",
    "buffered_response",
    "build_async_http_client",
    "build_http_client",
    "is_event_stream",
    "retry_after_seconds",
    "unread_response",
]

logger = logging.getLogger(__name__)

#: Timeouts for one attempt. Local CPU models can take minutes per answer, so the read timeout
#: is long; connecting to a live server should be quick, so that one is short.
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=10.0)

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
    max_total_seconds: float = 120.0
    initial_backoff: float = 0.5
    max_backoff: float = 20.0
    jitter: float = 1.0
    retry_statuses: frozenset[int] = field(
        default_factory=lambda: frozenset({429, 500, 502, 503, 504})
    )
    #: Statuses whose ``Retry-After`` / ``retry-after-ms`` header is honoured.
    retry_after_statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 503}))

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")
        if self.max_total_seconds < 0 or self.initial_backoff < 0 or self.jitter < 0:
            raise ValueError("RetryPolicy times must not be negative")
        if self.max_backoff < self.initial_backoff:
            raise ValueError("RetryPolicy.max_backoff must be at least initial_backoff")


def retry_after_seconds(
    headers: Mapping[str, str] | httpx.Headers, *, now: datetime | None = None
) -> float | None:
    """The wait a server asked for, in seconds, or None when it asked for none we can read.

    ``retry-after-ms`` (OpenAI's, more precise) wins over ``Retry-After``, which may be a number
    of seconds or an HTTP date. A date in the past means "now" (0.0).
    """
    lowered = httpx.Headers(headers)
    millis = _parse_number(lowered.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000.0
    value = lowered.get("retry-after")
    if value is None:
        return None
    seconds = _parse_number(value)
    if seconds is not None:
        return seconds
    return _seconds_until_http_date(value, now or datetime.now(UTC))


def _parse_number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return max(number, 0.0)


def _seconds_until_http_date(value: str, now: datetime) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a naive one is read the same way
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


#: Headers that describe the bytes on the wire, not the decoded body we hand on.
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def is_event_stream(response: httpx.Response) -> bool:
    """Whether the response is a server-sent event stream (``stream=True`` completions)."""
    return str(response.headers.get("content-type", "")).startswith("text/event-stream")


def buffered_response(response: httpx.Response, content: bytes) -> httpx.Response:
    """A fresh, unread response holding ``content``, the already decoded body of ``response``.

    httpx expects a transport to return an unread response; handing back one we have read and
    closed would leave it half-finished (no ``elapsed``), and its ``Content-Encoding`` would
    make httpx decode the body a second time. So the wire headers go and a new one is built.
    """
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _WIRE_HEADERS]
    extensions: dict[str, Any] = {
        name: response.extensions[name]
        for name in ("http_version", "reason_phrase")
        if name in response.extensions
    }
    return unread_response(response.status_code, headers, content, extensions)


def unread_response(
    status: int,
    headers: Sequence[tuple[str, str]] | Mapping[str, str],
    content: bytes,
    extensions: Mapping[str, Any] | None = None,
) -> httpx.Response:
    """A response whose body the httpx client will read, as if it came off the wire.

    ``httpx.Response(content=...)`` reads itself at once, and the client then never finishes it
    (``elapsed`` stays unset); a ``ByteStream`` keeps it unread until the client reads it.
    """
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    pairs = [(k, v) for k, v in pairs if k.lower() not in _WIRE_HEADERS]
    pairs.append(("content-length", str(len(content))))
    return httpx.Response(
        status, headers=pairs, stream=httpx.ByteStream(content), extensions=dict(extensions or {})
    )


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

    tenacity computes the wait before asking stop (``upcoming_sleep``), so the budget check can
    include it. The clock is injectable so tests can run the budget without really waiting.
    """

    def __init__(self, policy: RetryPolicy, clock: ClockFn, started: float, what: str) -> None:
        self._policy = policy
        self._clock = clock
        self._started = started
        self._what = what

    def __call__(self, state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= self._policy.max_attempts:
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


def _log_retry(state: tenacity.RetryCallState, what: str, policy: RetryPolicy) -> None:
    logger.info(
        "%s: %s on attempt %d of %d; retrying in %.2f s",
        what,
        _describe(state),
        state.attempt_number,
        policy.max_attempts,
        state.upcoming_sleep,
    )


class RetryingTransport(httpx.BaseTransport):
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
        self._inner = inner
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._clock = clock

    @property
    def policy(self) -> RetryPolicy:
        return self._policy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # buffer the body so every attempt can send it again
        what = _what(request)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            _log_retry(state, what, self._policy)
            response = _outcome_response(state)
            if response is not None:
                response.close()  # hand the connection back to the pool before the next try

        retrying = tenacity.Retrying(
            sleep=self._sleep,
            stop=_Stop(self._policy, self._clock, self._clock(), what),
            wait=_Wait(self._policy),
            retry=_retry_condition(self._policy),
            before_sleep=before_sleep,
            retry_error_callback=_last_outcome,
        )
        response: httpx.Response = retrying(self._attempt, request)
        return response

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


class AsyncRetryingTransport(httpx.AsyncBaseTransport):
    """The asyncio twin of :class:`RetryingTransport`."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: RetryPolicy | None = None,
        *,
        sleep: AsyncSleepFn = asyncio.sleep,
        clock: ClockFn = time.monotonic,
    ) -> None:
        self._inner = inner
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._clock = clock

    @property
    def policy(self) -> RetryPolicy:
        return self._policy

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()  # buffer the body so every attempt can send it again
        what = _what(request)

        async def before_sleep(state: tenacity.RetryCallState) -> None:
            _log_retry(state, what, self._policy)
            response = _outcome_response(state)
            if response is not None:
                await response.aclose()

        retrying = tenacity.AsyncRetrying(
            sleep=self._sleep,
            stop=_Stop(self._policy, self._clock, self._clock(), what),
            wait=_Wait(self._policy),
            retry=_retry_condition(self._policy),
            before_sleep=before_sleep,
            retry_error_callback=_last_outcome,
        )
        response: httpx.Response = await retrying(self._attempt, request)
        return response

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


def build_http_client(
    *,
    policy: RetryPolicy | None = None,
    recorder: Recorder | None = None,
    timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
    sleep: SleepFn = time.sleep,
    clock: ClockFn = time.monotonic,
) -> httpx.Client:
    """An ``httpx.Client`` for ``openai.OpenAI(http_client=..., max_retries=0)``.

    Transport stack: ``recorder.transport(RetryingTransport(HTTPTransport()))`` when a recorder
    is given, else ``RetryingTransport(HTTPTransport())``. A replaying recorder answers every
    request itself and never calls the retrying transport below it.
    """
    retrying = RetryingTransport(httpx.HTTPTransport(), policy, sleep=sleep, clock=clock)
    transport: httpx.BaseTransport = retrying
    if recorder is not None:
        transport = recorder.transport(retrying)
    return httpx.Client(transport=transport, timeout=timeout)


def build_async_http_client(
    *,
    policy: RetryPolicy | None = None,
    recorder: Recorder | None = None,
    timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
    sleep: AsyncSleepFn = asyncio.sleep,
    clock: ClockFn = time.monotonic,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for ``openai.AsyncOpenAI(http_client=..., max_retries=0)``."""
    retrying = AsyncRetryingTransport(httpx.AsyncHTTPTransport(), policy, sleep=sleep, clock=clock)
    transport: httpx.AsyncBaseTransport = retrying
    if recorder is not None:
        transport = recorder.async_transport(retrying)
    return httpx.AsyncClient(transport=transport, timeout=timeout)
