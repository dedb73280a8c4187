"""Client-side rate limits: token buckets for requests and tokens per minute, fixed by
`--rpm` / `--tpm` or learned from the server.

Every model call (re-asks included) first takes one request and its estimated tokens; the
estimate is corrected with the tokens the answer reports; a transport retry is charged as
one more request.

Adaptive (no `--rpm`): the limiter starts open and learns the server's limit.
- `x-ratelimit-limit-requests` (OpenAI's header, per minute) sets the request rate to just
  under the limit; `x-ratelimit-remaining-requests: 0` with `x-ratelimit-reset-requests`
  holds new calls until the reset.
- A 429 without those headers is AIMD: the rate drops to `DECREASE` x the rate in force (or
  of what was getting through, if more), at most once per `COOLDOWN_S`, then grows by
  `INCREASE` of itself per second without a 429. A 429's `Retry-After` holds every new
  call until it has passed, so the waiting calls do not stampede the server together.
"""

from __future__ import annotations

import asyncio
import collections
import re
import threading
import time
from collections.abc import Callable

from summarizer.http.retry import RetryEvent

__all__ = ["RateLimiter", "TokenBucket", "parse_reset"]

DECREASE = 0.9
INCREASE = 0.05  # of the current rate, per second without a 429
COOLDOWN_S = 1.0
HEADER_MARGIN = 0.97  # run just under a limit the server announced
_WINDOW_S = 2.0


class TokenBucket:
    """A token bucket: `rate` units per second up to `capacity`; may go into debt.

    A request larger than the capacity waits for a full bucket and then takes it into debt,
    so an article bigger than the per-window token budget is slow, never stuck.
    """

    def __init__(
        self, rate: float, capacity: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self.clock = clock
        self.level = capacity
        self._last = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.level = min(self.capacity, self.level + (now - self._last) * self.rate)
        self._last = now

    def wait_time(self, amount: float) -> float:
        """Seconds until `amount` (at most a full bucket) is available."""
        self._refill()
        needed = min(amount, self.capacity)
        return max(0.0, (needed - self.level) / self.rate)

    def take(self, amount: float) -> None:
        self._refill()
        self.level -= amount

    def give(self, amount: float) -> None:
        self._refill()
        self.level = min(self.capacity, self.level + amount)


class RateLimiter:
    """Client-side limits on requests per minute and tokens per minute.

    Requests: a bucket of half a second's worth (rpm/120, at least 1), so calls are spread
    evenly, and a server enforcing the limit over short windows (OpenAI does) keeps some
    slack for network jitter. Transport retries (429s that slipped through, 5xx) are charged
    too (`charge_retry`), or they would push the next calls over the limit. Tokens: a bucket
    of ten seconds' worth, charged with an estimate before the call and corrected with the
    real usage after it. `adaptive`: see the module docstring.
    """

    def __init__(
        self,
        rpm: float | None = None,
        tpm: float | None = None,
        *,
        adaptive: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.requests = self._request_bucket(rpm) if rpm else None
        self.tokens = TokenBucket(tpm / 60, max(1.0, tpm / 6), clock=clock) if tpm else None
        self.adaptive = adaptive and not rpm
        self.hold_until = 0.0  # no new call before this (Retry-After, a reset)
        self.announced = False  # the server told us its limit
        self._last_decrease = -COOLDOWN_S
        self._last_increase = clock()
        self._passed: collections.deque[float] = collections.deque()
        self._lock = asyncio.Lock()
        self._sync_lock = threading.Lock()
        self._state = threading.Lock()

    def _request_bucket(self, rpm: float) -> TokenBucket:
        return TokenBucket(rpm / 60, max(1.0, rpm / 120), clock=self.clock)

    @property
    def rpm(self) -> float | None:
        """The request rate in force (learned or given), per minute."""
        return None if self.requests is None else self.requests.rate * 60

    def wait_time(self, tokens: int) -> float:
        waits = [0.0, self.hold_until - self.clock()]
        with self._state:
            if self.requests is not None:
                waits.append(self.requests.wait_time(1))
            if self.tokens is not None:
                waits.append(self.tokens.wait_time(tokens))
        return max(waits)

    def take(self, tokens: int) -> None:
        with self._state:
            if self.requests is not None:
                self.requests.take(1)
            if self.tokens is not None:
                self.tokens.take(tokens)

    async def acquire(self, tokens: int) -> None:
        """Wait for one request and `tokens` tokens; first come, first served."""
        async with self._lock:
            while (wait := self.wait_time(tokens)) > 0:
                await asyncio.sleep(wait)
            self.take(tokens)

    def acquire_blocking(self, tokens: int) -> None:
        """`acquire` for synchronous callers (the sync create path)."""
        with self._sync_lock:
            while (wait := self.wait_time(tokens)) > 0:
                time.sleep(wait)
            self.take(tokens)

    def charge_retry(self, event: RetryEvent | None = None) -> None:
        """A transport retry is one more request the server counts; a 429 teaches."""
        with self._state:
            if self.requests is not None:
                self.requests.take(1)
        if event is not None:
            self.observe(event)

    def settle(self, estimated: int, actual: int) -> None:
        """Correct a call's token estimate once its usage is known."""
        with self._state:
            if self.tokens is None or actual == estimated:
                return
            if actual < estimated:
                self.tokens.give(estimated - actual)
            else:
                self.tokens.take(actual - estimated)

    # -- learning from the server

    def observe(self, event: RetryEvent) -> None:
        """Read one response's rate-limit headers (and its status) when adaptive."""
        if not self.adaptive:
            return
        now = self.clock()
        with self._state:
            self._learn_headers(event, now)
            if event.status == 429:
                self._decrease(event, now)
            elif event.status is not None and event.status < 400:
                self._passed.append(now)
                self._increase(now)

    def _learn_headers(self, event: RetryEvent, now: float) -> None:
        headers = event.headers
        limit = _number(headers.get("x-ratelimit-limit-requests"))
        if limit:
            wanted = limit * HEADER_MARGIN
            if self.requests is None or abs(self.requests.rate * 60 - wanted) > 0.5:
                self.requests = self._request_bucket(wanted)
            self.announced = True
        remaining = _number(headers.get("x-ratelimit-remaining-requests"))
        reset = parse_reset(headers.get("x-ratelimit-reset-requests"))
        if remaining == 0 and reset:
            self.hold_until = max(self.hold_until, now + reset)
        if event.status == 429 and event.wait is not None:
            self.hold_until = max(self.hold_until, now + event.wait)

    def _recent_rate(self, now: float) -> float:
        """Answers per second over the last `_WINDOW_S` (or since the first, if sooner)."""
        while self._passed and self._passed[0] < now - _WINDOW_S:
            self._passed.popleft()
        if len(self._passed) < 2:
            return 0.0
        return (len(self._passed) - 1) / max(now - self._passed[0], 0.1)

    def _decrease(self, event: RetryEvent, now: float) -> None:
        if self.announced or now - self._last_decrease < COOLDOWN_S:
            return
        self._last_decrease = now
        passing = self._recent_rate(now)  # what the server let through lately
        current = self.requests.rate if self.requests is not None else passing
        rate = max(current * DECREASE, passing * DECREASE, 1 / 60)  # at least one a minute
        self.requests = TokenBucket(rate, max(1.0, rate / 2), clock=self.clock)
        self.requests.level = 0.0
        self._last_increase = now

    def _increase(self, now: float) -> None:
        if self.announced or self.requests is None:
            return
        elapsed = now - self._last_increase
        if elapsed >= 1.0 and now - self._last_decrease >= COOLDOWN_S:
            self.requests.rate *= 1 + INCREASE * elapsed
            self.requests.capacity = max(1.0, self.requests.rate / 2)
            self._last_increase = now


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_reset(value: str | None) -> float | None:
    """OpenAI's reset durations ("1s", "6m0s", "125ms", "0.5s") in seconds; None if absent."""
    if not value:
        return None
    value = value.strip()
    number = _number(value)
    if number is not None:
        return number
    parts = _DURATION.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return None
    return sum(float(n) * _UNIT_S[u] for n, u in parts)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None
