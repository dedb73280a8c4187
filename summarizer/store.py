"""The local store: one SQLite file (WAL) with the answer cache, results, errors, the call
ledger and Batch API jobs; plus the per-model price table that gives each call its cost.

Default path `.summarizer/store.db` (`--store PATH`). Tables:

- `cache`    answer cache: cache key (article sha256 + prompt sha256 + schema version +
             backend + model + parameters, computed by `Summarizer.cache_key`) -> summary JSON;
- `results`  which item (id) got which cached answer, so `store export` can list them;
- `errors`   items that failed, with the reason and its kind;
- `ledger`   every model call, re-asks included: time, item, model, tokens, cost (USD from
             `data/prices.json`; 0 for local/replay; NULL when the model has no price);
- `jobs`     Batch API jobs (batch id, file ids, state) so a crashed run resumes by id.

Concurrency: one connection per thread (and so per process), WAL so readers never block the
writer, `BEGIN IMMEDIATE` short transactions and a busy timeout so concurrent writers queue
instead of failing. `synchronous=NORMAL` is durable against a killed process (the case the
batch runner must survive); only an OS crash or power loss can lose the last commits.
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
from importlib import resources
from pathlib import Path
from typing import Any

DEFAULT_STORE_PATH = Path(".summarizer") / "store.db"
PRICES_ENV = "SUMMARIZER_PRICES"
_STORE_VERSION = 1
_BUSY_TIMEOUT_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cache (
    key            TEXT PRIMARY KEY,
    article_sha256 TEXT NOT NULL,
    backend        TEXT NOT NULL,
    model          TEXT NOT NULL,
    summary        TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    item_id    TEXT NOT NULL,
    cache_key  TEXT NOT NULL REFERENCES cache(key),
    source     TEXT NOT NULL,
    batch      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (item_id, cache_key)
);
CREATE TABLE IF NOT EXISTS errors (
    item_id    TEXT NOT NULL,
    source     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    error      TEXT NOT NULL,
    batch      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (item_id, batch)
);
CREATE TABLE IF NOT EXISTS ledger (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    at                 TEXT NOT NULL,
    batch              TEXT NOT NULL DEFAULT '',
    item_id            TEXT NOT NULL DEFAULT '',
    article_sha256     TEXT NOT NULL DEFAULT '',
    backend            TEXT NOT NULL,
    model              TEXT NOT NULL,
    purpose            TEXT NOT NULL DEFAULT 'extract',
    via                TEXT NOT NULL DEFAULT 'realtime',
    ok                 INTEGER NOT NULL,
    error              TEXT,
    prompt_tokens      INTEGER NOT NULL DEFAULT 0,
    completion_tokens  INTEGER NOT NULL DEFAULT 0,
    transport_attempts INTEGER NOT NULL DEFAULT 1,
    cost_usd           REAL
);
CREATE INDEX IF NOT EXISTS ledger_batch ON ledger(batch);
CREATE TABLE IF NOT EXISTS jobs (
    job_id     TEXT PRIMARY KEY,
    batch      TEXT NOT NULL,
    provider   TEXT NOT NULL,
    state      TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_batch ON jobs(batch);
"""


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


# --------------------------------------------------------------------------- prices


@dataclass(frozen=True)
class Price:
    """USD per 1M input (prompt) and output (completion) tokens."""

    input: float
    output: float


@dataclass(frozen=True)
class PriceTable:
    """Per-model prices; `cost` is 0 for free backends and None for unknown models."""

    models: dict[str, Price]
    batch_discount: float = 0.5
    free_backends: frozenset[str] = frozenset({"local", "replay"})
    unit_tokens: int = 1_000_000

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PriceTable:
        models = {
            name: Price(float(p["input"]), float(p["output"]))
            for name, p in data.get("models", {}).items()
        }
        return cls(
            models=models,
            batch_discount=float(data.get("batch_discount", 0.5)),
            free_backends=frozenset(data.get("free_backends", ("local", "replay"))),
            unit_tokens=int(data.get("unit_tokens", 1_000_000)),
        )

    @classmethod
    def load(cls, path: str | Path | None = None) -> PriceTable:
        """The packaged table, or `path` / $SUMMARIZER_PRICES when given."""
        override = path or os.environ.get(PRICES_ENV)
        if override:
            text = Path(override).read_text(encoding="utf-8")
        else:
            text = resources.files("summarizer").joinpath("data/prices.json").read_text("utf-8")
        return cls.from_json(json.loads(text))

    def price(self, model: str) -> Price | None:
        """Exact name, else the longest listed base of a dated/suffixed name."""
        if model in self.models:
            return self.models[model]
        bases = [name for name in self.models if model.startswith(name + "-")]
        return self.models[max(bases, key=len)] if bases else None

    def cost(
        self,
        backend: str,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        *,
        batch: bool = False,
    ) -> float | None:
        if backend in self.free_backends:
            return 0.0
        price = self.price(model)
        if price is None:
            return None
        usd = (prompt_tokens * price.input + completion_tokens * price.output) / self.unit_tokens
        return usd * self.batch_discount if batch else usd


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

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["by_model"] = [m.__dict__ for m in self.by_model]
        return data


@dataclass(frozen=True)
class StoredError:
    item_id: str
    source: str
    kind: str
    error: str

    def as_record(self) -> dict[str, str]:
        """The results-file error record."""
        return {"id": self.item_id, "source": self.source, "error": self.error, "kind": self.kind}


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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._migrate()

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
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _migrate(self) -> None:
        conn = self._connection()
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > _STORE_VERSION:
            raise RuntimeError(
                f"{self.path} was written by a newer summarizer (store version {version})"
            )
        if version < _STORE_VERSION:
            with self._write() as tx:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        tx.execute(statement)
                tx.execute(f"PRAGMA user_version={_STORE_VERSION}")

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
        row = self._connection().execute("SELECT summary FROM cache WHERE key = ?", (key,))
        found = row.fetchone()
        return None if found is None else str(found[0])

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

    def save_error(
        self, *, item_id: str, source: str, kind: str, error: str, batch: str = ""
    ) -> None:
        with self._write() as tx:
            tx.execute(
                "INSERT INTO errors(item_id, source, kind, error, batch, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(item_id, batch) DO UPDATE SET "
                "source = excluded.source, kind = excluded.kind, error = excluded.error, "
                "created_at = excluded.created_at",
                (item_id, source, kind, error, batch, utc_now()),
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

    def iter_errors(self, *, batch: str | None = None) -> Iterator[StoredError]:
        sql = "SELECT item_id, source, kind, error FROM errors " + (
            "WHERE batch = ? " if batch is not None else ""
        )
        params = (batch,) if batch is not None else ()
        for item_id, source, kind, error in self._connection().execute(
            sql + "ORDER BY rowid", params
        ):
            yield StoredError(str(item_id), str(source), str(kind), str(error))

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
        conn = self._connection()

        def count(table: str) -> int:
            return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

        by_model = [
            ModelUsage(str(b), str(m), int(n), int(f), int(p), int(c), float(u), int(x))
            for b, m, n, f, p, c, u, x in conn.execute(
                "SELECT backend, model, COUNT(*), SUM(1 - ok), SUM(prompt_tokens), "
                "SUM(completion_tokens), COALESCE(SUM(cost_usd), 0), "
                "SUM(cost_usd IS NULL) FROM ledger GROUP BY backend, model ORDER BY backend, model"
            )
        ]
        return StoreStats(
            path=str(self.path),
            cache_entries=count("cache"),
            results=count("results"),
            errors=count("errors"),
            calls=sum(m.calls for m in by_model),
            failed_calls=sum(m.failed for m in by_model),
            prompt_tokens=sum(m.prompt_tokens for m in by_model),
            completion_tokens=sum(m.completion_tokens for m in by_model),
            cost_usd=sum(m.cost_usd for m in by_model),
            unpriced_calls=sum(m.unpriced_calls for m in by_model),
            jobs=count("jobs"),
            by_model=by_model,
        )


def stats_table(stats: StoreStats) -> Any:
    """`summarizer store stats` as a rich table."""
    from rich.table import Table

    table = Table(title=f"store {stats.path}", show_header=True)
    for name in ("backend", "model", "calls", "failed", "tokens in", "tokens out", "cost"):
        table.add_column(name, justify="left" if name in ("backend", "model") else "right")
    for m in stats.by_model:
        cost = f"${m.cost_usd:.4f}" + (
            f" (+{m.unpriced_calls} unpriced)" if m.unpriced_calls else ""
        )
        table.add_row(
            m.backend,
            m.model,
            str(m.calls),
            str(m.failed),
            f"{m.prompt_tokens:,}",
            f"{m.completion_tokens:,}",
            cost,
        )
    table.caption = (
        f"{stats.results} results, {stats.errors} errors, {stats.cache_entries} cached answers, "
        f"{stats.jobs} batch jobs; total ${stats.cost_usd:.4f}"
    )
    return table
