"""Store schema migrations: a named, ordered list, each applied once per store file.

A store records the names it has applied in its `migrations` table. Opening a store applies
the missing ones in order, in one write transaction (a second process opening the same file
waits for it, then finds nothing to do). A store that lists a name this version does not know
was written by a newer summarizer and is refused, not guessed at.

The first release kept no list: it set `PRAGMA user_version = 1` after creating its tables.
Such a store is adopted as having applied `0001_initial`. `user_version` stays 1, so that
release can still open stores this version wrote (the tables it knows are unchanged).
Add a migration by appending to `MIGRATIONS`; never edit or reorder a released one.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

__all__ = ["MIGRATIONS", "Migration", "NewerStoreError", "migrate", "pending"]

_FIRST_RELEASE_USER_VERSION = 1


@dataclass(frozen=True)
class Migration:
    """One step of the schema: a name that never changes and the statements it runs."""

    name: str
    statements: tuple[str, ...]


class NewerStoreError(RuntimeError):
    """The store was written by a newer summarizer (it lists migrations we do not know)."""


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "0001_initial",
        (
            """
        CREATE TABLE IF NOT EXISTS cache (
            key            TEXT PRIMARY KEY,
            article_sha256 TEXT NOT NULL,
            backend        TEXT NOT NULL,
            model          TEXT NOT NULL,
            summary        TEXT NOT NULL,
            created_at     TEXT NOT NULL
        )
        """,
            """
        CREATE TABLE IF NOT EXISTS results (
            item_id    TEXT NOT NULL,
            cache_key  TEXT NOT NULL REFERENCES cache(key),
            source     TEXT NOT NULL,
            batch      TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            PRIMARY KEY (item_id, cache_key)
        )
        """,
            """
        CREATE TABLE IF NOT EXISTS errors (
            item_id    TEXT NOT NULL,
            source     TEXT NOT NULL,
            kind       TEXT NOT NULL,
            error      TEXT NOT NULL,
            batch      TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            PRIMARY KEY (item_id, batch)
        )
        """,
            """
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
        )
        """,
            """
        CREATE INDEX IF NOT EXISTS ledger_batch ON ledger(batch)
        """,
            """
        CREATE TABLE IF NOT EXISTS jobs (
            job_id     TEXT PRIMARY KEY,
            batch      TEXT NOT NULL,
            provider   TEXT NOT NULL,
            state      TEXT NOT NULL,
            data       TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
            """
        CREATE INDEX IF NOT EXISTS jobs_batch ON jobs(batch)
        """,
        ),
    ),
    Migration(
        # What the model said, by request hash: grounding and normalization re-run on a hit,
        # so a fix to them reaches cached articles with no model call.
        "0002_answers",
        (
            """
            CREATE TABLE IF NOT EXISTS answers (
                key        TEXT PRIMARY KEY,
                backend    TEXT NOT NULL,
                model      TEXT NOT NULL,
                completion TEXT NOT NULL,
                cost_usd   REAL,
                via        TEXT NOT NULL DEFAULT 'realtime',
                created_at TEXT NOT NULL
            )
            """,
        ),
    ),
)

_LIST_TABLE = (
    "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
)


def _applied(conn: sqlite3.Connection) -> set[str] | None:
    """Names applied so far; None when the store has no migrations table yet."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'"
    ).fetchone()
    if found is None:
        return None
    return {str(name) for (name,) in conn.execute("SELECT name FROM migrations").fetchall()}


def pending(conn: sqlite3.Connection) -> list[Migration]:
    """The migrations this store still needs (read only; raises for a newer store)."""
    applied = _applied(conn) or set()
    unknown = applied - {m.name for m in MIGRATIONS}
    if unknown:
        raise NewerStoreError(
            f"written by a newer summarizer (unknown migrations: {', '.join(sorted(unknown))})"
        )
    return [m for m in MIGRATIONS if m.name not in applied]


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply the pending migrations in one IMMEDIATE transaction; returns their names.

    `conn` must be in autocommit mode (isolation_level=None): the transaction is explicit.
    """
    if _applied(conn) is not None and not pending(conn):
        return []  # the common case: no write lock taken at all
    conn.execute("BEGIN IMMEDIATE")
    try:
        adopted = _applied(conn) is None and _is_first_release(conn)
        conn.execute(_LIST_TABLE)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        if adopted:
            conn.execute("INSERT INTO migrations VALUES (?, ?)", (MIGRATIONS[0].name, now))
        done = []
        for migration in pending(conn):
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute("INSERT INTO migrations VALUES (?, ?)", (migration.name, now))
            done.append(migration.name)
        conn.execute(f"PRAGMA user_version = {_FIRST_RELEASE_USER_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return done


def _is_first_release(conn: sqlite3.Connection) -> bool:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > _FIRST_RELEASE_USER_VERSION:
        raise NewerStoreError(f"written by a newer summarizer (store version {version})")
    return version == _FIRST_RELEASE_USER_VERSION
