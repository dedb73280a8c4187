"""How hard a batch may push: articles at once, requests and tokens a minute, and a budget.

`BatchLimits` is given once (by the CLI or the caller) and passed whole to every batch entry
point: the realtime runner, worker processes, the Batch API and vLLM ingest flows. None of
it changes an answer, so it is not part of `Config` (nor of any cache key).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BatchLimits"]


@dataclass(frozen=True)
class BatchLimits:
    """`concurrency` articles in flight; at most `rpm` requests and `tpm` tokens a minute
    (None: learned from the server's 429s and headers); no new article once `budget` USD
    is spent on the batch (None: no budget)."""

    concurrency: int = 8
    rpm: float | None = None
    tpm: float | None = None
    budget: float | None = None

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")

    def share(self, index: int, parts: int) -> BatchLimits:
        """Worker `index` of `parts`: its part of the concurrency and of the rates. The
        budget stays whole: every worker reads the one ledger before it spends."""
        concurrency = max(1, self.concurrency // parts + (index < self.concurrency % parts))
        return BatchLimits(concurrency, _part(self.rpm, parts), _part(self.tpm, parts), self.budget)


def _part(total: float | None, parts: int) -> float | None:
    return None if total is None else total / parts
