"""The Batch API flow and vLLM run_batch files, against a local server implementing the
documented /v1/files and /v1/batches endpoints (benchmarks/fake_openai.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.benchmark_server import load_fake_openai

from summarizer.api import Summarizer
from summarizer.http.bodies import body_key
from summarizer.http.retry import RetryPolicy
from summarizer.remote.openai_batch import CREATING, INGESTED, SUBMITTED, run_openai_batch
from summarizer.remote.requests import VIA, chat_requests, read_answers
from summarizer.remote.vllm import build_file, ingest_file
from summarizer.runner.inputs import BatchItem, expand_inputs
from summarizer.runner.limits import BatchLimits
from summarizer.runner.report import EXIT_OK
from summarizer.store import Job, Price, PriceTable, Store

ROOT = Path(__file__).resolve().parents[1]


fake_openai = load_fake_openai()
PRICES = PriceTable(models={"gpt-4o-mini": Price(0.15, 0.60)})


def article(i: int, extra: str = "") -> str:
    return f"Report {i}: officials said event number {i} happened in the east. {extra}More."


@pytest.fixture
def fake() -> Iterator[Any]:
    with fake_openai.serve(keep_bodies=True, batch_polls=2) as server:
        yield server


@pytest.fixture
def summarizer(fake: Any) -> Iterator[Summarizer]:
    with Summarizer(
        backend="openai",
        base_url=fake.base_url,
        api_key="sk-test-0123456789",
        model="gpt-4o-mini",
        retry=RetryPolicy(max_attempts=1),
        max_reasks=1,
    ) as configured:
        yield configured


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "store.db", prices=PRICES) as opened:
        yield opened


def items_in(folder: Path, texts: list[str]) -> list[BatchItem]:
    folder.mkdir(exist_ok=True)
    for i, text in enumerate(texts):
        (folder / f"a{i}.txt").write_text(text)
    return expand_inputs([str(folder)])


def result_ids(path: Path) -> list[str]:
    ids = []
    for line in path.read_text().splitlines():
        data = json.loads(line)
        ids.append(data["article"]["id"] if "provenance" in data else data["id"])
    return sorted(ids)


def no_sleep(_: float) -> None:
    return None


def test_the_batch_body_is_exactly_the_realtime_request(fake: Any, summarizer: Summarizer) -> None:
    text = article(1)
    summarizer.summarize(text)
    (sent,) = fake.bodies
    from summarizer.api import load_source

    (built,) = chat_requests(summarizer, load_source(text))
    assert built == sent
    assert body_key(built) == body_key(sent)


def test_batch_api_flow_end_to_end(
    tmp_path: Path, fake: Any, summarizer: Summarizer, store: Store
) -> None:
    items = items_in(tmp_path / "in", [article(i) for i in range(4)])
    out = tmp_path / "results.jsonl"
    run = run_openai_batch(
        items, out, summarizer=summarizer, store=store, poll_interval=0, sleep=no_sleep
    )
    assert run.status == "completed"
    assert run.submitted == 4 and run.served == 4
    assert fake.stats.requests == 0  # no realtime call at all
    assert run.report.exit_code == EXIT_OK
    assert result_ids(out) == sorted(i.id for i in items)
    rows = store.ledger()
    assert len(rows) == 4 and {r["via"] for r in rows} == {VIA}
    realtime = PRICES.cost(
        "openai", "gpt-4o-mini", rows[0]["prompt_tokens"], rows[0]["completion_tokens"]
    )
    assert realtime is not None and rows[0]["cost_usd"] == pytest.approx(realtime / 2)
    (job,) = store.jobs()
    assert job.state == INGESTED and job.data["batch_id"] == run.batch_id
    # a rerun submits nothing and calls nothing
    again = run_openai_batch(
        items, out, summarizer=summarizer, store=store, poll_interval=0, sleep=no_sleep
    )
    assert len(fake.batches) == 1 and fake.stats.requests == 0
    assert again.report.already_done == 4


def test_failed_answers_are_reasked_and_failed_lines_retried_in_realtime(
    tmp_path: Path, fake: Any, summarizer: Summarizer, store: Store
) -> None:
    texts = [article(0), article(1, "FAKE-UNGROUNDED "), article(2, "FAKE-500 ")]
    items = items_in(tmp_path / "in", texts)
    out = tmp_path / "results.jsonl"
    run = run_openai_batch(
        items, out, summarizer=summarizer, store=store, poll_interval=0, sleep=no_sleep
    )
    assert run.failed_requests == 1  # the FAKE-500 line came back in the error file
    assert run.served == 2
    # one realtime re-ask for the ungrounded answer, one realtime call for the failed line
    assert fake.stats.requests == 2
    lines = {json.loads(x).get("id") or json.loads(x)["article"]["id"]: json.loads(x)
             for x in out.read_text().splitlines()}  # fmt: skip
    assert lines["a1"]["provenance"]["rejected"]  # dropped and listed, never silently
    assert lines["a2"]["kind"] == "transport"
    vias = sorted(r["via"] for r in store.ledger())
    assert vias == [VIA, VIA, "realtime", "realtime"]


def test_a_crashed_run_resumes_by_batch_id(
    tmp_path: Path, fake: Any, summarizer: Summarizer, store: Store
) -> None:
    items = items_in(tmp_path / "in", [article(i) for i in range(3)])
    out = tmp_path / "results.jsonl"

    def crash(_: float) -> None:
        raise KeyboardInterrupt  # killed while polling

    with pytest.raises(KeyboardInterrupt):
        run_openai_batch(
            items, out, summarizer=summarizer, store=store, poll_interval=0, sleep=crash
        )
    (job,) = store.jobs()
    assert job.state == SUBMITTED
    run = run_openai_batch(
        items, out, summarizer=summarizer, store=store, poll_interval=0, sleep=no_sleep
    )
    assert run.resumed and run.batch_id == job.data["batch_id"]
    assert len(fake.batches) == 1  # no second batch paid for
    assert result_ids(out) == sorted(i.id for i in items)


def test_a_crash_between_create_and_save_finds_the_batch_by_metadata(
    tmp_path: Path, fake: Any, summarizer: Summarizer, store: Store
) -> None:
    items = items_in(tmp_path / "in", [article(i) for i in range(2)])
    out = tmp_path / "results.jsonl"
    from summarizer.remote.openai_batch import batch_client
    from summarizer.remote.requests import write_requests
    from summarizer.runner.runner import batch_name

    requests = tmp_path / "requests.jsonl"
    write_requests(summarizer, items, requests)
    client = batch_client(summarizer)
    uploaded = client.files.create(file=requests.open("rb"), purpose="batch")
    job = Job("job-1", batch_name(out), "openai-batch", CREATING,
              {"requests": str(requests), "input_file_id": uploaded.id})  # fmt: skip
    store.save_job(job)
    client.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"summarizer_job": "job-1"},
    )  # ...and the process died before saving the batch id
    run = run_openai_batch(
        items, out, summarizer=summarizer, store=store, poll_interval=0, sleep=no_sleep
    )
    assert len(fake.batches) == 1
    assert run.served == 2 and result_ids(out) == ["a0", "a1"]


def test_budget_refuses_to_submit_an_expensive_batch(
    tmp_path: Path, fake: Any, summarizer: Summarizer, store: Store
) -> None:
    items = items_in(tmp_path / "in", [article(i) for i in range(3)])
    run = run_openai_batch(
        items,
        tmp_path / "results.jsonl",
        summarizer=summarizer,
        store=store,
        limits=BatchLimits(budget=0.0000001),
        poll_interval=0,
        sleep=no_sleep,
    )
    assert run.report.budget_reached and not fake.batches
    assert "not submitted" in run.notes[0]


def test_vllm_batchfile_build_and_ingest(
    tmp_path: Path, fake: Any, summarizer: Summarizer, store: Store
) -> None:
    texts = [article(0), article(1), "", article(3, "FAKE-500 ")]
    items = items_in(tmp_path / "in", texts)
    requests = tmp_path / "requests.jsonl"
    plan = build_file(items, requests, summarizer=summarizer)
    assert plan.request_count == 3 and len(plan.input_errors) == 1
    lines = requests.read_text().splitlines()
    assert all(json.loads(x)["url"] == "/v1/chat/completions" for x in lines)
    # what `python -m vllm.entrypoints.openai.run_batch -i requests.jsonl -o answers.jsonl` writes
    outputs, errors = fake_openai.answer_batch_lines(lines)
    answers = tmp_path / "answers.jsonl"
    answers.write_text("\n".join(outputs + errors) + "\n")
    out = tmp_path / "results.jsonl"
    report, parsed, served = ingest_file(
        items, requests, answers, out, summarizer=summarizer, store=store
    )
    assert served == 2 and len(parsed.failed) == 1
    assert fake.stats.requests == 1  # only the failed line went realtime (and failed again)
    assert report.done == 2 and report.failed == 2
    assert result_ids(out) == sorted(i.id for i in items)


def test_read_answers_sorts_out_failures_and_strangers() -> None:
    keys = {"a": "ka", "b": "kb"}
    lines = [
        json.dumps({"custom_id": "a", "response": {"status_code": 200, "body": {"x": 1}}}),
        json.dumps({"custom_id": "b", "response": None, "error": {"message": "boom"}}),
        json.dumps({"custom_id": "zzz", "response": {"status_code": 200, "body": {}}}),
    ]
    answers = read_answers(lines, keys)
    assert answers.by_key == {"ka": {"x": 1}}
    assert answers.failed == {"b": "boom"}
    assert answers.unknown_ids == ["zzz"]
