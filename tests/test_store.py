"""The SQLite store: cache, results, errors, ledger with costs, jobs, concurrent writers."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from summarizer.results import ErrorRecord
from summarizer.store import Job, LedgerEntry, Price, PriceTable, Store

ROOT = Path(__file__).resolve().parents[1]

PRICES = PriceTable(models={"gpt-4o-mini": Price(0.15, 0.60), "gpt-4o": Price(2.5, 10.0)})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "s" / "store.db", prices=PRICES) as opened:
        yield opened


# --------------------------------------------------------------------------- prices


def test_packaged_price_table_loads_and_prices_common_models() -> None:
    table = PriceTable.load()
    assert table.price("gpt-4o-mini") is not None
    assert table.batch_discount == 0.5


def test_cost_per_million_tokens() -> None:
    assert PRICES.cost("openai", "gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert PRICES.cost("openai", "gpt-4o-mini", 2000, 500) == pytest.approx(0.0006)


def test_dated_model_names_use_their_base_price_and_the_longest_base_wins() -> None:
    assert PRICES.price("gpt-4o-mini-2024-07-18") == Price(0.15, 0.60)
    assert PRICES.price("gpt-4o-2024-08-06") == Price(2.5, 10.0)


def test_local_and_replay_are_free_and_unknown_models_have_no_cost() -> None:
    assert PRICES.cost("local", "gemma-3-270m", 10_000, 10_000) == 0.0
    assert PRICES.cost("replay", "gpt-4o", 10_000, 10_000) == 0.0
    assert PRICES.cost("openai", "llama3:8b", 10_000, 10_000) is None


def test_batch_api_calls_cost_half() -> None:
    realtime = PRICES.cost("openai", "gpt-4o", 1000, 1000)
    batch = PRICES.cost("openai", "gpt-4o", 1000, 1000, batch=True)
    assert realtime is not None and batch == pytest.approx(realtime / 2)


def test_price_override_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    override = tmp_path / "prices.json"
    override.write_text('{"models": {"my-model": {"input": 1, "output": 2}}}')
    monkeypatch.setenv("SUMMARIZER_PRICES", str(override))
    assert PriceTable.load().cost("openai", "my-model", 1_000_000, 0) == 1.0


# --------------------------------------------------------------------------- storage


def test_store_is_wal_and_creates_its_directory(store: Store) -> None:
    assert store.path.exists()
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_cache_and_results(store: Store) -> None:
    assert store.cached("k1") is None
    store.save_result(
        key="k1",
        item_id="a",
        source="a.txt",
        summary_json='{"x": 1}',
        article_sha256="sha",
        backend="openai",
        model="gpt-4o-mini",
        batch="b1",
    )
    assert store.cached("k1") == '{"x": 1}'
    assert list(store.iter_results()) == ['{"x": 1}']
    assert list(store.iter_results(batch="b1")) == ['{"x": 1}']
    assert list(store.iter_results(batch="other")) == []


def test_a_result_clears_an_earlier_error_of_the_same_item(store: Store) -> None:
    store.save_error(ErrorRecord("a", "a.txt", "503", "transport"), batch="b")
    assert [e.as_dict() for e in store.iter_errors()] == [
        {"id": "a", "source": "a.txt", "error": "503", "kind": "transport"}
    ]
    store.save_result(
        key="k",
        item_id="a",
        source="a.txt",
        summary_json="{}",
        article_sha256="s",
        backend="openai",
        model="m",
        batch="b",
    )
    assert list(store.iter_errors()) == []


def test_saving_the_same_result_twice_keeps_one(store: Store) -> None:
    for _ in range(2):
        store.save_result(
            key="k",
            item_id="a",
            source="a.txt",
            summary_json="{}",
            article_sha256="s",
            backend="openai",
            model="m",
        )
    assert store.stats().results == 1
    assert store.stats().cache_entries == 1


def test_ledger_costs_and_spending_per_batch(store: Store) -> None:
    cost = store.record_call(
        LedgerEntry(
            backend="openai",
            model="gpt-4o-mini",
            ok=True,
            prompt_tokens=1_000_000,
            completion_tokens=0,
            batch="b1",
        )
    )
    assert cost == pytest.approx(0.15)
    store.record_call(LedgerEntry(backend="openai", model="unknown-model", ok=True, batch="b1"))
    store.record_call(
        LedgerEntry(
            backend="openai",
            model="gpt-4o",
            ok=True,
            prompt_tokens=1_000_000,
            batch="b2",
            via="openai-batch",
        )
    )
    store.record_call(LedgerEntry(backend="openai", model="gpt-4o", ok=False, error="timeout"))
    assert store.spent(batch="b1") == pytest.approx(0.15)
    assert store.spent(batch="b2") == pytest.approx(1.25)
    assert store.spent() == pytest.approx(1.40)
    rows = store.ledger(batch="b1")
    assert [r["cost_usd"] for r in rows] == [pytest.approx(0.15), None]
    stats = store.stats()
    assert stats.calls == 4
    assert stats.failed_calls == 1
    assert stats.unpriced_calls == 1
    assert stats.prompt_tokens == 2_000_000
    assert {(m.model, m.calls) for m in stats.by_model} == {
        ("gpt-4o", 2),
        ("gpt-4o-mini", 1),
        ("unknown-model", 1),
    }


def test_jobs_roundtrip_and_update(store: Store) -> None:
    store.save_job(Job("batch_1", "b", "openai-batch", "submitted", {"input_file_id": "f1"}))
    store.save_job(Job("batch_1", "b", "openai-batch", "completed", {"output_file_id": "f2"}))
    (job,) = store.jobs(batch="b")
    assert job.state == "completed"
    assert job.data == {"output_file_id": "f2"}
    assert store.jobs(batch="other") == []


def test_reopening_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with Store(path, prices=PRICES) as first:
        first.record_call(LedgerEntry(backend="local", model="m", ok=True))
    with Store(path, prices=PRICES) as second:
        assert second.stats().calls == 1


def test_a_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=99")
    conn.close()
    with pytest.raises(RuntimeError, match="newer"):
        Store(path, prices=PRICES)


# --------------------------------------------------------------------------- concurrency


def test_concurrent_threads_lose_no_writes(store: Store) -> None:
    def write(worker: int) -> None:
        for i in range(50):
            store.record_call(
                LedgerEntry(backend="local", model="m", ok=True, item_id=f"{worker}-{i}")
            )
            store.save_result(
                key=f"k{worker}-{i}",
                item_id=f"{worker}-{i}",
                source="s",
                summary_json="{}",
                article_sha256="s",
                backend="local",
                model="m",
            )

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = store.stats()
    assert stats.calls == 200
    assert stats.results == 200


def _write_from_process(path: str, worker: int) -> None:
    with Store(path, prices=PRICES) as own:
        for _i in range(30):
            own.record_call(LedgerEntry(backend="local", model="m", ok=True, item_id=f"{worker}"))


def test_concurrent_processes_lose_no_writes(tmp_path: Path) -> None:
    path = str(tmp_path / "store.db")
    Store(path, prices=PRICES).close()
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_write_from_process, args=(path, w)) for w in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    with Store(path, prices=PRICES) as reopened:
        assert reopened.stats().calls == 90


# --------------------------------------------------------------------------- migrations

RELEASE_1_STORE = ROOT / "fixtures" / "stores" / "release-1.db"


def test_a_store_made_by_the_first_release_opens_and_keeps_its_data(tmp_path: Path) -> None:
    """fixtures/stores/release-1.db was written by the first release's store code (schema
    with `PRAGMA user_version = 1`, no migrations table)."""
    import shutil

    from summarizer.store.migrations import MIGRATIONS

    path = tmp_path / "store.db"
    shutil.copy(RELEASE_1_STORE, path)
    with Store(path) as store:
        assert list(store.iter_results(batch="b1")) == ['{"fixture": "summary of a"}']
        assert [e.as_dict() for e in store.iter_errors()] == [
            {"id": "b", "source": "b.txt", "error": "is empty", "kind": "input"}
        ]
        assert [j.job_id for j in store.jobs(batch="b1")] == ["job1"]
        assert len(store.ledger(batch="b1")) == 2
        stats = store.stats()
        assert stats.calls == 1 and stats.replayed == 1  # a replayed answer is not a call
        store.save_answer("k", backend="openai", model="m", completion_json="{}", cost_usd=0.1)
        assert store.answer("k") is not None
    conn = sqlite3.connect(path)
    applied = [name for (name,) in conn.execute("SELECT name FROM migrations ORDER BY name")]
    assert applied == [m.name for m in MIGRATIONS]
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1  # release 1 still opens it
    conn.close()


def test_migrations_run_once_and_a_newer_store_is_refused(tmp_path: Path) -> None:
    from summarizer.store.migrations import MIGRATIONS, migrate

    path = tmp_path / "store.db"
    Store(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn) == []  # nothing left to do
    names = [m.name for m in MIGRATIONS]
    assert len(set(names)) == len(names) and names == sorted(names)
    conn.execute("INSERT INTO migrations VALUES ('9999_from_the_future', 'x')")
    conn.close()
    with pytest.raises(RuntimeError, match="newer summarizer"):
        Store(path)


def _open_together(path: str, barrier: object, errors: object) -> None:
    try:
        barrier.wait()  # type: ignore[attr-defined]
        with Store(path) as store:
            store.record_call(LedgerEntry(backend="openai", model="m", ok=True))
    except Exception as error:  # reported to the parent, which fails the test
        errors.put(f"{type(error).__name__}: {error}")  # type: ignore[attr-defined]


def test_processes_opening_a_fresh_store_at_once_never_see_it_locked(tmp_path: Path) -> None:
    """Two SQLite connections switching a new file to WAL together deadlock, and SQLite says
    "database is locked" at once (no busy wait): worker processes opening a fresh store
    failed so. With bare sqlite3 connections racing like this, 4 of 150 rounds failed; the
    store serializes its setup, so no round may."""
    context = multiprocessing.get_context("fork")
    errors = context.Queue()
    for round_ in range(20):
        path = str(tmp_path / f"store{round_}.db")
        barrier = context.Barrier(4)
        workers = [
            context.Process(target=_open_together, args=(path, barrier, errors)) for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        with Store(path) as store:
            assert store.stats().calls + errors.qsize() == 4
    assert errors.empty(), errors.get()
