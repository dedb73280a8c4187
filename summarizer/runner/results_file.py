"""The results file: append-only JSONL written one whole line at a time, crash-safe.

Exactly once. Every input ends as exactly one line: an `ArticleSummary` or an error record
(`summarizer.results`). On open the file is locked, a trailing partial line (left by a crash)
is truncated, and the ids already written are returned so the batch skips them. Each line
is written whole (one `write` of the complete line on an `O_APPEND` descriptor, then fsync).
"""

from __future__ import annotations

import os
from pathlib import Path

from summarizer.results import identify
from summarizer.runner.inputs import UsageError

try:  # POSIX: an advisory lock keeps two runs off one results file
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["ResultsFile", "batch_name", "check_results_path"]

_SQLITE_MAGIC = b"SQLite format 3\x00"


def batch_name(out: Path) -> str:
    """A batch is named by its results file: ledger, budget and jobs are kept per batch."""
    return str(out.resolve())


def check_results_path(path: Path) -> None:
    """Refuse an --out that is not (and cannot become) a results file: a directory, a
    device, a SQLite file, or a file whose first line is neither a summary nor an error
    record. Recovery truncates a partial last line, which would destroy such a file."""
    if not path.exists():
        return
    if path.is_dir():
        raise UsageError(f"--out {path}: is a directory; name a results .jsonl file")
    if not path.is_file():
        raise UsageError(f"--out {path}: is not a regular file")
    try:
        with path.open("rb") as handle:
            head = handle.readline(1 << 20)
    except OSError as error:
        raise UsageError(f"--out {path}: cannot be read ({error.strerror})") from None
    if not head.strip():
        return
    if head.startswith(_SQLITE_MAGIC):
        raise UsageError(f"--out {path}: is a SQLite database (the store?), not a results file")
    partial_first_line = not head.endswith(b"\n") and head.lstrip().startswith(b"{")
    if identify(head) is None and not partial_first_line:
        raise UsageError(
            f"--out {path}: is not a results file (its first line is neither a summary nor "
            "an error record); name a new file"
        )


class ResultsFile:
    """An append-only JSONL file written one whole line at a time, crash-safe.

    `open()` takes an exclusive lock, truncates a trailing partial line and returns the ids
    already written, which the batch skips. With `retry_failed`, error lines are removed
    first (the file is rewritten atomically) so those inputs are tried again.
    """

    def __init__(self, path: Path, *, durable: bool = True) -> None:
        self.path = path
        self.durable = durable
        self._fd: int | None = None
        self.truncated_bytes = 0
        self.unreadable_lines = 0
        self.error_ids: set[str] = set()
        self.retried: set[str] = set()

    def _lock(self) -> int:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise UsageError(f"{self.path} is being written by another batch run") from None
        return fd

    def open(self, *, retry_failed: bool = False) -> set[str]:
        """Lock, recover and read the file; a file that cannot be one is a `UsageError`
        (refused before any model call, so no paid answer is lost)."""
        check_results_path(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = self._lock()
        except OSError as error:
            raise UsageError(f"--out {self.path}: cannot be written ({error.strerror})") from None
        ids = self._recover()
        if retry_failed and self.error_ids:
            self._drop_error_lines()
            ids -= self.error_ids
            self.retried, self.error_ids = self.error_ids, set()
        return ids

    def _recover(self) -> set[str]:
        assert self._fd is not None
        ids: set[str] = set()
        complete = 0
        with open(self.path, "rb") as lines:
            for line in lines:
                if not line.endswith(b"\n"):
                    break  # a partial last line from a crash
                complete += len(line)
                info = identify(line)
                if info is None:
                    self.unreadable_lines += line.strip() != b""
                    continue
                ids.add(info[0])
                if info[1]:
                    self.error_ids.add(info[0])
        size = os.fstat(self._fd).st_size
        if size > complete:
            self.truncated_bytes = size - complete
            os.ftruncate(self._fd, complete)
            os.fsync(self._fd)
        return ids

    def _drop_error_lines(self) -> None:
        """Rewrite the file without its error lines: temp file, fsync, atomic rename."""
        temporary = self.path.with_name(self.path.name + ".retry-tmp")
        with open(self.path, "rb") as source, open(temporary, "wb") as target:
            for line in source:
                info = identify(line)
                if info is None or not info[1]:
                    target.write(line)
            target.flush()
            os.fsync(target.fileno())
        os.replace(temporary, self.path)
        old, self._fd = self._fd, self._lock()
        if old is not None:
            os.close(old)

    def write(self, line: str) -> None:
        """Append one line whole: a single write of the complete line, then fsync."""
        assert self._fd is not None, "open() first"
        data = (line.rstrip("\n") + "\n").encode("utf-8")
        view = memoryview(data)
        while view:  # a regular file takes it in one write unless the disk is full
            written = os.write(self._fd, view)
            view = view[written:]
        if self.durable:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock
            self._fd = None

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
