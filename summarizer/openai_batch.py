"""Beyond one machine: the OpenAI Batch API flow and vLLM `run_batch` files.

`summarizer batch --via openai-batch` and `summarizer batchfile build|ingest` use one JSONL
request format, the Batch API's: one line per request,
`{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {...}}`, where the
body is exactly the chat request the realtime pipeline sends for that article: captured from
the pipeline through instructor and the backend, then serialized by the official SDK into a
recording transport, never rebuilt by hand. vLLM's
`python -m vllm.entrypoints.openai.run_batch -i requests.jsonl -o answers.jsonl` reads the
same lines and writes the same output format.

Ingest: every downloaded answer goes through the same validation as a realtime answer. The
pipeline runs over a backend that serves the downloaded answer for a request whose body
matches one in the batch (keyed by the canonical body), and passes everything else through
to the realtime backend: re-asks after a validation failure, and requests whose batch line
failed or is missing. Batch answers are ledgered at the Batch API price (`via =
openai-batch`), realtime calls at the normal price.

Crash safety: the store keeps each job (local key, input file id, batch id, state) per
results file; a rerun of the same command finds the unfinished job and resumes polling by
its batch id instead of paying for a second batch. The batch is created with metadata naming
the local job, so a crash between "create" and "save the id" is recovered by listing
batches. This flow has been tested against a local server implementing the documented
`/v1/files` and `/v1/batches` endpoints, not against the live OpenAI service.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import instructor
import openai
from instructor.core.exceptions import InstructorRetryException
from openai.types.chat import ChatCompletion

from summarizer.articles import Article
from summarizer.batch import (
    BatchItem,
    BatchReport,
    MeteredBackend,
    ProgressHook,
    ResultsFile,
    UsageError,
    batch_name,
    load_article,
    run_batch,
)
from summarizer.drafts import Draft
from summarizer.errors import ConfigurationError, InputError
from summarizer.store import Job, PriceTable, Store

VIA = "openai-batch"
ENDPOINT = "/v1/chat/completions"
PROVIDER = "openai-batch"
MAX_BATCH_REQUESTS = 50_000
MAX_BATCH_BYTES = 200 * 2**20
_FINAL_STATES = frozenset({"completed", "failed", "expired", "cancelled"})

# Job states kept in the store.
CREATING, SUBMITTED, DOWNLOADED, INGESTED, FAILED = (
    "creating",
    "submitted",
    "downloaded",
    "ingested",
    "failed",
)


# --------------------------------------------------------------------------- request bodies


class _Captured(Exception):
    def __init__(self, kwargs: dict[str, Any]) -> None:
        super().__init__("captured")
        self.kwargs = kwargs


def _captured_in(error: BaseException | None) -> _Captured | None:
    while error is not None:
        if isinstance(error, _Captured):
            return error
        error = error.__cause__ or error.__context__
    return None


def chat_body(backend: Any, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body the backend's SDK call would send for these create() kwargs.

    The backend's own request preparation runs first (its `response_format` form, seed,
    `extra_body` options); then the official SDK serializes the request exactly as it
    would for the wire (merging `extra_body`, dropping unset values), into a transport that
    records the body instead of sending it.
    """
    return _serialized(backend.prepare_request(copy.deepcopy(dict(kwargs))))


_capture = threading.local()


def _record_body(request: httpx.Request) -> httpx.Response:
    _capture.body = json.loads(request.content)
    return httpx.Response(418, json={"error": {"message": "captured, not sent"}})


@functools.cache
def _capturing_client() -> openai.OpenAI:
    return openai.OpenAI(
        base_url="http://capture.invalid/v1",
        api_key="capture",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(_record_body)),
    )


def _serialized(kwargs: dict[str, Any]) -> dict[str, Any]:
    _capture.body = None
    with contextlib.suppress(openai.APIStatusError):  # the recorder always answers 418
        _capturing_client().chat.completions.create(**kwargs)
    body = _capture.body
    if not isinstance(body, dict):
        raise RuntimeError("the SDK sent no JSON body")
    return body


def body_key(body: Mapping[str, Any]) -> str:
    """Requests are matched to answers by their canonical JSON body."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def chat_requests(summarizer: Any, article: Article) -> list[dict[str, Any]]:
    """The chat request bodies the pipeline would send first for `article` (one per part).

    Each part's request is captured by running instructor's request preparation over a
    `create` that records its arguments instead of calling a model.
    """
    pipeline = summarizer.pipeline
    backend = summarizer.backend
    if pipeline.strategy.name != "single":  # one request per chunk is the single strategy
        raise ConfigurationError("batch request files need the single strategy (--strategy single)")
    chunks = pipeline.chunks(article)
    bodies: list[dict[str, Any]] = []

    def capture(**kwargs: Any) -> Any:
        raise _Captured(kwargs)

    create = instructor.patch(create=capture, mode=backend.mode)
    for chunk in chunks:
        request = pipeline.strategy.request(article, chunk)
        try:
            with _quiet_instructor():  # the capture is not a failure worth logging
                create(response_model=Draft, max_retries=0, **request)
        except (InstructorRetryException, _Captured) as error:
            captured = _captured_in(error)
            if captured is None:
                raise
            bodies.append(chat_body(backend, captured.kwargs))
            continue
        raise RuntimeError("instructor called no model while preparing a request")
    return bodies


@contextlib.contextmanager
def _quiet_instructor() -> Iterator[None]:
    logger = logging.getLogger("instructor")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def request_line(custom_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    return {"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": dict(body)}


def custom_id(item_id: str, part: int, parts: int) -> str:
    return item_id if parts == 1 else f"{item_id}#part{part}of{parts}"


@dataclass
class BatchPlan:
    """What a request file holds, and which inputs need no request at all."""

    request_count: int = 0
    prompt_tokens: int = 0  # estimated from the request texts
    bytes: int = 0
    input_errors: list[tuple[BatchItem, InputError]] = field(default_factory=list)
    cached: list[BatchItem] = field(default_factory=list)


def write_requests(
    summarizer: Any, items: Iterable[BatchItem], path: Path, *, store: Store | None = None
) -> BatchPlan:
    """Stream the request lines of the items that need a model call into `path`.

    Unreadable inputs and articles already answered in the store get no line; they are
    settled at ingest (error line / cached answer). Bodies are written as they are built,
    so a large corpus never sits in memory.
    """
    plan = BatchPlan()
    count_tokens = summarizer.backend.count_tokens
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for item in items:
            try:
                article = load_article(item)
            except InputError as error:
                plan.input_errors.append((item, error))
                continue
            if store is not None and store.cached(summarizer.cache_key(article)) is not None:
                plan.cached.append(item)
                continue
            bodies = chat_requests(summarizer, article)
            for number, body in enumerate(bodies, start=1):
                line = request_line(custom_id(item.id, number, len(bodies)), body)
                text = json.dumps(line, ensure_ascii=False) + "\n"
                out.write(text)
                plan.request_count += 1
                plan.bytes += len(text.encode("utf-8"))
                plan.prompt_tokens += count_tokens(
                    "".join(str(m.get("content") or "") for m in body.get("messages", []))
                )
    return plan


def estimate_cost(
    plan: BatchPlan,
    *,
    backend_name: str,
    model: str,
    prices: PriceTable,
    completion_tokens: int = 1000,
) -> float | None:
    """Batch price of a request file: prompt tokens estimated, answers assumed ~1000 tokens."""
    return prices.cost(
        backend_name,
        model,
        plan.prompt_tokens,
        completion_tokens * plan.request_count,
        batch=True,
    )


def check_batch_limits(plan: BatchPlan) -> str | None:
    """The Batch API takes at most 50,000 requests and 200 MB per input file."""
    if plan.request_count > MAX_BATCH_REQUESTS or plan.bytes > MAX_BATCH_BYTES:
        return (
            f"{plan.request_count} requests ({plan.bytes / 2**20:.0f} MB) exceed one Batch API "
            f"batch ({MAX_BATCH_REQUESTS:,} requests, {MAX_BATCH_BYTES // 2**20} MB); split "
            "the inputs over several results files"
        )
    return None


# --------------------------------------------------------------------------- answers


@dataclass
class Answers:
    """Downloaded answers keyed by request body, plus what could not be used."""

    by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # custom_id -> reason
    unknown_ids: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.by_key)


def read_requests(lines: Iterable[str]) -> dict[str, str]:
    """custom_id -> body key, from a request JSONL."""
    keys: dict[str, str] = {}
    for line in lines:
        if line.strip():
            request = json.loads(line)
            keys[str(request["custom_id"])] = body_key(request["body"])
    return keys


def read_answers(lines: Iterable[str], keys: Mapping[str, str]) -> Answers:
    """Parse Batch API / vLLM output lines: `{"custom_id", "response": {"status_code",
    "body"}, "error"}`; successful answers are keyed by their request's body key."""
    answers = Answers()
    for line in lines:
        if not line.strip():
            continue
        row = json.loads(line)
        cid = str(row.get("custom_id"))
        response = row.get("response") or {}
        error = row.get("error")
        if cid not in keys:
            answers.unknown_ids.append(cid)
        elif error or response.get("status_code") != 200 or not response.get("body"):
            reason = (error or {}).get("message") if isinstance(error, dict) else error
            answers.failed[cid] = str(reason or f"status {response.get('status_code')}")
        else:
            answers.by_key[keys[cid]] = response["body"]
    return answers


class PrefetchedBackend:
    """Serves downloaded answers to the requests they answer; everything else goes realtime.

    A re-ask carries the failed answer and the validation errors, so its body differs from
    every batch request and it goes to the realtime backend, like any request whose batch
    line failed.
    """

    def __init__(self, metered: MeteredBackend, answers: Answers) -> None:
        self.metered = metered
        self.answers = answers
        self.served = 0
        self.name = metered.name
        self.model = metered.model
        self.mode = metered.mode
        self.context_tokens = metered.context_tokens
        self.default_max_tokens = metered.default_max_tokens
        self.server = metered.server

    def __getattr__(self, name: str) -> Any:
        return getattr(self.metered, name)

    def session(self, name: str, metadata: dict[str, Any]) -> Any:
        return self.metered.session(name, metadata)

    def _take(self, kwargs: Mapping[str, Any]) -> ChatCompletion | None:
        body = self.answers.by_key.pop(body_key(chat_body(self.metered.inner, kwargs)), None)
        if body is None:
            return None
        completion = ChatCompletion.model_validate(body)
        self.metered.record_answer(completion, via=VIA)
        self.served += 1
        return completion

    def create(self, **kwargs: Any) -> Any:
        return self._take(kwargs) or self.metered.create(**kwargs)

    async def acreate(self, **kwargs: Any) -> Any:
        answer = self._take(kwargs)
        if answer is not None:
            return answer
        return await self.metered.acreate(**kwargs)

    def count_tokens(self, text: str) -> int:
        return self.metered.count_tokens(text)

    def close(self) -> None:
        self.metered.close()


async def ingest(
    items: Sequence[BatchItem],
    out: Path,
    answers: Answers,
    *,
    summarizer: Any,
    store: Store,
    concurrency: int = 8,
    rpm: float | None = None,
    tpm: float | None = None,
    budget: float | None = None,
    on_progress: ProgressHook | None = None,
) -> tuple[BatchReport, int]:
    """Validate downloaded answers into the results file (exactly once, resumable).

    Returns the report and how many batch answers were used.
    """
    served: list[PrefetchedBackend] = []

    def wrap(metered: MeteredBackend) -> PrefetchedBackend:
        backend = PrefetchedBackend(metered, answers)
        served.append(backend)
        return backend

    report = await run_batch(
        items,
        out,
        summarizer=summarizer,
        store=store,
        concurrency=concurrency,
        rpm=rpm,
        tpm=tpm,
        budget=budget,
        on_progress=on_progress,
        wrap=wrap,
    )
    return report, sum(b.served for b in served)


# --------------------------------------------------------------------------- the Batch API


def batch_client(summarizer: Any, *, api_key: str | None = None) -> openai.OpenAI:
    """An SDK client for the files and batches endpoints of the summarizer's server."""
    from summarizer.transport import build_http_client

    backend = summarizer.backend
    base_url = getattr(backend, "base_url", None)
    if backend.name != "openai" or base_url is None:
        raise ConfigurationError(
            f"--via openai-batch needs the openai backend (an API key or --base-url), "
            f"not {backend.name!r}"
        )
    key = api_key or getattr(getattr(backend, "_client", None), "api_key", None) or "not-needed"
    return openai.OpenAI(
        base_url=base_url, api_key=key, max_retries=0, http_client=build_http_client()
    )


@dataclass
class BatchApiRun:
    """How one `--via openai-batch` run went, for the CLI to print."""

    report: BatchReport
    job_id: str = ""
    batch_id: str = ""
    status: str = ""
    submitted: int = 0
    served: int = 0
    failed_requests: int = 0
    resumed: bool = False
    notes: list[str] = field(default_factory=list)


def _open_job(store: Store, batch: str) -> Job | None:
    """The unfinished job of this batch (results file), if a run left one."""
    for job in reversed(store.jobs(batch=batch)):
        if job.provider == PROVIDER and job.state not in (INGESTED, FAILED):
            return job
    return None


def _find_created(client: openai.OpenAI, job_id: str) -> str | None:
    """After a crash between create and save: the batch created for this job, if any."""
    for remote in client.batches.list(limit=100):
        if (remote.metadata or {}).get("summarizer_job") == job_id:
            return remote.id
    return None


def submit(
    client: openai.OpenAI,
    store: Store,
    batch: str,
    requests_path: Path,
    *,
    request_count: int,
) -> Job:
    """Upload the request file and create the batch; the store records every step."""
    job = Job(uuid.uuid4().hex, batch, PROVIDER, CREATING, {"requests": str(requests_path)})
    with requests_path.open("rb") as handle:
        uploaded = client.files.create(file=handle, purpose="batch")
    job.data.update(input_file_id=uploaded.id, request_count=request_count)
    store.save_job(job)
    return _create(client, store, job)


def _create(client: openai.OpenAI, store: Store, job: Job) -> Job:
    remote = client.batches.create(
        input_file_id=job.data["input_file_id"],
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"summarizer_job": job.job_id},
    )
    job.data["batch_id"] = remote.id
    job = Job(job.job_id, job.batch, job.provider, SUBMITTED, job.data)
    store.save_job(job)
    return job


def resume(client: openai.OpenAI, store: Store, job: Job) -> Job:
    """Bring a job left by a crashed run back to SUBMITTED (or further)."""
    if job.state == CREATING and "batch_id" not in job.data:
        found = _find_created(client, job.job_id)
        if found is None:
            return _create(client, store, job)
        job.data["batch_id"] = found
        job = Job(job.job_id, job.batch, job.provider, SUBMITTED, job.data)
        store.save_job(job)
    return job


def poll(
    client: openai.OpenAI,
    store: Store,
    job: Job,
    *,
    interval: float,
    on_status: Callable[[Any], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Poll the batch until it ends; returns the final batch object."""
    while True:
        remote = client.batches.retrieve(job.data["batch_id"])
        if on_status is not None:
            on_status(remote)
        if remote.status in _FINAL_STATES:
            job.data.update(
                status=remote.status,
                output_file_id=remote.output_file_id,
                error_file_id=remote.error_file_id,
            )
            store.save_job(Job(job.job_id, job.batch, job.provider, job.state, job.data))
            return remote
        sleep(interval)


def download(client: openai.OpenAI, file_id: str | None) -> list[str]:
    if not file_id:
        return []
    return client.files.content(file_id).text.splitlines()


def run_openai_batch(
    items: Sequence[BatchItem],
    out: Path,
    *,
    summarizer: Any,
    store: Store,
    concurrency: int = 8,
    rpm: float | None = None,
    tpm: float | None = None,
    budget: float | None = None,
    poll_interval: float = 30.0,
    client: openai.OpenAI | None = None,
    on_status: Callable[[Any], None] | None = None,
    on_progress: ProgressHook | None = None,
    sleep: Callable[[float], None] = time.sleep,
    retry_failed: bool = False,
) -> BatchApiRun:
    """`summarizer batch --via openai-batch`: plan, upload, submit, poll, download, ingest.

    Resumable at every step; a rerun of the same command continues the unfinished job.
    """
    batch = batch_name(out)
    client = client or batch_client(summarizer)
    if retry_failed:
        with ResultsFile(out) as results:
            results.open(retry_failed=True)  # drops earlier error lines, so they are planned
    job = _open_job(store, batch)
    resumed = job is not None
    notes: list[str] = []
    if job is None:
        with ResultsFile(out) as results:
            written = results.open()
        todo = [item for item in items if item.id not in written]
        requests_path = out.with_name(out.name + f".batch-{uuid.uuid4().hex[:8]}.jsonl")
        plan = write_requests(summarizer, todo, requests_path, store=store)
        if plan.request_count == 0:
            requests_path.unlink()
            report = asyncio.run(
                run_batch(items, out, summarizer=summarizer, store=store, on_progress=on_progress)
            )
            return BatchApiRun(report=report, notes=["nothing to submit"])
        too_big = check_batch_limits(plan)
        if too_big is not None:
            requests_path.unlink()
            raise UsageError(too_big)
        refusal = _over_budget(plan, summarizer, store, batch, budget)
        if refusal is not None:
            requests_path.unlink()
            report = BatchReport(total=len(items), budget=budget, budget_reached=True)
            report.skipped_budget = len(todo)
            return BatchApiRun(report=report, notes=[refusal])
        job = submit(client, store, batch, requests_path, request_count=plan.request_count)
        notes.append(f"submitted {plan.request_count} request(s) as batch {job.data['batch_id']}")
    else:
        job = resume(client, store, job)
        notes.append(f"resumed batch {job.data.get('batch_id')} (job {job.job_id})")
    remote = poll(client, store, job, interval=poll_interval, on_status=on_status, sleep=sleep)
    keys = read_requests(Path(job.data["requests"]).read_text(encoding="utf-8").splitlines())
    lines = download(client, remote.output_file_id) + download(client, remote.error_file_id)
    answers = read_answers(lines, keys)
    if remote.status != "completed":
        notes.append(
            f"batch ended {remote.status}; {len(keys) - len(answers)} request(s) without an "
            "answer are made in realtime"
        )
    report, served = asyncio.run(
        ingest(
            items,
            out,
            answers,
            summarizer=summarizer,
            store=store,
            concurrency=concurrency,
            rpm=rpm,
            tpm=tpm,
            budget=budget,
            on_progress=on_progress,
        )
    )
    if answers.by_key:
        notes.append(
            f"{len(answers.by_key)} batch answer(s) matched no current request (prompt or "
            "settings changed since the batch was built); those articles were asked in realtime"
        )
    final_state = INGESTED if report.remaining == 0 else job.state
    store.save_job(Job(job.job_id, job.batch, job.provider, final_state, job.data))
    return BatchApiRun(
        report=report,
        job_id=job.job_id,
        batch_id=str(job.data.get("batch_id", "")),
        status=str(remote.status),
        submitted=len(keys),
        served=served,
        failed_requests=len(answers.failed),
        resumed=resumed,
        notes=notes,
    )


def _over_budget(
    plan: BatchPlan, summarizer: Any, store: Store, batch: str, budget: float | None
) -> str | None:
    """Refuse to submit a batch whose estimated cost exceeds what is left of the budget."""
    if budget is None:
        return None
    backend = summarizer.backend
    estimate = estimate_cost(
        plan, backend_name=backend.name, model=backend.model, prices=store.prices
    )
    left = budget - store.spent(batch=batch)
    if estimate is None or estimate <= left:
        return None
    return (
        f"not submitted: the batch is estimated at ${estimate:.4f} and ${left:.4f} of the "
        "budget is left; raise --budget to submit it"
    )


# --------------------------------------------------------------------------- vLLM files


def build_file(
    items: Sequence[BatchItem], out: Path, *, summarizer: Any, store: Store | None = None
) -> BatchPlan:
    """`summarizer batchfile build`: the request JSONL for vLLM `run_batch` (or the Batch API)."""
    return write_requests(summarizer, items, out, store=store)


def ingest_file(
    items: Sequence[BatchItem],
    requests: Path,
    answers_path: Path,
    out: Path,
    *,
    summarizer: Any,
    store: Store,
    concurrency: int = 8,
    on_progress: ProgressHook | None = None,
) -> tuple[BatchReport, Answers, int]:
    """`summarizer batchfile ingest`: validate a run_batch output into the results file."""
    keys = read_requests(_lines(requests))
    answers = read_answers(_lines(answers_path), keys)
    failed = dict(answers.failed)
    report, served = asyncio.run(
        ingest(
            items,
            out,
            answers,
            summarizer=summarizer,
            store=store,
            concurrency=concurrency,
            on_progress=on_progress,
        )
    )
    answers.failed = failed
    return report, answers, served


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        yield from handle


__all__ = [
    "VIA",
    "Answers",
    "BatchApiRun",
    "BatchPlan",
    "PrefetchedBackend",
    "body_key",
    "build_file",
    "chat_body",
    "chat_requests",
    "ingest",
    "ingest_file",
    "read_answers",
    "read_requests",
    "run_openai_batch",
    "write_requests",
]
