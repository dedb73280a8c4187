"""The local store: one SQLite file (WAL) with the answer cache, results, errors, the call
ledger and Batch API jobs. Schema changes are named migrations (`store.migrations`); prices
are `store.prices`.

Default path `.summarizer/store.db` (`--store PATH`). Tables:

- `answers`  what the model said: request hash (base URL + the exact request body) -> the
             completion JSON, its cost and how it came (realtime / openai-batch);
- `cache`    the finished summary per article cache key (`Summarizer.cache_key`), kept for
             `store export`; a rerun re-derives summaries from `answers`, not from here;
- `results`  which item (id) got which summary, so `store export` can list them;
- `errors`   items that failed, with the reason and its kind;
- `ledger`   every model call, re-asks included: time, item, model, tokens, cost (USD from
             `data/prices.json`; 0 for local/replay; NULL when the model has no price);
- `jobs`     Batch API jobs (batch id, file ids, state) so a crashed run resumes by id.

Concurrency: one connection per thread (and so per process), WAL so readers never block the
writer, `BEGIN IMMEDIATE` short transactions and a busy timeout so concurrent writers queue
instead of failing; point reads fetch all their rows at once, so no read transaction stays
open into a write. Opening a store (the switch to WAL, migrations) is serialized across
processes by an flock on `<store>-lock` (see `_setup_lock`). `synchronous=NORMAL` is durable
against a killed process (the case the batch runner must survive); only an OS crash or power
loss can lose the last commits.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer.config import DEFAULT_STORE_PATH
from summarizer.errors import ConfigurationError, SummarizerError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
from summarizer.redaction import scrub_text
from summarizer.results import ErrorRecord
from summarizer.store.migrations import NewerStoreError, migrate
from summarizer.store.prices import PriceTable

_BUSY_TIMEOUT_S = 60.0
#: Backends whose "calls" are answers read from recordings: no model is asked.
REPLAYED_BACKENDS = frozenset({"replay"})


@contextmanager
def _setup_lock(path: Path) -> Iterator[None]:
    """Serialize opening a store across processes (an flock on `<store>-lock`).

    Switching a new file to WAL takes SQLite from a shared to an exclusive lock; two
    processes doing that at once deadlock, and SQLite answers one of them "database is
    locked" at once, without waiting for the busy timeout (it would wait forever). Worker
    processes opening a fresh store together did exactly that. Once the file is in WAL mode
    and migrated, later connections never upgrade that way, so only the setup is serialized.
    The lock is a separate file: a second descriptor on the database itself would drop
    SQLite's own POSIX locks when closed.
    """
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(path.with_name(path.name + "-lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class LedgerEntry:
    """One model call (or one Batch API answer) as the ledger records it."""

    backend: str
    model: str
    ok: bool
    prompt_tokens: int = 0
    completion_tokens: int = 0
    batch: str = ""
    item_id: str = ""
    article_sha256: str = ""
    purpose: str = "extract"  # extract | reask
    via: str = "realtime"  # realtime | openai-batch
    error: str | None = None
    transport_attempts: int = 1
    at: str = field(default_factory=utc_now)


@dataclass(frozen=True)
class ModelUsage:
    backend: str
    model: str
    calls: int
    failed: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    unpriced_calls: int


@dataclass(frozen=True)
class StoreStats:
    path: str
    cache_entries: int
    results: int
    errors: int
    calls: int
    failed_calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    unpriced_calls: int
    jobs: int
    by_model: list[ModelUsage]
    replayed: int = 0  # answers served by the replay backend (recordings, not calls)
    cached_answers: int = 0  # raw model answers in the answer cache

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["by_model"] = [m.__dict__ for m in self.by_model]
        return data


class StoreError(ConfigurationError):
    """The store file cannot be opened or used as one (one line, names the file)."""


class StoreWriteError(SummarizerError):
    """A write to the store failed at run time (the disk is full, an I/O error)."""


@dataclass(frozen=True)
class CachedAnswer:
    """A stored model answer: the completion JSON, what it cost, how it came."""

    completion: str
    cost_usd: float | None
    via: str


@dataclass(frozen=True)
class Job:
    """A Batch API job the store remembers, so a crashed run can resume by its id."""

    job_id: str
    batch: str
    provider: str
    state: str
    data: dict[str, Any]


# --------------------------------------------------------------------------- store


class Store:
    """The SQLite store. Thread-safe: each thread gets its own connection."""

    def __init__(self, path: str | Path = DEFAULT_STORE_PATH, *, prices: PriceTable | None = None):
        self.path = Path(path)
        self.prices = prices or PriceTable.load()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._open()

    def _open(self) -> None:
        """Create or open the file and bring its schema up to date; a path that cannot be a
        store (a directory, a read-only or non-SQLite file) is one `StoreError`."""
        if self.path.is_dir():
            raise StoreError(f"--store {self.path}: is a directory; name a store file")
        if self.path.exists() and not os.access(self.path, os.W_OK):
            raise StoreError(f"--store {self.path}: is read-only")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _setup_lock(self.path):
                self._migrate()
        except (sqlite3.DatabaseError, OSError) as error:
            self.close()
            reason = error.strerror if isinstance(error, OSError) else str(error)
            raise StoreError(f"--store {self.path}: cannot be used as a store ({reason})") from None

    # -- connections

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE) and short. Each
            # thread uses only its own connection; check_same_thread=False lets close() close
            # them all from whichever thread ends the store.
            conn = sqlite3.connect(
                self.path,
                timeout=_BUSY_TIMEOUT_S,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction; IMMEDIATE takes the write lock up front (no deadlock)."""
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.OperationalError as error:  # disk full, read-only, I/O error
            raise StoreWriteError(f"--store {self.path}: cannot be written ({error})") from None

    def _migrate(self) -> None:
        try:
            migrate(self._connection())
        except NewerStoreError as error:
            raise RuntimeError(f"{self.path} was {error}") from None

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- cache and results

    def cached(self, key: str) -> str | None:
        """The cached summary JSON for a cache key, or None."""
        found = (
            self._connection().execute("SELECT summary FROM cache WHERE key = ?", (key,)).fetchall()
        )
        return str(found[0][0]) if found else None

    def save_result(
        self,
        *,
        key: str,
        item_id: str,
        source: str,
        summary_json: str,
        article_sha256: str,
        backend: str,
        model: str,
        batch: str = "",
    ) -> None:
        """Cache an answer and record it as the item's result, in one transaction."""
        now = utc_now()
        with self._write() as tx:
            tx.execute(
                "INSERT INTO cache(key, article_sha256, backend, model, summary, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
                (key, article_sha256, backend, model, summary_json, now),
            )
            tx.execute(
                "INSERT INTO results(item_id, cache_key, source, batch, created_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(item_id, cache_key) DO UPDATE SET "
                "source = excluded.source, batch = excluded.batch",
                (item_id, key, source, batch, now),
            )
            tx.execute("DELETE FROM errors WHERE item_id = ? AND batch = ?", (item_id, batch))

    def save_error(self, record: ErrorRecord, *, batch: str = "") -> None:
        """Keep an item's error record (scrubbed: an error text may echo a secret)."""
        with self._write() as tx:
            tx.execute(
                "INSERT INTO errors(item_id, source, kind, error, batch, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(item_id, batch) DO UPDATE SET "
                "source = excluded.source, kind = excluded.kind, error = excluded.error, "
                "created_at = excluded.created_at",
                (record.id, record.source, record.kind, scrub_text(record.error), batch, utc_now()),
            )

    # -- the answer cache

    def answer(self, key: str) -> CachedAnswer | None:
        """The stored answer to a request (by its hash), or None."""
        found = (
            self._connection()
            .execute("SELECT completion, cost_usd, via FROM answers WHERE key = ?", (key,))
            .fetchall()
        )
        if not found:
            return None
        completion, cost, via = found[0]
        return CachedAnswer(str(completion), None if cost is None else float(cost), str(via))

    def save_answer(
        self,
        key: str,
        *,
        backend: str,
        model: str,
        completion_json: str,
        cost_usd: float | None,
        via: str = "realtime",
    ) -> None:
        """Keep what the model said to a request; the first answer to a key stays."""
        with self._write() as tx:
            tx.execute(
                "INSERT INTO answers(key, backend, model, completion, cost_usd, via, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
                (key, backend, model, completion_json, cost_usd, via, utc_now()),
            )

    def iter_results(self, *, batch: str | None = None) -> Iterator[str]:
        """Summary JSON of every stored result (optionally of one batch), oldest first."""
        sql = (
            "SELECT c.summary FROM results r JOIN cache c ON c.key = r.cache_key "
            + ("WHERE r.batch = ? " if batch is not None else "")
            + "ORDER BY r.created_at, r.item_id"
        )
        params = (batch,) if batch is not None else ()
        for (summary,) in self._connection().execute(sql, params):
            yield str(summary)

    def iter_errors(self, *, batch: str | None = None) -> Iterator[ErrorRecord]:
        sql = "SELECT item_id, source, kind, error FROM errors " + (
            "WHERE batch = ? " if batch is not None else ""
        )
        params = (batch,) if batch is not None else ()
        for item_id, source, kind, error in self._connection().execute(
            sql + "ORDER BY rowid", params
        ):
            yield ErrorRecord(str(item_id), str(source), str(error), str(kind))

    # -- ledger

    def record_call(self, entry: LedgerEntry) -> float | None:
        """Add one call to the ledger; returns its cost (None when the model has no price)."""
        cost = self.prices.cost(
            entry.backend,
            entry.model,
            entry.prompt_tokens,
            entry.completion_tokens,
            batch=entry.via != "realtime",
        )
        with self._write() as tx:
            tx.execute(
                "INSERT INTO ledger(at, batch, item_id, article_sha256, backend, model, purpose, "
                "via, ok, error, prompt_tokens, completion_tokens, transport_attempts, cost_usd) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.at,
                    entry.batch,
                    entry.item_id,
                    entry.article_sha256,
                    entry.backend,
                    entry.model,
                    entry.purpose,
                    entry.via,
                    int(entry.ok),
                    entry.error,
                    entry.prompt_tokens,
                    entry.completion_tokens,
                    entry.transport_attempts,
                    cost,
                ),
            )
        return cost

    def spent(self, *, batch: str | None = None) -> float:
        """USD spent according to the ledger (calls with an unknown price count as 0)."""
        sql = "SELECT COALESCE(SUM(cost_usd), 0) FROM ledger" + (
            " WHERE batch = ?" if batch is not None else ""
        )
        params = (batch,) if batch is not None else ()
        return float(self._connection().execute(sql, params).fetchone()[0])

    def ledger(self, *, batch: str | None = None) -> list[dict[str, Any]]:
        conn = self._connection()
        cursor = conn.execute(
            "SELECT * FROM ledger"
            + (" WHERE batch = ?" if batch is not None else "")
            + " ORDER BY seq",
            (batch,) if batch is not None else (),
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    # -- Batch API jobs

    def save_job(self, job: Job) -> None:
        now = utc_now()
        with self._write() as tx:
            tx.execute(
                "INSERT INTO jobs(job_id, batch, provider, state, data, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(job_id) DO UPDATE SET "
                "state = excluded.state, data = excluded.data, updated_at = excluded.updated_at",
                (job.job_id, job.batch, job.provider, job.state, json.dumps(job.data), now, now),
            )

    def jobs(self, *, batch: str | None = None) -> list[Job]:
        sql = "SELECT job_id, batch, provider, state, data FROM jobs" + (
            " WHERE batch = ?" if batch is not None else ""
        )
        params = (batch,) if batch is not None else ()
        return [
            Job(str(j), str(b), str(p), str(s), json.loads(d))
            for j, b, p, s, d in self._connection().execute(sql + " ORDER BY created_at", params)
        ]

    # -- stats

    def stats(self) -> StoreStats:
        """Ledger totals per model. Answers the replay backend served from recordings are
        `replayed`, not calls: no model was asked."""
        conn = self._connection()

        def count(table: str) -> int:
            return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

        by_model = [
            ModelUsage(str(b), str(m), int(n), int(f), int(p), int(c), float(u), int(x))
            for b, m, n, f, p, c, u, x in conn.execute(
                "SELECT backend, model, COUNT(*), SUM(1 - ok), SUM(prompt_tokens), "
                "SUM(completion_tokens), COALESCE(SUM(cost_usd), 0), "
                "SUM(cost_usd IS NULL) FROM ledger GROUP BY backend, model ORDER BY backend, model"
            ).fetchall()
        ]
        called = [m for m in by_model if m.backend not in REPLAYED_BACKENDS]
        return StoreStats(
            path=str(self.path),
            cache_entries=count("cache"),
            results=count("results"),
            errors=count("errors"),
            calls=sum(m.calls for m in called),
            failed_calls=sum(m.failed for m in called),
            prompt_tokens=sum(m.prompt_tokens for m in called),
            completion_tokens=sum(m.completion_tokens for m in called),
            cost_usd=sum(m.cost_usd for m in called),
            unpriced_calls=sum(m.unpriced_calls for m in called),
            jobs=count("jobs"),
            by_model=by_model,
            replayed=sum(m.calls for m in by_model if m.backend in REPLAYED_BACKENDS),
            cached_answers=count("answers"),
        )
