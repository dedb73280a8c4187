"""The httpx clients the openai SDK is built with: Recording(Retrying(HTTPTransport)).

The SDK always runs with ``max_retries=0`` and one of these clients, so transport faults are
retried once, below the SDK (:mod:`summarizer.http.retry`), and record/replay
(:mod:`summarizer.http.recording`) sees only the final answer of each request.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from summarizer.http.recording import Recorder
from summarizer.http.retry import (
    AsyncRetryingTransport,
    AsyncSleepFn,
    ClockFn,
    RetryingTransport,
    RetryPolicy,
    SleepFn,
)

__all__ = ["DEFAULT_TIMEOUT", "build_async_http_client", "build_http_client", "make_timeout"]

#: Timeouts of one attempt. Connecting to a live server is quick; the read timeout is the
#: longest silence accepted before the first byte of an answer. OpenAI's API starts
#: answering in seconds; another server is often a local CPU model that sends its whole
#: answer at once, minutes later, so it keeps a long default (`--timeout` lowers it).
#: Either timeout is a transport fault, retried like a 5xx.
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 45.0
SLOW_SERVER_READ_TIMEOUT = 600.0


def make_timeout(read: float | None = None, *, connect: float | None = None) -> httpx.Timeout:
    """An httpx timeout: `read` for every read and write, `connect` (never more than `read`)
    to open a connection."""
    read_s = DEFAULT_READ_TIMEOUT if read is None else read
    connect_s = DEFAULT_CONNECT_TIMEOUT if connect is None else connect
    return httpx.Timeout(read_s, connect=min(connect_s, read_s))


DEFAULT_TIMEOUT = make_timeout()


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
