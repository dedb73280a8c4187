"""What one batch run did: counts, spend, notes, and the exit code they give.

Exit codes of `summarizer batch` (documented in docs/batch.md and `summarizer batch --help`):
0 every input has a summary line; 1 an input or runtime error stopped the run; 2 usage or
configuration error; 3 finished, but some inputs are error lines (this run's or earlier
ones'); 4 stopped by `--budget` (rerun with a higher budget to finish); 130 interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from summarizer.runner.metering import Spend

__all__ = [
    "EXIT_BUDGET",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_SOME_FAILED",
    "EXIT_USAGE",
    "BatchReport",
]

EXIT_OK = 0  # every input has a summary line
EXIT_ERROR = 1  # an input or runtime error stopped the command (disk full, unreadable input)
EXIT_USAGE = 2  # bad options, no inputs, results file locked by another run, configuration
EXIT_SOME_FAILED = 3  # finished; some inputs are error lines (this run's or earlier ones')
EXIT_BUDGET = 4  # stopped by --budget; rerun (with a higher budget) to finish
EXIT_INTERRUPTED = 130  # Ctrl-C; rerun to finish


@dataclass
class BatchReport:
    """What one `summarizer batch` run did."""

    total: int = 0
    already_done: int = 0
    failed_earlier: int = 0  # error lines already in the results file
    retried: int = 0  # error lines removed by --retry-failed
    done: int = 0
    failed: int = 0
    from_cache: int = 0
    skipped_budget: int = 0
    usage: Spend = field(default_factory=Spend)
    spent_on_batch: float = 0.0
    wall_seconds: float = 0.0
    budget: float | None = None
    budget_reached: bool = False
    interrupted: bool = False
    truncated_bytes: int = 0
    unreadable_lines: int = 0
    crashed_workers: int = 0
    startup_seconds: float = 0.0  # worker processes: until every one was ready
    worker_errors: list[str] = field(default_factory=list)
    failures_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def remaining(self) -> int:
        return self.total - self.already_done - self.done - self.failed

    @property
    def exit_code(self) -> int:
        if self.interrupted or (self.crashed_workers and self.remaining):
            return EXIT_INTERRUPTED
        if self.budget_reached and self.skipped_budget:
            return EXIT_BUDGET
        if self.failed or self.failed_earlier:
            return EXIT_SOME_FAILED
        return EXIT_OK

    def tally(
        self, status: str, *, usage: Spend | None = None, from_cache: bool = False, kind: str = ""
    ) -> None:
        """Count one finished item (`done`, `failed` or `skipped`)."""
        if usage is not None:
            self.usage.add(usage)
        if status == "done":
            self.done += 1
            self.from_cache += from_cache
        elif status == "failed":
            self.failed += 1
            self.failures_by_kind[kind] = self.failures_by_kind.get(kind, 0) + 1
        else:
            self.skipped_budget += 1
