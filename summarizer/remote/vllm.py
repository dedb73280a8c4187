"""vLLM `run_batch` files: `summarizer batchfile build` and `summarizer batchfile ingest`.

`python -m vllm.entrypoints.openai.run_batch -i requests.jsonl -o answers.jsonl` reads the
request lines `build` writes (the Batch API's format, `remote.requests`) and writes the same
output format the Batch API does; `ingest` validates those answers into a results file
exactly like `summarizer batch`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from summarizer.remote.requests import (
    Answers,
    BatchPlan,
    ingest,
    read_answers,
    read_requests,
    write_requests,
)
from summarizer.runner.inputs import BatchItem
from summarizer.runner.limits import BatchLimits
from summarizer.runner.report import BatchReport
from summarizer.runner.runner import ProgressHook
from summarizer.store import Store

if TYPE_CHECKING:
    from summarizer.api import Summarizer

__all__ = ["build_file", "ingest_file"]


def build_file(
    items: Sequence[BatchItem], out: Path, *, summarizer: Summarizer, store: Store | None = None
) -> BatchPlan:
    """`summarizer batchfile build`: the request JSONL for vLLM `run_batch` (or the Batch API)."""
    return write_requests(summarizer, items, out, store=store)


def ingest_file(
    items: Sequence[BatchItem],
    requests: Path,
    answers_path: Path,
    out: Path,
    *,
    summarizer: Summarizer,
    store: Store,
    limits: BatchLimits = BatchLimits(),
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
            limits=limits,
            on_progress=on_progress,
        )
    )
    answers.failed = failed
    return report, answers, served


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        yield from handle
