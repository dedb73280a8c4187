"""Many articles at once (`summarizer batch`, `summarize_many`).

- `inputs`: planning a batch and reading one input;
- `results_file`: the crash-safe, exactly-once results JSONL;
- `limits`: `BatchLimits`, how hard a batch may push (concurrency, rates, budget);
- `ratelimit`: request / token buckets, fixed or learned from the server;
- `metering`: answer cache, budget, limiter and ledger around every model call;
- `runner`: failure isolation, concurrency, resume (`run_batch`, `summarize_many`);
- `report`: what a run did and its exit code;
- `processes`: one batch over worker processes.
"""

from summarizer.runner.inputs import BatchItem, UsageError, expand_inputs
from summarizer.runner.limits import BatchLimits
from summarizer.runner.metering import Spend
from summarizer.runner.report import BatchReport
from summarizer.runner.runner import (
    Done,
    Failed,
    ItemResult,
    Skipped,
    run_batch,
    summarize_many,
    summarize_many_sync,
)

__all__ = [
    "BatchItem",
    "BatchLimits",
    "BatchReport",
    "Done",
    "Failed",
    "ItemResult",
    "Skipped",
    "Spend",
    "UsageError",
    "expand_inputs",
    "run_batch",
    "summarize_many",
    "summarize_many_sync",
]
