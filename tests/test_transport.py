"""Transport retries, driven through the real openai SDK against a scripted local server.

Also proves the session's network guard (tests/conftest.py) trips.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import conftest
import httpx
import openai
import pytest
from helpers import chat_completion, drop, error_body, reply, scripted_server

from summarizer.http.client import build_async_http_client, build_http_client
from summarizer.http.responses import retry_after_seconds
from summarizer.http.retry import AsyncRetryingTransport, RetryingTransport, RetryPolicy

API_KEY = "sk-" + "test-transport-0123456789abcdef"
MESSAGES: list[Any] = [{"role": "user", "content": "Summarize: nothing happened."}]
#: Deterministic backoff: 0.5, 1, 2, 4, ... (no jitter).
NO_JITTER = RetryPolicy(initial_backoff=0.5, max_backoff=20.0, jitter=0.0)


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def sdk(
    base_url: str,
    fake: FakeTime,
    policy: RetryPolicy = NO_JITTER,
    timeout: float | httpx.Timeout = 5.0,
) -> openai.OpenAI:
    http_client = build_http_client(
        policy=policy, timeout=timeout, sleep=fake.sleep, clock=fake.clock
    )
    return openai.OpenAI(base_url=base_url, api_key=API_KEY, http_client=http_client, max_retries=0)


def async_sdk(base_url: str, fake: FakeTime, policy: RetryPolicy = NO_JITTER) -> openai.AsyncOpenAI:
    http_client = build_async_http_client(
        policy=policy, timeout=5.0, sleep=fake.async_sleep, clock=fake.clock
    )
    return openai.AsyncOpenAI(
        base_url=base_url, api_key=API_KEY, http_client=http_client, max_retries=0
    )


def ask(client: openai.OpenAI) -> str | None:
    completion = client.chat.completions.create(model="m", messages=MESSAGES)
    return completion.choices[0].message.content


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --------------------------------------------------------------------------------------------
# Retry-After


def test_429_with_retry_after_waits_as_told_then_succeeds(fake_time: FakeTime) -> None:
    script = [
        reply(
            429,
            error_body("slow down", error_type="rate_limit_error"),
            headers={"Retry-After": "7"},
        ),
        reply(chat_completion("done")),
    ]
    with scripted_server(script) as server:
        assert ask(sdk(server.base_url, fake_time)) == "done"
    assert fake_time.sleeps == [7.0]
    assert len(server.requests) == 2
    assert server.requests[0].body == server.requests[1].body  # the same request, sent again


def test_retry_after_ms_wins_over_retry_after(fake_time: FakeTime) -> None:
    headers = {"Retry-After": "3", "retry-after-ms": "250"}
    with scripted_server([reply(429, headers=headers), reply(chat_completion("ok"))]) as server:
        assert ask(sdk(server.base_url, fake_time)) == "ok"
    assert fake_time.sleeps == [0.25]


def test_503_retry_after_as_http_date(fake_time: FakeTime) -> None:
    # A date in the past means "now": no wait, but still a retry.
    headers = {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}
    with scripted_server([reply(503, headers=headers), reply(chat_completion("ok"))]) as server:
        assert ask(sdk(server.base_url, fake_time)) == "ok"
    assert fake_time.sleeps == [0.0]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "12"}, 12.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"Retry-After": "Sat, 01 Jun 2024 12:00:30 GMT"}, 30.0),
        ({"Retry-After": "Sat, 01 Jun 2024 11:00:00 GMT"}, 0.0),
        ({"Retry-After": "-4"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_parsing(headers: dict[str, str], expected: float | None) -> None:
    now = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(headers, now=now) == expected


# --------------------------------------------------------------------------------------------
# Which faults are retried


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried_with_exponential_backoff(status: int, fake_time: FakeTime) -> None:
    script = [reply(status, error_body("boom")), reply(status), reply(chat_completion("ok"))]
    with scripted_server(script) as server:
        assert ask(sdk(server.base_url, fake_time)) == "ok"
    assert fake_time.sleeps == [0.5, 1.0]
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, openai.BadRequestError),
        (401, openai.AuthenticationError),
        (404, openai.NotFoundError),
        (422, openai.UnprocessableEntityError),
    ],
)
def test_other_4xx_are_not_retried(
    status: int, error: type[openai.APIStatusError], fake_time: FakeTime
) -> None:
    script = [reply(status, error_body("no")), reply(chat_completion("never sent"))]
    with scripted_server(script) as server, pytest.raises(error):
        ask(sdk(server.base_url, fake_time))
    assert len(server.requests) == 1
    assert fake_time.sleeps == []


def test_x_should_retry_false_is_honoured(fake_time: FakeTime) -> None:
    script = [reply(500, error_body("fatal"), headers={"x-should-retry": "false"})]
    with scripted_server(script) as server, pytest.raises(openai.InternalServerError):
        ask(sdk(server.base_url, fake_time))
    assert len(server.requests) == 1


def test_last_response_is_returned_after_the_last_attempt(fake_time: FakeTime) -> None:
    policy = RetryPolicy(max_attempts=3, jitter=0.0)
    script = [reply(500, error_body("still broken"))] * 3
    with scripted_server(script) as server, pytest.raises(openai.InternalServerError) as caught:
        ask(sdk(server.base_url, fake_time, policy))
    assert len(server.requests) == 3
    assert caught.value.status_code == 500
    assert "still broken" in str(caught.value)  # the SDK's usual error from our last response


def test_timeout_is_retried(fake_time: FakeTime) -> None:
    # The first answer comes too late for the client's 0.3 s read timeout.
    script = [reply(chat_completion("late"), delay=2.0), reply(chat_completion("on time"))]
    timeout = httpx.Timeout(0.3, connect=2.0)
    with scripted_server(script) as server:
        assert ask(sdk(server.base_url, fake_time, timeout=timeout)) == "on time"
    assert len(server.requests) == 2
    assert fake_time.sleeps == [0.5]


def test_dropped_connection_is_retried(fake_time: FakeTime) -> None:
    with scripted_server([drop(), reply(chat_completion("ok"))]) as server:
        assert ask(sdk(server.base_url, fake_time)) == "ok"
    assert len(server.requests) == 2


def test_connection_refused_is_retried_then_reraised(fake_time: FakeTime) -> None:
    policy = RetryPolicy(max_attempts=3, jitter=0.0)
    client = sdk(f"http://127.0.0.1:{unused_port()}/v1", fake_time, policy)
    with pytest.raises(openai.APIConnectionError) as caught:
        ask(client)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)  # our last exception, re-raised
    assert fake_time.sleeps == [0.5, 1.0]  # three attempts


# --------------------------------------------------------------------------------------------
# Bounds


def test_total_time_budget_stops_retrying(fake_time: FakeTime) -> None:
    policy = RetryPolicy(max_attempts=10, max_total_seconds=120.0, jitter=0.0)
    rate_limited = reply(429, error_body("busy"), headers={"Retry-After": "50"})
    with (
        scripted_server([rate_limited], repeat_last=True) as server,
        pytest.raises(openai.RateLimitError),
    ):
        ask(sdk(server.base_url, fake_time, policy))
    # 0 s: try, wait 50; 50 s: try, wait 50; 100 s: try, and a third wait would end at 150 s.
    assert fake_time.sleeps == [50.0, 50.0]
    assert len(server.requests) == 3


def test_retry_after_beyond_the_budget_gives_up_at_once(fake_time: FakeTime) -> None:
    policy = RetryPolicy(max_total_seconds=60.0)
    script = [reply(429, error_body("come back tomorrow"), headers={"Retry-After": "86400"})]
    with scripted_server(script) as server, pytest.raises(openai.RateLimitError):
        ask(sdk(server.base_url, fake_time, policy))
    assert fake_time.sleeps == []
    assert len(server.requests) == 1


def test_max_attempts_bounds_retries(fake_time: FakeTime) -> None:
    with (
        scripted_server([reply(502)], repeat_last=True) as server,
        pytest.raises(openai.InternalServerError),
    ):
        ask(sdk(server.base_url, fake_time))
    assert len(server.requests) == NO_JITTER.max_attempts == 5
    assert fake_time.sleeps == [0.5, 1.0, 2.0, 4.0]


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(initial_backoff=5.0, max_backoff=1.0)


# --------------------------------------------------------------------------------------------
# Logging


def test_each_retry_is_logged_without_headers(
    fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    script = [reply(429, headers={"Retry-After": "2"}), reply(500), reply(chat_completion("ok"))]
    with (
        caplog.at_level(logging.INFO, logger="summarizer.http.retry"),
        scripted_server(script) as server,
    ):
        ask(sdk(server.base_url, fake_time))
    retries = [r.getMessage() for r in caplog.records if r.name == "summarizer.http.retry"]
    assert len(retries) == 2
    assert "status 429" in retries[0] and "2.00 s" in retries[0]
    assert "status 500" in retries[1] and "1.00 s" in retries[1]  # backoff after attempt 2
    assert all("/v1/chat/completions" in line for line in retries)
    text = caplog.text
    assert API_KEY not in text and "Bearer" not in text and "127.0.0.1" not in text


# --------------------------------------------------------------------------------------------
# Async


def test_async_429_then_success(fake_time: FakeTime) -> None:
    script = [reply(429, headers={"Retry-After": "3"}), reply(chat_completion("async ok"))]

    async def run(base_url: str) -> str | None:
        client = async_sdk(base_url, fake_time)
        completion = await client.chat.completions.create(model="m", messages=MESSAGES)
        await client.close()
        return completion.choices[0].message.content

    with scripted_server(script) as server:
        assert asyncio.run(run(server.base_url)) == "async ok"
    assert fake_time.sleeps == [3.0]
    assert len(server.requests) == 2


def test_async_connection_refused_and_no_retry_on_400(fake_time: FakeTime) -> None:
    policy = RetryPolicy(max_attempts=2, jitter=0.0)

    async def call(base_url: str) -> None:
        client = async_sdk(base_url, fake_time, policy)
        try:
            await client.chat.completions.create(model="m", messages=MESSAGES)
        finally:
            await client.close()

    with pytest.raises(openai.APIConnectionError):
        asyncio.run(call(f"http://127.0.0.1:{unused_port()}/v1"))
    assert fake_time.sleeps == [0.5]

    script = [reply(400, error_body("bad")), reply(chat_completion("x"))]
    with scripted_server(script) as server, pytest.raises(openai.BadRequestError):
        asyncio.run(call(server.base_url))
    assert len(server.requests) == 1


def test_async_timeout_is_retried(fake_time: FakeTime) -> None:
    script = [reply(chat_completion("late"), delay=2.0), reply(chat_completion("on time"))]

    async def run(base_url: str) -> str | None:
        http_client = build_async_http_client(
            policy=NO_JITTER,
            timeout=httpx.Timeout(0.3, connect=2.0),
            sleep=fake_time.async_sleep,
            clock=fake_time.clock,
        )
        client = openai.AsyncOpenAI(
            base_url=base_url, api_key=API_KEY, http_client=http_client, max_retries=0
        )
        completion = await client.chat.completions.create(model="m", messages=MESSAGES)
        await client.close()
        return completion.choices[0].message.content

    with scripted_server(script) as server:
        assert asyncio.run(run(server.base_url)) == "on time"
    assert len(server.requests) == 2


# --------------------------------------------------------------------------------------------
# The transports on their own (httpx's MockTransport as the wire)


def counting_transport(statuses: list[int]) -> tuple[httpx.MockTransport, list[int]]:
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(len(seen))
        return httpx.Response(statuses[min(len(seen) - 1, len(statuses) - 1)], json={})

    return httpx.MockTransport(handler), seen


def test_transport_returns_last_response_unread_for_the_sdk(fake_time: FakeTime) -> None:
    inner, seen = counting_transport([503, 503])
    transport = RetryingTransport(
        inner, RetryPolicy(max_attempts=2, jitter=0.0), sleep=fake_time.sleep, clock=fake_time.clock
    )
    with httpx.Client(transport=transport) as client:
        response = client.post("http://127.0.0.1/v1/chat/completions", json={"a": 1})
    assert response.status_code == 503
    assert response.json() == {}
    assert response.elapsed is not None  # a proper response, read and closed by httpx
    assert len(seen) == 2


def test_async_transport_directly(fake_time: FakeTime) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True})

    transport = AsyncRetryingTransport(
        httpx.MockTransport(handler), sleep=fake_time.async_sleep, clock=fake_time.clock
    )

    async def run() -> Any:
        async with httpx.AsyncClient(transport=transport) as client:
            response = await client.post("http://127.0.0.1/x", json={})
            return response.json()

    assert asyncio.run(run()) == {"ok": True}


# --------------------------------------------------------------------------------------------
# The network guard (tests/conftest.py)


@pytest.fixture
def no_real_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Stand in for the real socket functions, so even a broken guard sends nothing."""
    reached: list[str] = []

    def stand_in(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            reached.append(name)
            raise ConnectionRefusedError(f"stand-in for {name}")

        return call

    for name in list(conftest.REAL):
        monkeypatch.setitem(conftest.REAL, name, stand_in(name))
    yield reached
    del conftest.VIOLATIONS[:]  # the blocked attempts below were on purpose


@pytest.mark.parametrize(
    "attempt",
    [
        lambda: socket.create_connection(("192.0.2.1", 443), timeout=0.1),
        lambda: socket.getaddrinfo("example.com", 443),
        lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("10.1.2.3", 80)),
        lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect_ex(("8.8.8.8", 53)),
        lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM).connect(("2001:db8::1", 80)),
    ],
    ids=["create_connection", "getaddrinfo", "connect", "connect_ex", "ipv6"],
)
def test_network_guard_blocks_non_loopback(
    attempt: Callable[[], Any], no_real_network: list[str]
) -> None:
    with pytest.raises(conftest.NetworkBlockedError):
        attempt()
    assert no_real_network == []  # refused before any real socket call
    assert conftest.VIOLATIONS  # and charged to this test


def test_network_guard_lets_loopback_and_unix_through(no_real_network: list[str]) -> None:
    for host in ("127.0.0.1", "127.8.9.10", "localhost", "::1"):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((host, 9))
    with pytest.raises(ConnectionRefusedError):
        socket.getaddrinfo("localhost", 80)
    assert no_real_network == ["create_connection"] * 4 + ["getaddrinfo"]
    assert conftest.VIOLATIONS == []
    left, right = socket.socketpair(socket.AF_UNIX)
    left.close()
    right.close()


def test_network_guard_catches_what_the_sdk_swallows(no_real_network: list[str]) -> None:
    client = openai.OpenAI(base_url="http://192.0.2.1/v1", api_key=API_KEY, max_retries=0)
    with pytest.raises(openai.APIConnectionError):  # the SDK wraps the guard's error...
        ask(client)
    assert any("192.0.2.1" in v for v in conftest.VIOLATIONS)  # ...but the guard noted it
    assert no_real_network == []


def test_network_guard_fails_a_test_that_swallows_the_error(tmp_path: Path) -> None:
    """A separate pytest run with our conftest: a test that hides a blocked call still fails."""
    shutil.copy(Path(conftest.__file__), tmp_path / "conftest.py")
    (tmp_path / "test_sneaky.py").write_text(
        textwrap.dedent(
            """
            import socket
            import conftest

            def refuse(*args, **kwargs):
                raise AssertionError("a real network call was made")

            def test_swallows():
                for name in list(conftest.REAL):
                    conftest.REAL[name] = refuse  # if the guard let it through, nothing is sent
                try:
                    socket.create_connection(("192.0.2.1", 80), timeout=0.1)
                except Exception:
                    pass
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "network access outside loopback" in result.stdout
    assert "192.0.2.1" in result.stdout
