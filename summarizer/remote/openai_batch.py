"""`summarizer batch --via openai-batch`: the OpenAI Batch API flow (half price).

Plan the request file (`remote.requests`), upload it, create the batch, poll, download, and
ingest the answers through the realtime pipeline into the results file, exactly once.

Crash safety: the store keeps each job (local key, input file id, batch id, state) per
results file; a rerun of the same command finds the unfinished job and resumes polling by
its batch id instead of paying for a second batch. The batch is created with metadata naming
the local job, so a crash between "create" and "save the id" is recovered by listing
batches. This flow has been tested against a local server implementing the documented
`/v1/files` and `/v1/batches` endpoints, not against the live OpenAI service.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openai

from summarizer.errors import ConfigurationError
from summarizer.http.client import build_http_client
from summarizer.remote.requests import (
    ENDPOINT,
    BatchPlan,
    check_batch_limits,
    estimate_cost,
    ingest,
    read_answers,
    read_requests,
    write_requests,
)
from summarizer.runner.inputs import BatchItem, UsageError
from summarizer.runner.limits import BatchLimits
from summarizer.runner.report import BatchReport
from summarizer.runner.results_file import ResultsFile
from summarizer.runner.runner import ProgressHook, batch_name, run_batch
from summarizer.store import Job, Store

if TYPE_CHECKING:
    from summarizer.api import Summarizer

__all__ = ["BatchApiRun", "batch_client", "poll", "resume", "run_openai_batch", "submit"]

PROVIDER = "openai-batch"
_FINAL_STATES = frozenset({"completed", "failed", "expired", "cancelled"})

# Job states kept in the store.
CREATING, SUBMITTED, DOWNLOADED, INGESTED, FAILED = (
    "creating",
    "submitted",
    "downloaded",
    "ingested",
    "failed",
)


def batch_client(summarizer: Summarizer, *, api_key: str | None = None) -> openai.OpenAI:
    """An SDK client for the files and batches endpoints of the summarizer's server."""
    backend = summarizer.backend
    base_url = getattr(backend, "base_url", None)
    if backend.name != "openai" or base_url is None:
        raise ConfigurationError(
            f"--via openai-batch needs the openai backend (an API key or --base-url), "
            f"not {backend.name!r}"
        )
    key = api_key or getattr(backend, "api_key", None) or "not-needed"
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
        endpoint=ENDPOINT,
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
    summarizer: Summarizer,
    store: Store,
    limits: BatchLimits = BatchLimits(),
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
                run_batch(
                    items,
                    out,
                    summarizer=summarizer,
                    store=store,
                    limits=limits,
                    on_progress=on_progress,
                )
            )
            return BatchApiRun(report=report, notes=["nothing to submit"])
        too_big = check_batch_limits(plan)
        if too_big is not None:
            requests_path.unlink()
            raise UsageError(too_big)
        refusal = _over_budget(plan, summarizer, store, batch, limits.budget)
        if refusal is not None:
            requests_path.unlink()
            report = BatchReport(total=len(items), budget=limits.budget, budget_reached=True)
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
            limits=limits,
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
    plan: BatchPlan, summarizer: Summarizer, store: Store, batch: str, budget: float | None
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
