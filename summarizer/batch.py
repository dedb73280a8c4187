"""Many articles at once: inputs, async concurrency, rate limiting, the store, exactly-once
results files, budget, progress (`summarizer batch`, `summarize_many`).

Exactly once. Every input ends as exactly one line of the results file: an `ArticleSummary`
or an error record `{"id", "source", "error", "kind"}`. The results file is the record of
what has been emitted: on start the runner truncates a trailing partial line (left by a
crash), reads the ids already written and skips them. Each line is written whole (one
`write` of the complete line on an `O_APPEND` descriptor, then fsync). An answer is saved
in the store (answer cache + ledger) *before* its line is written, so a crash between the
two costs no second call: the rerun finds the answer in the cache. Only a call still in
flight when the process dies is paid for again. An exclusive lock on the results file keeps
two runs from writing it at once.

Failure isolation: an unreadable, empty or binary input, or a model that still fails after
transport retries and re-asks, becomes an error line; the batch goes on. Only a
configuration error (no API key, unknown backend) stops the batch, since it would fail
every item alike.

Rate limits: every model call (re-asks included) first takes one request and its estimated
tokens from client-side token buckets (`--rpm`, `--tpm`); the estimate is corrected with
the tokens the answer reports. Budget: once the ledger shows `--budget` USD spent on this
batch (its results file), no new call starts; answers in the cache are still written and
the batch stays resumable.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fnmatch
import glob
import json
import logging
import os
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from summarizer.articles import Article, article_from_text, decode_article_bytes, read_article
from summarizer.errors import (
    ConfigurationError,
    ExtractionError,
    InputError,
    SummarizerError,
    TransportError,
    TruncatedOutputError,
)
from summarizer.schemas import ArticleSummary
from summarizer.store import LedgerEntry, PriceTable, Store

try:  # POSIX: an advisory lock keeps two runs off one results file
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

# Exit codes of `summarizer batch` (documented in docs/batch.md and `summarizer batch --help`).
EXIT_OK = 0  # every input has a summary line
EXIT_USAGE = 2  # bad options, no inputs, results file locked by another run, configuration
EXIT_SOME_FAILED = 3  # finished; some inputs are error lines (this run's or earlier ones')
EXIT_BUDGET = 4  # stopped by --budget; rerun (with a higher budget) to finish
EXIT_INTERRUPTED = 130  # Ctrl-C; rerun to finish

_GLOB_CHARS = frozenset("*?[")
_DEFAULT_COMPLETION_ESTIMATE = 1000


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class BatchItem:
    """One input of a batch: a file, a line of a JSONL file, or an input that is already bad.

    Texts are read when the item is processed, not when the batch is planned, so a batch of
    any size is planned in little memory.
    """

    id: str
    source: str
    path: Path | None = None
    jsonl_offset: int | None = None
    text: str | None = None
    published: str | None = None
    title: str | None = None
    url: str | None = None
    problem: str | None = None
    article: Article | None = None  # an `Article` handed in through the Python API


class UsageError(Exception):
    """A batch that cannot start: no inputs, bad options, results file in use."""


def _has_glob(spec: str) -> bool:
    return any(c in _GLOB_CHARS for c in spec)


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _folder_files(folder: Path) -> list[Path]:
    """Regular, non-hidden files under a folder, in a stable order."""
    found = [p for p in folder.rglob("*") if p.is_file() and not _is_hidden(p, folder)]
    return sorted(found, key=lambda p: p.as_posix())


def _expand_spec(spec: str) -> tuple[list[Path], BatchItem | None]:
    """The files one command-line input names, or an error item when it names none."""
    path = Path(spec)
    if path.is_dir():
        return _folder_files(path), None
    if path.exists():
        return [path], None
    if _has_glob(spec):
        matches = sorted(Path(m) for m in glob.glob(spec, recursive=True))
        files = [m for m in matches if m.is_file()]
        for folder in (m for m in matches if m.is_dir()):
            files.extend(_folder_files(folder))
        if files:
            return files, None
        return [], BatchItem(id=spec, source=spec, problem="matches no files")
    return [], BatchItem(id=spec, source=spec, problem="does not exist")


def _file_ids(paths: Sequence[Path]) -> dict[Path, str]:
    """Ids for files: the stem, or the path below the common folder where stems collide."""
    stems: dict[str, int] = {}
    for path in paths:
        stems[path.stem] = stems.get(path.stem, 0) + 1
    resolved = [p.resolve() for p in paths]
    root = Path(os.path.commonpath([str(p.parent) for p in resolved])) if resolved else Path()
    ids: dict[Path, str] = {}
    taken: set[str] = set()
    for path, full in zip(paths, resolved, strict=True):
        if stems[path.stem] == 1:
            candidate = path.stem
        else:
            candidate = full.relative_to(root).with_suffix("").as_posix()
        if candidate in taken:  # a.txt and a.md in one folder
            candidate = full.relative_to(root).as_posix()
        taken.add(candidate)
        ids[path] = candidate
    return ids


def _jsonl_items(path: Path) -> Iterator[tuple[str | None, BatchItem]]:
    """(requested id, item) per line of an articles JSONL file; texts stay on disk."""
    offset = 0
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            start, offset = offset, offset + len(raw)
            if not raw.strip():
                continue
            fallback = f"{path.stem}:{number}"
            origin = f"{path}:{number}"
            try:
                data = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                yield None, BatchItem(fallback, origin, problem="is not a valid JSON line")
                continue
            if not isinstance(data, dict):
                yield None, BatchItem(fallback, origin, problem="is not a JSON object")
                continue
            wanted = data.get("id")
            yield (
                None if wanted is None else str(wanted),
                BatchItem(
                    str(wanted) if wanted is not None else fallback,
                    origin,
                    path=path,
                    jsonl_offset=start,
                ),
            )


def expand_inputs(
    inputs: Sequence[str],
    *,
    stdin: IO[str] | None = None,
    exclude: Iterable[Path] = (),
) -> list[BatchItem]:
    """Plan a batch: files, folders (recursive), globs, `.jsonl` article files, `-` (one
    path per line on stdin). Unique ids; the same file named twice is one item; `exclude`
    (the results file, the store) is never an input."""
    specs: list[str] = []
    for spec in inputs:
        if spec == "-":
            if stdin is None:
                raise UsageError("'-' needs paths on standard input")
            specs.extend(line.strip() for line in stdin if line.strip())
        else:
            specs.append(spec)
    if not specs:
        raise UsageError("no inputs")
    skip = {p.resolve() for p in exclude}
    seen: set[Path] = set()
    ordered: list[Path | BatchItem] = []
    for spec in specs:
        files, problem = _expand_spec(spec)
        if problem is not None:
            ordered.append(problem)
        for file in files:
            full = file.resolve()
            if full in seen or full in skip or _is_store_file(full, skip):
                continue
            seen.add(full)
            ordered.append(file)
    file_ids = _file_ids([p for p in ordered if isinstance(p, Path) and p.suffix != ".jsonl"])
    items: list[BatchItem] = []
    for entry in ordered:
        if isinstance(entry, BatchItem):
            items.append(entry)
        elif entry.suffix == ".jsonl":
            items.extend(item for _, item in _jsonl_items(entry))
        else:
            items.append(BatchItem(id=file_ids[entry], source=str(entry), path=entry))
    return _unique_ids(items)


def _is_store_file(path: Path, skip: set[Path]) -> bool:
    """SQLite's -wal / -shm companions of an excluded file are excluded too."""
    return any(fnmatch.fnmatch(str(path), f"{s}-*") for s in skip)


def _unique_ids(items: list[BatchItem]) -> list[BatchItem]:
    """Exactly-once needs one id per item: later duplicates get `~2`, `~3`, ..."""
    seen: dict[str, int] = {}
    unique: list[BatchItem] = []
    for item in items:
        count = seen.get(item.id, 0) + 1
        seen[item.id] = count
        if count > 1:
            new_id = f"{item.id}~{count}"
            while new_id in seen:
                count += 1
                new_id = f"{item.id}~{count}"
            seen[new_id] = 1
            item = BatchItem(**{**item.__dict__, "id": new_id})
        unique.append(item)
    return unique


def as_item(value: BatchItem | Article | str | Path | dict[str, Any], index: int) -> BatchItem:
    """Coerce what the Python API accepts into a `BatchItem`."""
    if isinstance(value, BatchItem):
        return value
    if isinstance(value, Article):
        return BatchItem(id=value.meta.id, source=value.meta.url or value.meta.id, article=value)
    if isinstance(value, dict):
        item_id = str(value.get("id", f"item-{index}"))
        return BatchItem(
            id=item_id,
            source=str(value.get("source", item_id)),
            text=value.get("text"),
            published=value.get("published"),
            title=value.get("title"),
            url=value.get("url"),
            problem=None if isinstance(value.get("text"), str) else "has no text",
        )
    path = Path(value)
    return BatchItem(id=path.stem, source=str(path), path=path)


def load_article(item: BatchItem) -> Article:
    """Read one item's article; any problem is an `InputError` naming the input."""
    if item.problem is not None:
        raise InputError(item.source, item.problem)
    if item.article is not None:
        _check_text(item.article.text, item.source)
        meta = item.article.meta.model_copy(update={"id": item.id})
        return Article(item.article.text, meta, item.article.header)
    if item.jsonl_offset is not None and item.path is not None:
        return _load_jsonl_line(item)
    if item.text is not None:
        _check_text(item.text, item.source)
        return article_from_text(
            item.text,
            article_id=item.id,
            origin=item.source,
            published=item.published,
            title=item.title,
            url=item.url,
        )
    if item.path is None:
        raise InputError(item.source, "has no text")
    article = read_article(item.path, published=item.published)
    return Article(article.text, article.meta.model_copy(update={"id": item.id}), article.header)


def _load_jsonl_line(item: BatchItem) -> Article:
    assert item.path is not None and item.jsonl_offset is not None
    try:
        with item.path.open("rb") as handle:
            handle.seek(item.jsonl_offset)
            raw = handle.readline()
    except OSError as exc:
        raise InputError(item.source, f"cannot be read ({exc.strerror})") from None
    data = json.loads(raw)
    text = data.get("text")
    if not isinstance(text, str):
        raise InputError(item.source, "has no 'text' string")
    _check_text(text, item.source)
    return article_from_text(
        text,
        article_id=item.id,
        origin=item.source,
        published=_opt_str(data.get("published")),
        title=_opt_str(data.get("title")),
        url=_opt_str(data.get("url")),
    )


def _check_text(text: str, origin: str) -> None:
    """Text given in memory gets the checks a file gets: not empty, not binary."""
    if "\x00" in text:
        raise InputError(origin, "contains NUL characters (binary data?), not article text")
    decode_article_bytes(text.encode("utf-8"), origin=origin)  # empty -> InputError


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------- results file


def result_line_id(line: bytes) -> str | None:
    """The item id a results line is for (summary: article.id; error record: id)."""
    info = _line_info(line)
    return None if info is None else info[0]


def _line_info(line: bytes) -> tuple[str, bool] | None:
    """(item id, is an error record) of a results line; None when it is neither."""
    try:
        data = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    if "provenance" in data and isinstance(data.get("article"), dict):
        item_id = data["article"].get("id")
        return None if item_id is None else (str(item_id), False)
    if "error" in data and data.get("id") is not None:
        return str(data["id"]), True
    return None


class ResultsFile:
    """An append-only JSONL file written one whole line at a time, crash-safe.

    `open()` takes an exclusive lock, truncates a trailing partial line and returns the ids
    already written, which the batch skips. With `retry_failed`, error lines are removed
    first (the file is rewritten atomically) so those inputs are tried again.
    """

    def __init__(self, path: Path, *, durable: bool = True) -> None:
        self.path = path
        self.durable = durable
        self._fd: int | None = None
        self.truncated_bytes = 0
        self.unreadable_lines = 0
        self.error_ids: set[str] = set()
        self.retried: set[str] = set()

    def _lock(self) -> int:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise UsageError(f"{self.path} is being written by another batch run") from None
        return fd

    def open(self, *, retry_failed: bool = False) -> set[str]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = self._lock()
        ids = self._recover()
        if retry_failed and self.error_ids:
            self._drop_error_lines()
            ids -= self.error_ids
            self.retried, self.error_ids = self.error_ids, set()
        return ids

    def _recover(self) -> set[str]:
        assert self._fd is not None
        ids: set[str] = set()
        complete = 0
        with open(self.path, "rb") as lines:
            for line in lines:
                if not line.endswith(b"\n"):
                    break  # a partial last line from a crash
                complete += len(line)
                info = _line_info(line)
                if info is None:
                    self.unreadable_lines += line.strip() != b""
                    continue
                ids.add(info[0])
                if info[1]:
                    self.error_ids.add(info[0])
        size = os.fstat(self._fd).st_size
        if size > complete:
            self.truncated_bytes = size - complete
            os.ftruncate(self._fd, complete)
            os.fsync(self._fd)
        return ids

    def _drop_error_lines(self) -> None:
        """Rewrite the file without its error lines: temp file, fsync, atomic rename."""
        temporary = self.path.with_name(self.path.name + ".retry-tmp")
        with open(self.path, "rb") as source, open(temporary, "wb") as target:
            for line in source:
                info = _line_info(line)
                if info is None or not info[1]:
                    target.write(line)
            target.flush()
            os.fsync(target.fileno())
        os.replace(temporary, self.path)
        old, self._fd = self._fd, self._lock()
        if old is not None:
            os.close(old)

    def write(self, line: str) -> None:
        """Append one line whole: a single write of the complete line, then fsync."""
        assert self._fd is not None, "open() first"
        data = (line.rstrip("\n") + "\n").encode("utf-8")
        view = memoryview(data)
        while view:  # a regular file takes it in one write unless the disk is full
            written = os.write(self._fd, view)
            view = view[written:]
        if self.durable:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock
            self._fd = None

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- rate limits


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
    real usage after it.
    """

    def __init__(
        self,
        rpm: float | None = None,
        tpm: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.requests = TokenBucket(rpm / 60, max(1.0, rpm / 120), clock=clock) if rpm else None
        self.tokens = TokenBucket(tpm / 60, max(1.0, tpm / 6), clock=clock) if tpm else None
        self._lock = asyncio.Lock()

    def wait_time(self, tokens: int) -> float:
        waits = [0.0]
        if self.requests is not None:
            waits.append(self.requests.wait_time(1))
        if self.tokens is not None:
            waits.append(self.tokens.wait_time(tokens))
        return max(waits)

    def take(self, tokens: int) -> None:
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

    def charge_retry(self) -> None:
        """A transport retry is one more request the server counts."""
        if self.requests is not None:
            self.requests.take(1)

    def settle(self, estimated: int, actual: int) -> None:
        """Correct a call's token estimate once its usage is known."""
        if self.tokens is None or actual == estimated:
            return
        if actual < estimated:
            self.tokens.give(estimated - actual)
        else:
            self.tokens.take(actual - estimated)


# --------------------------------------------------------------------------- results


@dataclass
class Usage:
    """Calls, tokens and cost spent on one item (or a whole run)."""

    calls: int = 0
    failed_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_calls: int = 0
    transport_retries: int = 0

    def add(self, other: Usage) -> None:
        self.calls += other.calls
        self.failed_calls += other.failed_calls
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cost_usd += other.cost_usd
        self.unpriced_calls += other.unpriced_calls
        self.transport_retries += other.transport_retries

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Done:
    """An item summarized (or answered from the cache)."""

    item_id: str
    source: str
    summary: ArticleSummary
    from_cache: bool
    usage: Usage
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
    usage: Usage

    def record(self) -> dict[str, str]:
        return {"id": self.item_id, "source": self.source, "error": self.error, "kind": self.kind}

    def line(self) -> str:
        return json.dumps(self.record(), ensure_ascii=False)


@dataclass(frozen=True)
class Skipped:
    """An item not started because the budget was reached; a rerun will do it."""

    item_id: str
    source: str
    reason: str = "budget"


ItemResult = Done | Failed | Skipped


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


def _configuration_error(error: BaseException | None) -> ConfigurationError | None:
    """The ConfigurationError behind an error (instructor wraps what the backend raised)."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, ConfigurationError):
            return error
        error, seen = error.__cause__ or error.__context__, seen + 1
    return None


# --------------------------------------------------------------------------- metering


@dataclass
class _ItemScope:
    item_id: str
    article_sha256: str
    usage: Usage = field(default_factory=Usage)
    limiter: RateLimiter | None = None  # charged for the transport retries of this item


_current_item: ContextVar[_ItemScope | None] = ContextVar("summarizer_batch_item", default=None)

# The transport retries 429/5xx/timeouts below the SDK and logs each retry on this logger;
# the batch counts them per item so the ledger shows every HTTP attempt of a call.
_TRANSPORT_LOGGER = "summarizer.transport"


class _RetryCounter(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        scope = _current_item.get()
        if scope is not None and "retrying in" in str(record.msg):
            scope.usage.transport_retries += 1
            if scope.limiter is not None:
                scope.limiter.charge_retry()


@contextlib.contextmanager
def counting_transport_retries() -> Iterator[None]:
    """Count transport retries into the current item's usage while the batch runs."""
    logger = logging.getLogger(_TRANSPORT_LOGGER)
    handler = _RetryCounter(logging.INFO)
    level = logger.level
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _usage_of(completion: Any) -> tuple[int, int]:
    usage = getattr(completion, "usage", None)
    return (
        int(getattr(usage, "prompt_tokens", 0) or 0),
        int(getattr(usage, "completion_tokens", 0) or 0),
    )


def _is_reask(kwargs: dict[str, Any]) -> bool:
    """instructor re-asks by appending the failed answer (an assistant turn) to messages."""
    messages = kwargs.get("messages") or []
    return any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages)


def _retries_so_far() -> int:
    scope = _current_item.get()
    return 0 if scope is None else scope.usage.transport_retries


def _attempts_since(retries: int) -> int:
    """HTTP attempts of the call that just ended: 1 + transport retries during it."""
    return 1 + _retries_so_far() - retries


class MeteredBackend:
    """Wraps a backend: every call is rate-limited, then written to the ledger with its cost.

    The item a call belongs to comes from a context variable set by the batch worker, so
    concurrent articles never mix up their ledger rows.
    """

    def __init__(
        self,
        inner: Any,
        *,
        store: Store | None,
        prices: PriceTable,
        batch: str,
        limiter: RateLimiter | None,
        on_cost: Callable[[float], None],
        via: str = "realtime",
    ) -> None:
        self.inner = inner
        self.store = store
        self.prices = prices
        self.batch = batch
        self.limiter = limiter
        self.on_cost = on_cost
        self.via = via
        self.completion_estimate = _DEFAULT_COMPLETION_ESTIMATE
        # The Backend protocol: what the pipeline reads, copied from the wrapped backend;
        # anything else is looked up on it (`__getattr__`).
        self.name: str = inner.name
        self.model: str = inner.model
        self.mode: Any = inner.mode
        self.context_tokens: int = inner.context_tokens
        self.default_max_tokens: int = inner.default_max_tokens
        self.server: str | None = inner.server

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def session(self, name: str, metadata: dict[str, Any]) -> Any:
        return self.inner.session(name, metadata)

    def count_tokens(self, text: str) -> int:
        return int(self.inner.count_tokens(text))

    def close(self) -> None:
        self.inner.close()

    def estimate_tokens(self, kwargs: dict[str, Any]) -> int:
        """Prompt tokens of the request plus the completion size seen so far."""
        text = "".join(
            str(m.get("content") or "") for m in kwargs.get("messages") or [] if isinstance(m, dict)
        )
        return self.count_tokens(text) + self.completion_estimate

    def create(self, **kwargs: Any) -> Any:
        reask = _is_reask(kwargs)
        retries = _retries_so_far()
        try:
            completion = self.inner.create(**kwargs)
        except Exception as error:
            self._record(ok=False, reask=reask, error=error, attempts=_attempts_since(retries))
            raise
        self._record(ok=True, reask=reask, completion=completion, attempts=_attempts_since(retries))
        return completion

    async def acreate(self, **kwargs: Any) -> Any:
        reask = _is_reask(kwargs)
        estimate = self.estimate_tokens(kwargs)
        if self.limiter is not None:
            await self.limiter.acquire(estimate)
        retries = _retries_so_far()
        try:
            completion = await self.inner.acreate(**kwargs)
        except Exception as error:
            if self.limiter is not None:
                self.limiter.settle(estimate, 0)
            self._record(ok=False, reask=reask, error=error, attempts=_attempts_since(retries))
            raise
        prompt, answer = _usage_of(completion)
        if self.limiter is not None:
            self.limiter.settle(estimate, prompt + answer if prompt + answer else estimate)
        self._record(ok=True, reask=reask, completion=completion, attempts=_attempts_since(retries))
        return completion

    def record_answer(self, completion: Any, *, via: str) -> None:
        """Ledger an answer that came from elsewhere (a Batch API output file)."""
        self._record(ok=True, reask=False, completion=completion, via=via)

    def _record(
        self,
        *,
        ok: bool,
        reask: bool,
        completion: Any = None,
        error: BaseException | None = None,
        via: str | None = None,
        attempts: int = 1,
    ) -> None:
        prompt, answer = _usage_of(completion)
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
            purpose="reask" if reask else "extract",
            via=via or self.via,
            error=None if error is None else f"{type(error).__name__}: {error}"[:500],
            transport_attempts=attempts,
        )
        if self.store is not None:
            cost = self.store.record_call(entry)
        else:
            cost = self.prices.cost(
                entry.backend, entry.model, prompt, answer, batch=entry.via != "realtime"
            )
        if scope is not None:
            usage = scope.usage
            usage.calls += 1
            usage.failed_calls += not ok
            usage.prompt_tokens += prompt
            usage.completion_tokens += answer
            usage.cost_usd += cost or 0.0
            usage.unpriced_calls += cost is None
        self.on_cost(cost or 0.0)


# --------------------------------------------------------------------------- the runner


def _summary_from_cache(cached: str, article: Article) -> ArticleSummary:
    """A cached answer for the same text, under this item's id and metadata."""
    summary = ArticleSummary.model_validate_json(cached)
    return summary.model_copy(update={"article": article.meta})


def _with_cost(summary: ArticleSummary, usage: Usage) -> ArticleSummary:
    """Fill provenance.usage.cost_usd from the ledger (None when some call had no price)."""
    cost = None if usage.unpriced_calls else round(usage.cost_usd, 8)
    new_usage = summary.provenance.usage.model_copy(update={"cost_usd": cost})
    provenance = summary.provenance.model_copy(update={"usage": new_usage})
    return summary.model_copy(update={"provenance": provenance})


class BatchRunner:
    """Runs items through one pipeline with a store, a limiter and a budget."""

    def __init__(
        self,
        summarizer: Any,
        *,
        store: Store | None,
        batch: str = "",
        rpm: float | None = None,
        tpm: float | None = None,
        budget: float | None = None,
        prices: PriceTable | None = None,
        wrap: Callable[[MeteredBackend], Any] | None = None,
        shared_budget: bool = False,
    ) -> None:
        from summarizer.pipeline import Pipeline

        self.summarizer = summarizer
        self.store = store
        self.batch = batch
        self.budget = budget
        self.prices = prices or (store.prices if store is not None else PriceTable.load())
        self.limiter = RateLimiter(rpm, tpm) if (rpm or tpm) else None
        self.spent = store.spent(batch=batch) if store is not None else 0.0
        self.budget_reached = False
        # Other processes spend on the same batch: re-read the ledger before deciding.
        self.shared_budget = shared_budget
        self._spent_read_at = 0.0
        self.backend = MeteredBackend(
            summarizer.backend,
            store=store,
            prices=self.prices,
            batch=batch,
            limiter=self.limiter,
            on_cost=self._add_cost,
        )
        # A pipeline of its own over the metered backend, with the caller's settings. `wrap`
        # puts another layer on top (the Batch API flow serves downloaded answers from it).
        outer = self.backend if wrap is None else wrap(self.backend)
        self.pipeline = Pipeline(outer, summarizer.config)

    def _add_cost(self, cost: float) -> None:
        self.spent += cost

    def over_budget(self) -> bool:
        if self.budget is None or self.budget_reached:
            return self.budget_reached
        now = time.monotonic()
        if self.shared_budget and self.store is not None and now - self._spent_read_at > 0.25:
            self.spent = max(self.spent, self.store.spent(batch=self.batch))
            self._spent_read_at = now
        if self.spent >= self.budget:
            self.budget_reached = True
        return self.budget_reached

    async def process(self, item: BatchItem) -> ItemResult:
        try:
            article = load_article(item)
        except InputError as error:
            return self._failed(item, error, Usage())
        key = self.summarizer.cache_key(article)
        if self.store is not None and (cached := self.store.cached(key)) is not None:
            summary = _summary_from_cache(cached, article)
            serialized = self._save(item, key, article, summary)
            return Done(item.id, item.source, summary, True, Usage(), serialized)
        if self.over_budget():
            return Skipped(item.id, item.source)
        scope = _ItemScope(item.id, article.sha256, limiter=self.limiter)
        token = _current_item.set(scope)
        try:
            summary = await self.pipeline.arun(article)
        except Exception as error:  # failure isolation: one bad item never stops the batch
            if (fatal := _configuration_error(error)) is not None:
                raise fatal from None  # it would fail every item alike: stop the batch
            return self._failed(item, error, scope.usage)
        finally:
            _current_item.reset(token)
        summary = _with_cost(summary, scope.usage)
        serialized = self._save(item, key, article, summary)
        return Done(item.id, item.source, summary, False, scope.usage, serialized)

    def _save(self, item: BatchItem, key: str, article: Article, summary: ArticleSummary) -> str:
        """Cache the answer and record the result; returns the summary's JSON."""
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

    def _failed(self, item: BatchItem, error: BaseException, usage: Usage) -> Failed:
        message = (
            str(error) if isinstance(error, SummarizerError) else f"{type(error).__name__}: {error}"
        )
        failed = Failed(item.id, item.source, message, error_kind(error), usage)
        if self.store is not None:
            self.store.save_error(
                item_id=item.id,
                source=item.source,
                kind=failed.kind,
                error=failed.error,
                batch=self.batch,
            )
        return failed


async def _run_pool(
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
    counting = counting_transport_retries()
    counting.__enter__()
    try:
        while (result := await results.get()) is not None:
            if isinstance(result, BaseException):
                raise result
            yield result
    finally:
        supervisor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await supervisor
        counting.__exit__(None, None, None)


async def summarize_many(
    items: Iterable[BatchItem | Article | str | Path | dict[str, Any]],
    *,
    concurrency: int = 8,
    store: Store | str | Path | None = None,
    summarizer: Any = None,
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
        runner = BatchRunner(summarizer, store=opened, batch=batch, rpm=rpm, tpm=tpm, budget=budget)
        coerced = (as_item(value, index) for index, value in enumerate(items))
        async for result in _run_pool(runner, coerced, concurrency):
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


@dataclass
class BatchReport:
    """What one `summarizer batch` run did."""

    total: int = 0
    already_done: int = 0
    failed_earlier: int = 0  # error lines already in the results file
    retried: int = 0  # error lines removed by --retry-failed
    done: int = 0
    failed: int = 0
    from_cache: int = 0
    skipped_budget: int = 0
    usage: Usage = field(default_factory=Usage)
    spent_on_batch: float = 0.0
    wall_seconds: float = 0.0
    budget: float | None = None
    budget_reached: bool = False
    interrupted: bool = False
    truncated_bytes: int = 0
    unreadable_lines: int = 0
    crashed_workers: int = 0
    startup_seconds: float = 0.0  # worker processes: until every one was ready
    worker_errors: list[str] = field(default_factory=list)
    failures_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def remaining(self) -> int:
        return self.total - self.already_done - self.done - self.failed

    @property
    def exit_code(self) -> int:
        if self.interrupted or (self.crashed_workers and self.remaining):
            return EXIT_INTERRUPTED
        if self.budget_reached and self.skipped_budget:
            return EXIT_BUDGET
        if self.failed or self.failed_earlier:
            return EXIT_SOME_FAILED
        return EXIT_OK

    def count(self, result: ItemResult) -> None:
        if isinstance(result, Done):
            self.tally("done", usage=result.usage, from_cache=result.from_cache)
        elif isinstance(result, Failed):
            self.tally("failed", usage=result.usage, kind=result.kind)
        else:
            self.tally("skipped")

    def tally(
        self, status: str, *, usage: Usage | None = None, from_cache: bool = False, kind: str = ""
    ) -> None:
        """Count one finished item (`done`, `failed` or `skipped`)."""
        if usage is not None:
            self.usage.add(usage)
        if status == "done":
            self.done += 1
            self.from_cache += from_cache
        elif status == "failed":
            self.failed += 1
            self.failures_by_kind[kind] = self.failures_by_kind.get(kind, 0) + 1
        else:
            self.skipped_budget += 1


ProgressHook = Callable[[BatchReport, ItemResult | None], None]


def _resume(
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


def batch_name(out: Path) -> str:
    """A batch is named by its results file: ledger, budget and jobs are kept per batch."""
    return str(out.resolve())


async def run_batch(
    items: Sequence[BatchItem],
    out: Path,
    *,
    summarizer: Any,
    store: Store,
    concurrency: int = 8,
    rpm: float | None = None,
    tpm: float | None = None,
    budget: float | None = None,
    durable: bool = True,
    on_progress: ProgressHook | None = None,
    wrap: Callable[[MeteredBackend], Any] | None = None,
    retry_failed: bool = False,
) -> BatchReport:
    """Run a planned batch into `out`, resuming where an earlier run stopped.

    `retry_failed` first removes the error lines of earlier runs, so those inputs run again.
    """
    started = time.perf_counter()
    report = BatchReport(total=len(items), budget=budget)
    batch = batch_name(out)
    with ResultsFile(out, durable=durable) as results:
        todo = _resume(results, items, report, retry_failed=retry_failed)
        runner = BatchRunner(
            summarizer, store=store, batch=batch, rpm=rpm, tpm=tpm, budget=budget, wrap=wrap
        )
        if on_progress is not None:
            on_progress(report, None)
        async for result in _run_pool(runner, todo, concurrency):
            if not isinstance(result, Skipped):
                # off the event loop: fsync must not stall the workers' HTTP calls
                await asyncio.to_thread(results.write, result.line())
            report.count(result)
            if on_progress is not None:
                on_progress(report, result)
        report.budget_reached = runner.budget_reached
        report.spent_on_batch = runner.spent
    report.wall_seconds = time.perf_counter() - started
    return report


# --------------------------------------------------------------------------- processes
#
# One event loop runs the pipeline's CPU work (instructor, pydantic, grounding) for every
# answer in turn; with many answers arriving together they queue for it. `processes > 1`
# shards the inputs over child processes, each with its own loop, store connection and
# share of the limits. Only the parent writes the results file, after the child has saved
# the answer in the store, so exactly-once holds as in one process. A child whose parent is
# gone (killed) starts no new article; what it finishes is cached for the rerun.


@dataclass(frozen=True)
class _Shard:
    index: int
    items: list[BatchItem]
    summarizer_options: dict[str, Any]
    store_path: str
    prices_path: str | None
    batch: str
    concurrency: int
    rpm: float | None
    tpm: float | None
    budget: float | None
    parent_pid: int


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
        with store, Summarizer(**shard.summarizer_options) as summarizer:
            runner = BatchRunner(
                summarizer,
                store=store,
                batch=shard.batch,
                rpm=shard.rpm,
                tpm=shard.tpm,
                budget=shard.budget,
                shared_budget=True,
            )
            messages.put(("ready", shard.index))

            def while_parent_lives() -> Iterator[BatchItem]:
                for item in shard.items:
                    if os.getppid() != shard.parent_pid:
                        return
                    yield item

            async def loop() -> None:
                async for result in _run_pool(runner, while_parent_lives(), shard.concurrency):
                    messages.put(_message(shard.index, result))

            asyncio.run(loop())
            messages.put(("done", shard.index, runner.budget_reached, runner.spent))
    except ConfigurationError as error:
        messages.put(("fatal", shard.index, str(error)))
    except BaseException as error:
        messages.put(("crash", shard.index, f"{type(error).__name__}: {error}"))


def _split(total: float | None, parts: int) -> float | None:
    return None if total is None else total / parts


def run_batch_processes(
    items: Sequence[BatchItem],
    out: Path,
    *,
    summarizer_options: dict[str, Any],
    store_path: Path,
    processes: int,
    concurrency: int = 8,
    rpm: float | None = None,
    tpm: float | None = None,
    budget: float | None = None,
    prices_path: Path | None = None,
    durable: bool = True,
    on_progress: ProgressHook | None = None,
    retry_failed: bool = False,
) -> BatchReport:
    """`run_batch` over `processes` child processes (each builds its own Summarizer from
    `summarizer_options`); limits and concurrency are split between them."""
    import multiprocessing

    started = time.perf_counter()
    report = BatchReport(total=len(items), budget=budget)
    batch = batch_name(out)
    with ResultsFile(out, durable=durable) as results:
        todo = _resume(results, items, report, retry_failed=retry_failed)
        shards = [todo[i::processes] for i in range(processes) if todo[i::processes]]
        context = multiprocessing.get_context("spawn")
        messages: Any = context.Queue()
        children = []
        for index, shard_items in enumerate(shards):
            share = max(1, concurrency // len(shards) + (index < concurrency % len(shards)))
            shard = _Shard(
                index, shard_items, summarizer_options, str(store_path),
                None if prices_path is None else str(prices_path), batch, share,
                _split(rpm, len(shards)), _split(tpm, len(shards)), budget, os.getpid(),
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


# --------------------------------------------------------------------------- display


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


# --------------------------------------------------------------------------- the command


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
            from summarizer.openai_batch import run_openai_batch

            def status(remote: Any) -> None:
                counts = remote.request_counts
                done = f" {counts.completed}/{counts.total}" if counts else ""
                display.console.print(f"summarizer: batch {remote.id}: {remote.status}{done}")

            run = run_openai_batch(
                items, out, poll_interval=poll_interval, on_status=status, **shared
            )
            return run.report, run.notes
        return asyncio.run(run_batch(items, out, **shared)), []
