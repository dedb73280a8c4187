"""Batch request files and their answers: the format the OpenAI Batch API and vLLM's
`run_batch` share, and the ingest of downloaded answers through the realtime pipeline.

One JSONL request format, the Batch API's: one line per request,
`{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {...}}`, where the
body is exactly the chat request the realtime pipeline sends for that article: captured from
the pipeline through instructor and the backend, then serialized by the official SDK
(`http.bodies`), never rebuilt by hand.

Ingest: every downloaded answer goes through the same validation as a realtime answer. The
pipeline runs over a backend that serves the downloaded answer for a request whose body
matches one in the batch (keyed by the canonical body), and passes everything else through
to the realtime backend: re-asks after a validation failure, and requests whose batch line
failed or is missing. Batch answers are ledgered at the Batch API price (`via =
openai-batch`), realtime calls at the normal price.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from openai.types.chat import ChatCompletion

from summarizer.articles import Article
from summarizer.errors import ConfigurationError, InputError
from summarizer.http.bodies import body_key, chat_body
from summarizer.runner.inputs import BatchItem, load_article
from summarizer.runner.limits import BatchLimits
from summarizer.runner.metering import DelegatingBackend, MeteredBackend, answer_key
from summarizer.runner.report import BatchReport
from summarizer.runner.runner import ProgressHook, run_batch
from summarizer.store import PriceTable, Store

if TYPE_CHECKING:
    from summarizer.api import Summarizer

__all__ = [
    "ENDPOINT",
    "VIA",
    "Answers",
    "BatchPlan",
    "PrefetchedBackend",
    "chat_requests",
    "check_batch_limits",
    "estimate_cost",
    "first_calls",
    "ingest",
    "read_answers",
    "read_requests",
    "write_requests",
]

VIA = "openai-batch"
ENDPOINT: Final = "/v1/chat/completions"
MAX_BATCH_REQUESTS = 50_000
MAX_BATCH_BYTES = 200 * 2**20


class _Captured(Exception):
    def __init__(self, kwargs: dict[str, Any]) -> None:
        super().__init__("captured")
        self.kwargs = kwargs


def _captured_in(error: BaseException | None) -> _Captured | None:
    seen = 0
    while error is not None and seen < 20:
        if isinstance(error, _Captured):
            return error
        error, seen = error.__cause__ or error.__context__, seen + 1
    return None


class _Capturing(DelegatingBackend):
    """The summarizer's backend, but a call records its arguments instead of being made."""

    def create(self, **kwargs: Any) -> Any:
        raise _Captured(kwargs)

    async def acreate(self, **kwargs: Any) -> Any:
        raise _Captured(kwargs)


def first_calls(summarizer: Summarizer, article: Article) -> list[dict[str, Any]]:
    """The create() arguments of the first call the pipeline would make for each chunk.

    The summarizer's own strategy runs over a backend that captures the first call of each
    chunk (after instructor has added its mode's fields) instead of making it.
    """
    from summarizer.extract.base import CallTally
    from summarizer.pipeline import Pipeline

    if summarizer.pipeline.strategy.name != "single":  # one request per chunk: `single` only
        raise ConfigurationError("batch request files need the single strategy (--strategy single)")
    capturing = Pipeline(_Capturing(summarizer.backend), summarizer.config)
    calls: list[dict[str, Any]] = []
    for chunk in capturing.chunks(article):
        try:
            with _quiet_instructor():  # the capture is not a failure worth logging
                capturing.strategy.extract(article, chunk, CallTally())
        except Exception as error:
            captured = _captured_in(error)
            if captured is None:
                raise
            calls.append(captured.kwargs)
            continue
        raise RuntimeError("the strategy called no model while preparing a request")
    return calls


def chat_requests(summarizer: Summarizer, article: Article) -> list[dict[str, Any]]:
    """The chat request bodies of those first calls, serialized by the official SDK exactly
    as for the wire (`http.bodies.chat_body`)."""
    return [chat_body(summarizer.backend, kwargs) for kwargs in first_calls(summarizer, article)]


@contextlib.contextmanager
def _quiet_instructor() -> Iterator[None]:
    logger = logging.getLogger("instructor")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _as_input_error(item: BatchItem, error: Exception) -> InputError:
    return error if isinstance(error, InputError) else InputError(item.source, str(error))


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
    summarizer: Summarizer, items: Iterable[BatchItem], path: Path, *, store: Store | None = None
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
            except Exception as error:  # any failure to read one input: its error line
                plan.input_errors.append((item, _as_input_error(item, error)))
                continue
            calls = first_calls(summarizer, article)
            if store is not None and _all_answered(store, summarizer.backend, calls):
                plan.cached.append(item)
                continue
            bodies = [chat_body(summarizer.backend, kwargs) for kwargs in calls]
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


def _all_answered(store: Store, backend: Any, calls: list[dict[str, Any]]) -> bool:
    """Whether the answer cache already holds the first answer of every chunk."""
    return all(store.answer(answer_key(backend, kwargs)) is not None for kwargs in calls)


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


class PrefetchedBackend(DelegatingBackend):
    """Serves downloaded answers to the requests they answer; everything else goes realtime.

    A re-ask carries the failed answer and the validation errors, so its body differs from
    every batch request and it goes to the realtime backend, like any request whose batch
    line failed. A served answer is ledgered at the Batch API price and kept in the answer
    cache.
    """

    inner: MeteredBackend

    def __init__(self, metered: MeteredBackend, answers: Answers) -> None:
        super().__init__(metered)
        self.answers = answers
        self.served = 0

    def _take(self, kwargs: Mapping[str, Any]) -> ChatCompletion | None:
        found = self.answers.by_key.pop(body_key(chat_body(self.inner, kwargs)), None)
        if found is None:
            return None
        completion = ChatCompletion.model_validate(found)
        self.inner.record_answer(completion, via=VIA, key=self.inner.answer_key(dict(kwargs)))
        self.served += 1
        return completion

    def create(self, **kwargs: Any) -> Any:
        return self._take(kwargs) or self.inner.create(**kwargs)

    async def acreate(self, **kwargs: Any) -> Any:
        answer = self._take(kwargs)
        if answer is not None:
            return answer
        return await self.inner.acreate(**kwargs)


async def ingest(
    items: Sequence[BatchItem],
    out: Path,
    answers: Answers,
    *,
    summarizer: Summarizer,
    store: Store,
    limits: BatchLimits = BatchLimits(),
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
        items, out, summarizer=summarizer, store=store, limits=limits, on_progress=on_progress,
        wrap=wrap,
    )  # fmt: skip
    return report, sum(b.served for b in served)
