"""Batch runs: input planning, whole-line results files, rate limiter arithmetic, failure
isolation, cache and ledger, resume, budget; all offline, through the real pipeline with a
scripted in-process backend."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import instructor
import openai
import pytest
from helpers.benchmark_server import load_fake_openai
from openai.types.chat import ChatCompletion

from summarizer.api import Summarizer
from summarizer.backends.base import Capabilities
from summarizer.errors import ConfigurationError
from summarizer.runner.inputs import BatchItem, UsageError, expand_inputs, load_article
from summarizer.runner.limits import BatchLimits
from summarizer.runner.ratelimit import RateLimiter, TokenBucket
from summarizer.runner.report import EXIT_BUDGET, EXIT_OK, EXIT_SOME_FAILED
from summarizer.runner.results_file import ResultsFile
from summarizer.runner.runner import (
    Done,
    Failed,
    Skipped,
    run_batch,
    summarize_many,
    summarize_many_sync,
)
from summarizer.store import Price, PriceTable, Store

ROOT = Path(__file__).resolve().parents[1]


fake_openai = load_fake_openai()
PRICES = PriceTable(models={"gpt-4o-mini": Price(1000.0, 1000.0)})  # big prices: visible costs


class ScriptedBackend:
    """A backend answering like the fake server, in process; counts calls and concurrency."""

    name = "openai"
    server: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    capabilities = Capabilities()
    context_tokens = 128_000
    default_max_tokens = 4096
    mode = instructor.Mode.JSON

    def __init__(self, model: str = "gpt-4o-mini", *, fail_config: bool = False) -> None:
        self.model = model
        self.calls: list[dict[str, Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.fail_config = fail_config

    def _answer(self, kwargs: dict[str, Any]) -> ChatCompletion:
        if self.fail_config:
            raise ConfigurationError("the openai backend needs OPENAI_API_KEY")
        article = fake_openai.article_of(kwargs)
        if "FAKE-500" in article:
            request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
            raise openai.APIConnectionError(request=request)
        content = fake_openai.draft_answer(article, "event")
        return ChatCompletion.model_validate(fake_openai.completion(kwargs, content))

    def create(self, **kwargs: Any) -> ChatCompletion:
        self.calls.append(kwargs)
        return self._answer(kwargs)

    async def acreate(self, **kwargs: Any) -> ChatCompletion:
        self.calls.append(kwargs)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.001)
            return self._answer(kwargs)
        finally:
            self.in_flight -= 1

    def prepare_request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return kwargs

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1

    def session(self, name: str, metadata: dict[str, Any]) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()

    def close(self) -> None:
        pass


def article(i: int, extra: str = "") -> str:
    return f"Report {i}: officials said event number {i} happened in the north. {extra}More text."


@pytest.fixture
def backend() -> ScriptedBackend:
    return ScriptedBackend()


@pytest.fixture
def summarizer(backend: ScriptedBackend) -> Iterator[Summarizer]:
    with Summarizer(backend=backend, max_reasks=1) as configured:
        yield configured


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "store.db", prices=PRICES) as opened:
        yield opened


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def collect(**kwargs: Any) -> list[Any]:
    return [result async for result in summarize_many(**kwargs)]


def read_lines(path: Path) -> list[dict[str, Any]]:
    raw = path.read_bytes()
    assert raw == b"" or raw.endswith(b"\n"), "results file must end with a whole line"
    return [json.loads(line) for line in raw.decode().splitlines()]


def line_id(line: dict[str, Any]) -> str:
    return str(line["article"]["id"] if "provenance" in line else line["id"])


# --------------------------------------------------------------------------- inputs


def test_expand_inputs_files_folders_globs_and_missing(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text(article(1))
    (tmp_path / "a" / "sub").mkdir()
    (tmp_path / "a" / "sub" / "two.txt").write_text(article(2))
    (tmp_path / "a" / ".hidden.txt").write_text("no")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "one.txt").write_text(article(3))
    items = expand_inputs(
        [str(tmp_path / "a"), str(tmp_path / "b" / "*.txt"), str(tmp_path / "nope.txt")]
    )
    ids = [i.id for i in items]
    # ids are paths below the folder named (or the glob's fixed part); equal ones get ~2
    assert ids == ["one", "sub/two", "one~2", str(tmp_path / "nope.txt")]
    assert items[-1].problem == "does not exist"


def test_ids_stay_when_the_folder_grows(tmp_path: Path) -> None:
    """Issue 10 #7: `one` became `a/one` once `b/one.txt` existed, so a rerun wrote twice."""
    (tmp_path / "in" / "a").mkdir(parents=True)
    (tmp_path / "in" / "a" / "one.txt").write_text(article(1))
    (tmp_path / "in" / "two.txt").write_text(article(2))
    before = {i.source: i.id for i in expand_inputs([str(tmp_path / "in")])}
    (tmp_path / "in" / "b").mkdir()
    (tmp_path / "in" / "b" / "one.txt").write_text(article(3))
    after = {i.source: i.id for i in expand_inputs([str(tmp_path / "in")])}
    assert before == {k: after[k] for k in before}
    assert sorted(after.values()) == ["a/one", "b/one", "two"]


def test_expand_inputs_reads_paths_from_stdin_and_dedupes(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(article(1))
    items = expand_inputs(["-", str(path)], stdin=io.StringIO(f"{path}\n\n{path}\n"))
    assert [i.id for i in items] == ["x"]


def test_expand_inputs_excludes_the_results_file_and_the_store(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text(article(1))
    (tmp_path / "results.jsonl").write_text("")
    (tmp_path / "store.db").write_text("")
    (tmp_path / "store.db-wal").write_text("")
    items = expand_inputs(
        [str(tmp_path)], exclude=[tmp_path / "results.jsonl", tmp_path / "store.db"]
    )
    assert [i.id for i in items] == ["x"]


def test_expand_inputs_jsonl_lines_and_duplicate_ids(tmp_path: Path) -> None:
    path = tmp_path / "articles.jsonl"
    lines = [
        json.dumps({"id": "a", "text": article(1), "published": "2024-01-02"}),
        "",
        "{broken",
        json.dumps({"text": article(2)}),
        json.dumps({"id": "a", "text": article(3)}),
    ]
    path.write_text("\n".join(lines) + "\n")
    items = expand_inputs([str(path)])
    assert [i.id for i in items] == ["a", "articles:3", "articles:4", "a~2"]
    assert items[1].problem == "is not a valid JSON line"
    loaded = load_article(items[0])
    assert loaded.meta.published is not None and loaded.text == article(1)
    assert load_article(items[3]).text == article(3)


def test_expand_inputs_without_inputs_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        expand_inputs([])


# --------------------------------------------------------------------------- results file


def test_results_file_truncates_a_partial_last_line_and_reports_written_ids(
    tmp_path: Path,
) -> None:
    path = tmp_path / "out" / "results.jsonl"
    path.parent.mkdir()
    good = json.dumps({"id": "a", "source": "a", "error": "e", "kind": "input"})
    path.write_bytes(good.encode() + b"\n" + b'{"id": "b", "sour')
    with ResultsFile(path) as results:
        assert results.open() == {"a"}
        assert results.truncated_bytes == len(b'{"id": "b", "sour')
        results.write(json.dumps({"id": "c", "source": "c", "error": "e", "kind": "input"}))
    assert [line_id(x) for x in read_lines(path)] == ["a", "c"]


def test_results_file_is_locked_against_a_second_writer(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    with ResultsFile(path) as first:
        first.open()
        with pytest.raises(UsageError, match="another batch run"):
            ResultsFile(path).open()


# --------------------------------------------------------------------------- rate limiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_waits_for_refill_and_goes_into_debt_for_big_requests() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=10, capacity=20, clock=clock)
    assert bucket.wait_time(20) == 0
    bucket.take(20)
    assert bucket.wait_time(5) == pytest.approx(0.5)
    clock.now = 0.5
    assert bucket.wait_time(5) == 0
    # bigger than the bucket: wait for a full bucket, then take it into debt
    assert bucket.wait_time(100) == pytest.approx(1.5)
    clock.now = 2.0
    bucket.take(100)
    assert bucket.level == pytest.approx(-80)


def test_rate_limiter_spaces_requests_at_the_rpm() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rpm=240, clock=clock)  # 4 per second, burst of half a second
    assert limiter.wait_time(0) == 0
    limiter.take(0)
    limiter.take(0)
    assert limiter.wait_time(0) == pytest.approx(0.25)
    limiter.charge_retry()  # a transport retry is one more request
    assert limiter.wait_time(0) == pytest.approx(0.5)


def test_rate_limiter_corrects_token_estimates() -> None:
    clock = FakeClock()
    limiter = RateLimiter(tpm=6000, clock=clock)  # 100 tokens/s, bucket of 1000
    limiter.take(1000)
    assert limiter.wait_time(500) == pytest.approx(5.0)
    limiter.settle(estimated=1000, actual=400)  # 600 come back
    assert limiter.wait_time(500) == 0
    limiter.settle(estimated=0, actual=600)
    assert limiter.wait_time(500) == pytest.approx(5.0)


def test_rate_limiter_acquire_sleeps_until_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    limiter = RateLimiter(rpm=60, clock=clock)

    async def three() -> None:
        for _ in range(3):
            await limiter.acquire(0)

    run(three())
    assert slept == [pytest.approx(1.0), pytest.approx(1.0)]


# --------------------------------------------------------------------------- summarize_many


def test_summarize_many_isolates_failures(summarizer: Summarizer, store: Store) -> None:
    items = [
        {"id": "ok1", "text": article(1)},
        {"id": "empty", "text": "   "},
        {"id": "nul", "text": "abc\x00def"},
        {"id": "down", "text": article(2, "FAKE-500 ")},
        {"id": "garbage", "text": article(3, "FAKE-NOT-JSON ")},
        {"id": "ok2", "text": article(4)},
    ]
    results = run(collect(items=items, summarizer=summarizer, store=store, concurrency=3))
    by_id = {r.item_id: r for r in results}
    assert set(by_id) == {i["id"] for i in items}
    assert isinstance(by_id["ok1"], Done) and isinstance(by_id["ok2"], Done)
    assert isinstance(by_id["empty"], Failed) and by_id["empty"].kind == "input"
    assert isinstance(by_id["nul"], Failed) and by_id["nul"].kind == "input"
    assert isinstance(by_id["down"], Failed) and by_id["down"].kind == "transport"
    assert isinstance(by_id["garbage"], Failed) and by_id["garbage"].kind == "extraction"
    assert {e.id for e in store.iter_errors()} == {"empty", "nul", "down", "garbage"}


def test_binary_file_input_is_an_error_record(
    tmp_path: Path, summarizer: Summarizer, store: Store
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(article(1))
    (folder / "b.bin").write_bytes(b"\x89PNG\x00\x00\x01")
    (folder / "c.txt").write_bytes(b"\xff\xfe\xfa not utf-8")
    items = expand_inputs([str(folder)])
    results = run(collect(items=items, summarizer=summarizer, store=store))
    kinds = {r.item_id: (type(r).__name__, getattr(r, "kind", None)) for r in results}
    assert kinds == {"a": ("Done", None), "b": ("Failed", "input"), "c": ("Failed", "input")}


def test_results_carry_cost_and_the_ledger_has_every_call(
    summarizer: Summarizer, store: Store, backend: ScriptedBackend
) -> None:
    items = [{"id": f"a{i}", "text": article(i)} for i in range(3)]
    results = run(collect(items=items, summarizer=summarizer, store=store, batch="b"))
    assert all(isinstance(r, Done) and not r.from_cache for r in results)
    rows = store.ledger(batch="b")
    assert len(rows) == len(backend.calls) == 3
    assert {r["item_id"] for r in rows} == {"a0", "a1", "a2"}
    assert all(r["cost_usd"] and r["cost_usd"] > 0 for r in rows)
    done = results[0]
    assert isinstance(done, Done)
    assert done.summary.provenance.usage.cost_usd == pytest.approx(done.usage.cost_usd)


def test_reasks_are_ledgered_as_reasks(
    summarizer: Summarizer, store: Store, backend: ScriptedBackend
) -> None:
    items = [{"id": "u", "text": article(1, "FAKE-UNGROUNDED ")}]
    (result,) = run(collect(items=items, summarizer=summarizer, store=store, batch="b"))
    purposes = [r["purpose"] for r in store.ledger(batch="b")]
    assert purposes == ["extract", "reask"]  # max_reasks=1
    assert isinstance(result, Done)
    assert result.summary.events == []  # the unsupported record was dropped...
    assert result.summary.provenance.rejected  # ...and listed, never silently


def test_a_rerun_is_served_from_the_cache_with_zero_calls(
    summarizer: Summarizer, store: Store, backend: ScriptedBackend
) -> None:
    items = [{"id": f"a{i}", "text": article(i)} for i in range(4)]
    run(collect(items=items, summarizer=summarizer, store=store))
    calls = len(backend.calls)
    again = run(collect(items=items, summarizer=summarizer, store=store))
    assert len(backend.calls) == calls
    assert all(isinstance(r, Done) and r.from_cache for r in again)
    # the same text under another id is a cache hit too, under the new id
    (renamed,) = run(
        collect(items=[{"id": "z", "text": article(0)}], summarizer=summarizer, store=store)
    )
    assert isinstance(renamed, Done) and renamed.from_cache
    assert renamed.summary.article.id == "z"


def test_concurrency_is_bounded(summarizer: Summarizer, backend: ScriptedBackend) -> None:
    items = [{"id": f"a{i}", "text": article(i)} for i in range(20)]
    results = run(collect(items=items, summarizer=summarizer, store=None, concurrency=4))
    assert len(results) == 20
    assert 1 <= backend.max_in_flight <= 4


def test_a_configuration_error_stops_the_batch(store: Store) -> None:
    with Summarizer(backend=ScriptedBackend(fail_config=True)) as broken:
        items = [{"id": f"a{i}", "text": article(i)} for i in range(3)]
        with pytest.raises(ConfigurationError):
            run(collect(items=items, summarizer=broken, store=store))


def test_sync_wrapper(summarizer: Summarizer) -> None:
    items = [{"id": f"a{i}", "text": article(i)} for i in range(5)]
    results = list(summarize_many_sync(items, summarizer=summarizer, concurrency=2))
    assert sorted(r.item_id for r in results) == [f"a{i}" for i in range(5)]


# --------------------------------------------------------------------------- run_batch


def write_articles(folder: Path, count: int, *, extra: dict[int, str] | None = None) -> None:
    folder.mkdir(exist_ok=True)
    for i in range(count):
        (folder / f"art{i:03d}.txt").write_text(article(i, (extra or {}).get(i, "")))


def test_run_batch_writes_one_line_per_input_and_exit_codes(
    tmp_path: Path, summarizer: Summarizer, store: Store
) -> None:
    write_articles(tmp_path / "in", 6, extra={2: "FAKE-500 "})
    (tmp_path / "in" / "empty.txt").write_text("")
    out = tmp_path / "results.jsonl"
    items = expand_inputs([str(tmp_path / "in")])
    report = run(run_batch(items, out, summarizer=summarizer, store=store, limits=BatchLimits(3)))
    lines = read_lines(out)
    assert sorted(line_id(x) for x in lines) == sorted(i.id for i in items)
    assert report.done == 5 and report.failed == 2
    assert report.exit_code == EXIT_SOME_FAILED
    errors = [x for x in lines if "error" in x]
    assert {(e["id"], e["kind"]) for e in errors} == {("art002", "transport"), ("empty", "input")}


def test_rerunning_a_finished_batch_makes_zero_calls(
    tmp_path: Path, summarizer: Summarizer, store: Store, backend: ScriptedBackend
) -> None:
    write_articles(tmp_path / "in", 5)
    out = tmp_path / "results.jsonl"
    items = expand_inputs([str(tmp_path / "in")])
    first = run(run_batch(items, out, summarizer=summarizer, store=store))
    assert first.exit_code == EXIT_OK
    calls = len(backend.calls)
    second = run(run_batch(items, out, summarizer=summarizer, store=store))
    assert len(backend.calls) == calls
    assert second.already_done == 5 and second.done == 0
    assert len(read_lines(out)) == 5
    # a fresh results file over the same store: everything comes from the cache
    third = run(run_batch(items, tmp_path / "again.jsonl", summarizer=summarizer, store=store))
    assert len(backend.calls) == calls
    assert third.from_cache == 5


def test_resume_after_a_crash_between_store_and_results_file(
    tmp_path: Path, summarizer: Summarizer, store: Store, backend: ScriptedBackend
) -> None:
    write_articles(tmp_path / "in", 4)
    out = tmp_path / "results.jsonl"
    items = expand_inputs([str(tmp_path / "in")])
    run(run_batch(items, out, summarizer=summarizer, store=store))
    calls = len(backend.calls)
    # simulate a crash: the last answer was stored, its line only half written
    lines = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:2]) + lines[2][:40])
    report = run(run_batch(items, out, summarizer=summarizer, store=store))
    assert report.truncated_bytes == 40
    assert report.already_done == 2 and report.from_cache == 2
    assert len(backend.calls) == calls  # no paid call repeated
    assert sorted(line_id(x) for x in read_lines(out)) == sorted(i.id for i in items)


def test_budget_stops_new_calls_and_leaves_the_batch_resumable(
    tmp_path: Path, summarizer: Summarizer, store: Store, backend: ScriptedBackend
) -> None:
    write_articles(tmp_path / "in", 6)
    out = tmp_path / "results.jsonl"
    items = expand_inputs([str(tmp_path / "in")])
    budget = 10.0  # at these prices a call costs ~$2 and is estimated at ~$8 (full max_tokens)
    report = run(
        run_batch(
            items, out, summarizer=summarizer, store=store, limits=BatchLimits(1, budget=budget)
        )
    )
    assert 1 <= report.done < 6
    assert report.budget_reached and report.skipped_budget == 6 - report.done
    assert report.exit_code == EXIT_BUDGET
    assert report.spent_on_batch <= budget  # never a call past the budget
    assert len(read_lines(out)) == report.done
    again = run(
        run_batch(
            items, out, summarizer=summarizer, store=store, limits=BatchLimits(1, budget=budget)
        )
    )
    assert again.done == 0 and again.skipped_budget == 6 - report.done  # the ledger remembers
    assert store.spent(batch=str(out.resolve())) <= budget
    final = run(
        run_batch(items, out, summarizer=summarizer, store=store, limits=BatchLimits(budget=1000.0))
    )
    assert final.exit_code == EXIT_OK
    assert sorted(line_id(x) for x in read_lines(out)) == sorted(i.id for i in items)
    assert len(backend.calls) == 6


def test_budget_still_writes_answers_from_the_cache(
    tmp_path: Path, summarizer: Summarizer, store: Store, backend: ScriptedBackend
) -> None:
    write_articles(tmp_path / "in", 3)
    items = expand_inputs([str(tmp_path / "in")])
    run(run_batch(items, tmp_path / "first.jsonl", summarizer=summarizer, store=store))
    calls = len(backend.calls)
    out = tmp_path / "second.jsonl"
    report = run(
        run_batch(items, out, summarizer=summarizer, store=store, limits=BatchLimits(budget=0.0))
    )
    assert report.from_cache == 3 and report.exit_code == EXIT_OK
    assert len(backend.calls) == calls


def test_items_can_be_batch_items(summarizer: Summarizer) -> None:
    items = [BatchItem(id="x", source="mem", text=article(1))]
    (result,) = run(collect(items=items, summarizer=summarizer))
    assert isinstance(result, Done) and result.summary.article.id == "x"
    assert not isinstance(result, Skipped)


# --------------------------------------------------------------------------- kill -9


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from summarizer.cli import app; app()", *args]


def _complete_lines(path: Path) -> list[dict[str, Any]]:
    """Whole lines only (a partial last line is what a kill may leave; resume removes it)."""
    if not path.exists():
        return []
    raw = path.read_bytes()
    whole = raw[: raw.rfind(b"\n") + 1]
    return [json.loads(line) for line in whole.splitlines()]


def test_exactly_once_under_sigkill_at_random_points(tmp_path: Path) -> None:
    import os
    import random
    import signal
    import subprocess
    import time

    rng = random.Random(5)
    folder = tmp_path / "in"
    write_articles(folder, 60)
    (folder / "empty.txt").write_text("")
    out, store_path = tmp_path / "results.jsonl", tmp_path / "store.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENAI_API_KEY": "sk-test-0123456789"}
    with fake_openai.serve(latency=0.05) as fake:
        command = _cli(
            "batch", str(folder), "--out", str(out), "--store", str(store_path),
            "--base-url", fake.base_url, "--model", "gpt-4o-mini",
            "--concurrency", "4", "--no-progress",
        )  # fmt: skip
        kills = 0
        for _ in range(4):
            before = len(_complete_lines(out))
            process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
            # kill while lines are being written: after this run wrote one, at a random moment
            deadline = time.monotonic() + 60
            while process.poll() is None and time.monotonic() < deadline:
                if len(_complete_lines(out)) > before:
                    time.sleep(rng.uniform(0.0, 0.4))
                    break
                time.sleep(0.01)
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.wait(30)
            lines = _complete_lines(out)
            ids = [line_id(x) for x in lines]
            assert len(ids) == len(set(ids)), "a kill must never leave a duplicate line"
        assert kills >= 2, "the batch finished before it could be killed; make it longer"
        final = subprocess.run(command, env=env, stderr=subprocess.PIPE, text=True, timeout=120)
        assert final.returncode == EXIT_SOME_FAILED, final.stderr  # the empty input
        lines = read_lines(out)  # every line whole
        expected = sorted(i.id for i in expand_inputs([str(folder)]))
        assert sorted(line_id(x) for x in lines) == expected  # no loss, no duplicate
        # no paid call repeated for an article already done: the server never saw a request
        # for an article after the store had saved that article's answer
        saved = _saved_at(store_path)
        for when, key, _status in fake.stats.log:
            done_at = saved.get(key)
            assert done_at is None or when < done_at + 0.001, f"{key} asked again after done"
        requests = fake.stats.requests
        again = subprocess.run(command, env=env, stderr=subprocess.PIPE, text=True, timeout=120)
        assert again.returncode == EXIT_SOME_FAILED
        assert fake.stats.requests == requests, "a finished batch must make zero calls"
        assert read_lines(out) == lines


def _saved_at(store_path: Path) -> dict[str, float]:
    """Article key (as the fake server computes it) -> when its answer was saved."""
    import datetime as dt
    import sqlite3

    from summarizer.articles import read_article

    conn = sqlite3.connect(store_path)
    rows = conn.execute("SELECT r.source, MIN(r.created_at) FROM results r GROUP BY r.source")
    saved: dict[str, float] = {}
    for source, created in rows:
        key = fake_openai.article_key(read_article(source).text)
        saved[key] = dt.datetime.fromisoformat(created).timestamp()
    conn.close()
    return saved


def test_transport_retries_after_429_are_in_the_ledger(tmp_path: Path) -> None:
    items = [{"id": f"a{i}", "text": article(i)} for i in range(8)]
    with (
        fake_openai.serve(rpm=240) as fake,  # 4/s with a burst of 4, then 429 + Retry-After
        Summarizer(
            base_url=fake.base_url, api_key="sk-test-0123456789", model="gpt-4o-mini"
        ) as summarizer,
        Store(tmp_path / "store.db", prices=PRICES) as store,
    ):
        results = run(collect(items=items, summarizer=summarizer, store=store, concurrency=8))
        assert all(isinstance(r, Done) for r in results)
        rows = store.ledger()
        retries = sum(r["transport_attempts"] - 1 for r in rows)
        assert fake.stats.rate_limited >= 1
        assert retries == fake.stats.rate_limited
        assert sum(r.usage.transport_retries for r in results) == retries


def test_retry_failed_removes_error_lines_and_tries_again(
    tmp_path: Path, summarizer: Summarizer, store: Store
) -> None:
    folder = tmp_path / "in"
    write_articles(folder, 3)
    (folder / "late.txt").write_text("")
    out = tmp_path / "results.jsonl"
    items = expand_inputs([str(folder)])
    first = run(run_batch(items, out, summarizer=summarizer, store=store))
    assert first.exit_code == EXIT_SOME_FAILED
    (folder / "late.txt").write_text(article(9))  # the input was fixed
    again = run(run_batch(items, out, summarizer=summarizer, store=store))
    assert again.failed_earlier == 1 and again.exit_code == EXIT_SOME_FAILED
    fixed = run(run_batch(items, out, summarizer=summarizer, store=store, retry_failed=True))
    assert fixed.retried == 1 and fixed.done == 1 and fixed.exit_code == EXIT_OK
    lines = read_lines(out)
    assert sorted(line_id(x) for x in lines) == sorted(i.id for i in items)
    assert not any("error" in x for x in lines)


def test_article_objects_keep_their_metadata(summarizer: Summarizer) -> None:
    from summarizer.articles import article_from_text

    source = article_from_text(
        "source: Agency\n---\n" + article(1), article_id="art", published="2024-01-02"
    )
    (result,) = run(collect(items=[source], summarizer=summarizer))
    assert isinstance(result, Done)
    assert result.summary.article.source == "Agency"
    assert str(result.summary.article.published) == "2024-01-02"


def test_worker_processes_write_each_input_once(tmp_path: Path) -> None:
    from summarizer.config import Config
    from summarizer.runner.processes import run_batch_processes

    folder = tmp_path / "in"
    write_articles(folder, 12)
    (folder / "empty.txt").write_text("")
    out, store_path = tmp_path / "results.jsonl", tmp_path / "store.db"
    items = expand_inputs([str(folder)])
    with fake_openai.serve() as fake:
        options: dict[str, Any] = {
            "base_url": fake.base_url,
            "api_key": "sk-test-0123456789",
            "model": "gpt-4o-mini",
        }
        report = run_batch_processes(
            items, out, config=Config.from_kwargs(**options), store_path=store_path, processes=2
        )
        assert report.done == 12 and report.failed == 1 and report.crashed_workers == 0
        assert report.exit_code == EXIT_SOME_FAILED
        assert sorted(line_id(x) for x in read_lines(out)) == sorted(i.id for i in items)
        assert fake.stats.requests == 12
        again = run_batch_processes(
            items, out, config=Config.from_kwargs(**options), store_path=store_path, processes=2
        )
        assert again.already_done == 13 and fake.stats.requests == 12
    with Store(store_path) as store:
        assert store.stats().calls == 12


def test_the_sync_create_path_takes_the_rate_limiter_like_the_async_one() -> None:
    """Issue 11: the sync MeteredBackend.create skipped the limiter that acreate takes."""
    from summarizer.runner.metering import MeteredBackend

    limiter = RateLimiter(rpm=600, tpm=600_000, clock=lambda: 0.0)  # no refill meanwhile
    metered = MeteredBackend(
        ScriptedBackend(), store=None, prices=PRICES, batch="", limiter=limiter
    )
    assert limiter.requests is not None and limiter.tokens is not None
    requests, tokens = limiter.requests.level, limiter.tokens.level
    request: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "x"}],
    }
    completion = metered.create(**request)
    assert limiter.requests.level == requests - 1
    used = completion.usage.prompt_tokens + completion.usage.completion_tokens
    assert limiter.tokens.level == tokens - used  # the estimate, corrected by the usage


def test_worker_processes_share_the_concurrency_and_rates_but_not_the_budget() -> None:
    limits = BatchLimits(5, rpm=100, tpm=1000, budget=2.0)
    shares = [limits.share(index, 2) for index in range(2)]
    assert [s.concurrency for s in shares] == [3, 2]
    assert {(s.rpm, s.tpm, s.budget) for s in shares} == {(50, 500, 2.0)}  # one shared ledger
    assert BatchLimits(1).share(1, 2).concurrency == 1  # never a worker with nothing to do
    assert BatchLimits().share(0, 2).rpm is None  # no limit stays no limit
    with pytest.raises(ValueError, match="concurrency must be at least 1"):
        BatchLimits(0)
