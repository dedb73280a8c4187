"""Planning a batch: which inputs it has, their ids, and reading one input's article.

Inputs are files, folders (recursive), globs, `.jsonl` article files (one `{id, text, ...}`
per line) and `-` (paths on stdin). Texts are read when an item is processed, not when the
batch is planned, so a batch of any size is planned in little memory. Any failure to read or
prepare one input is an `InputError` naming it: the runner turns it into that input's error
line and goes on.
"""

from __future__ import annotations

import fnmatch
import glob
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from summarizer.articles import (
    Article,
    article_from_text,
    decode_article_bytes,
    fetch_article,
    read_article,
    url_article_id,
)
from summarizer.errors import InputError
from summarizer.inputs.url import display_url, is_url

__all__ = [
    "ARTICLE_TOKENS_PER_CONTEXT",
    "BatchItem",
    "UsageError",
    "as_item",
    "check_article_size",
    "default_max_article_tokens",
    "expand_inputs",
    "load_article",
]

#: The default `--max-article-tokens`: this many context windows of the model. An article
#: longer than that is more likely a mistake (a log, a dump, a whole book) than news, and
#: would be paid for part by part.
ARTICLE_TOKENS_PER_CONTEXT = 4

_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class BatchItem:
    """One input of a batch: a file, a line of a JSONL file, or an input that is already bad.

    Texts are read when the item is processed, not when the batch is planned, so a batch of
    any size is planned in little memory.
    """

    id: str
    source: str
    path: Path | None = None
    jsonl_offset: int | None = None
    text: str | None = None
    published: str | None = None
    title: str | None = None
    url: str | None = None
    problem: str | None = None
    article: Article | None = None  # an `Article` handed in through the Python API


class UsageError(Exception):
    """A batch that cannot start: no inputs, bad options, results file in use."""


def _has_glob(spec: str) -> bool:
    return any(c in _GLOB_CHARS for c in spec)


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _folder_files(folder: Path) -> list[Path]:
    """Regular, non-hidden files under a folder, in a stable order."""
    found = [p for p in folder.rglob("*") if p.is_file() and not _is_hidden(p, folder)]
    return sorted(found, key=lambda p: p.as_posix())


def _glob_root(spec: str) -> Path:
    """The folder a glob starts from: its path up to the first part with a glob character."""
    fixed = []
    for part in Path(spec).parts:
        if _has_glob(part):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path(".")


def _expand_spec(spec: str) -> tuple[list[tuple[Path, str]], BatchItem | None]:
    """(file, id) for each file one command-line input names, or an error item.

    Ids are fixed by the file's own path: a named file's stem; a file found in a folder or
    by a glob, its path below that folder (or the glob's fixed part) without the suffix. So
    a growing folder never changes the id of a file already in it. A URL names no file: it
    becomes an item of its own, fetched when it is processed.
    """
    if is_url(spec):
        return [], BatchItem(id=url_article_id(spec), source=display_url(spec), url=spec)
    path = Path(spec)
    if path.is_dir():
        return [(f, _relative_id(f, path)) for f in _folder_files(path)], None
    if path.exists():
        return [(path, path.stem)], None
    if _has_glob(spec):
        root = _glob_root(spec)
        matches = sorted(Path(m) for m in glob.glob(spec, recursive=True))
        files = [(m, _relative_id(m, root)) for m in matches if m.is_file()]
        for folder in (m for m in matches if m.is_dir()):
            files.extend((f, _relative_id(f, root)) for f in _folder_files(folder))
        if files:
            return files, None
        return [], BatchItem(id=spec, source=spec, problem="matches no files")
    return [], BatchItem(id=spec, source=spec, problem="does not exist")


def _relative_id(file: Path, root: Path) -> str:
    try:
        relative = file.resolve().relative_to(root.resolve())
    except ValueError:  # a symlink out of the folder: its own name
        relative = Path(file.name)
    return relative.with_suffix("").as_posix()


def _jsonl_items(path: Path) -> Iterator[tuple[str | None, BatchItem]]:
    """(requested id, item) per line of an articles JSONL file; texts stay on disk."""
    offset = 0
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            start, offset = offset, offset + len(raw)
            if not raw.strip():
                continue
            fallback = f"{path.stem}:{number}"
            origin = f"{path}:{number}"
            try:
                data = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                yield None, BatchItem(fallback, origin, problem="is not a valid JSON line")
                continue
            if not isinstance(data, dict):
                yield None, BatchItem(fallback, origin, problem="is not a JSON object")
                continue
            wanted = data.get("id")
            if wanted is not None and not _is_unicode(str(wanted)):
                problem = "has an 'id' that is not valid Unicode (a lone surrogate escape?)"
                yield None, BatchItem(fallback, origin, problem=problem)
                continue
            yield (
                None if wanted is None else str(wanted),
                BatchItem(
                    str(wanted) if wanted is not None else fallback,
                    origin,
                    path=path,
                    jsonl_offset=start,
                ),
            )


def expand_inputs(
    inputs: Sequence[str],
    *,
    stdin: IO[str] | None = None,
    exclude: Iterable[Path] = (),
) -> list[BatchItem]:
    """Plan a batch: files, folders (recursive), globs, `.jsonl` article files, `-` (one
    path per line on stdin). Unique ids; the same file named twice is one item; `exclude`
    (the results file, the store) is never an input."""
    specs: list[str] = []
    for spec in inputs:
        if spec == "-":
            if stdin is None:
                raise UsageError("'-' needs paths on standard input")
            specs.extend(line.strip() for line in stdin if line.strip())
        else:
            specs.append(spec)
    if not specs:
        raise UsageError("no inputs")
    skip = {p.resolve() for p in exclude}
    seen: set[Path] = set()
    items: list[BatchItem] = []
    for spec in specs:
        files, problem = _expand_spec(spec)
        if problem is not None:
            items.append(problem)
        for file, file_id in files:
            full = file.resolve()
            if full in seen or full in skip or _is_store_file(full, skip):
                continue
            seen.add(full)
            if file.suffix == ".jsonl":
                items.extend(item for _, item in _jsonl_items(file))
            else:
                items.append(BatchItem(id=file_id, source=str(file), path=file))
    return _unique_ids(items)


def _is_store_file(path: Path, skip: set[Path]) -> bool:
    """SQLite's -wal / -shm companions of an excluded file are excluded too."""
    return any(fnmatch.fnmatch(str(path), f"{s}-*") for s in skip)


def _unique_ids(items: list[BatchItem]) -> list[BatchItem]:
    """Exactly-once needs one id per item: later duplicates get `~2`, `~3`, ..."""
    seen: dict[str, int] = {}
    unique: list[BatchItem] = []
    for item in items:
        count = seen.get(item.id, 0) + 1
        seen[item.id] = count
        if count > 1:
            new_id = f"{item.id}~{count}"
            while new_id in seen:
                count += 1
                new_id = f"{item.id}~{count}"
            seen[new_id] = 1
            item = BatchItem(**{**item.__dict__, "id": new_id})
        unique.append(item)
    return unique


def as_item(value: BatchItem | Article | str | Path | dict[str, Any], index: int) -> BatchItem:
    """Coerce what the Python API accepts into a `BatchItem`."""
    if isinstance(value, BatchItem):
        return value
    if isinstance(value, Article):
        return BatchItem(id=value.meta.id, source=value.meta.url or value.meta.id, article=value)
    if isinstance(value, dict):
        item_id = str(value.get("id", f"item-{index}"))
        return BatchItem(
            id=item_id,
            source=str(value.get("source", item_id)),
            text=value.get("text"),
            published=value.get("published"),
            title=value.get("title"),
            url=value.get("url"),
            problem=None if isinstance(value.get("text"), str) else "has no text",
        )
    path = Path(value)
    return BatchItem(id=path.stem, source=str(path), path=path)


def load_article(item: BatchItem) -> Article:
    """Read one item's article; any problem is an `InputError` naming the input."""
    if item.problem is not None:
        raise InputError(item.source, item.problem)
    if item.article is not None:
        _check_text(item.article.text, item.source)
        meta = item.article.meta.model_copy(update={"id": item.id})
        return Article(item.article.text, meta, item.article.header)
    if item.jsonl_offset is not None and item.path is not None:
        return _load_jsonl_line(item)
    if item.text is not None:
        _check_text(item.text, item.source)
        return article_from_text(
            item.text,
            article_id=item.id,
            origin=item.source,
            published=item.published,
            title=item.title,
            url=item.url,
        )
    if item.path is None and item.url is not None:
        article = fetch_article(item.url, published=item.published)
        return Article(article.text, article.meta.model_copy(update={"id": item.id}))
    if item.path is None:
        raise InputError(item.source, "has no text")
    article = read_article(item.path, published=item.published)
    return Article(article.text, article.meta.model_copy(update={"id": item.id}), article.header)


def _load_jsonl_line(item: BatchItem) -> Article:
    assert item.path is not None and item.jsonl_offset is not None
    try:
        with item.path.open("rb") as handle:
            handle.seek(item.jsonl_offset)
            raw = handle.readline()
    except OSError as exc:
        raise InputError(item.source, f"cannot be read ({exc.strerror})") from None
    try:
        data = json.loads(raw)
    except ValueError:
        raise InputError(item.source, "is not a valid JSON line (it changed on disk?)") from None
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str):
        raise InputError(item.source, "has no 'text' string")
    _check_text(text, item.source)
    return article_from_text(
        text,
        article_id=item.id,
        origin=item.source,
        published=_opt_str(data.get("published")),
        title=_opt_str(data.get("title")),
        url=_opt_str(data.get("url")),
    )


def _is_unicode(text: str) -> bool:
    """False for a string holding a lone surrogate (JSON allows "\\ud800"; UTF-8 does not)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_text(text: str, origin: str) -> None:
    """Text given in memory gets the checks a file gets: not empty, not binary, Unicode."""
    if "\x00" in text:
        raise InputError(origin, "contains NUL characters (binary data?), not article text")
    if not _is_unicode(text):
        index = next(i for i, c in enumerate(text) if 0xD800 <= ord(c) <= 0xDFFF)
        raise InputError(
            origin, f"is not valid Unicode text (a lone surrogate at character {index})"
        )
    decode_article_bytes(text.encode("utf-8"), origin=origin)  # empty -> InputError


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def default_max_article_tokens(context_tokens: int) -> int:
    return ARTICLE_TOKENS_PER_CONTEXT * context_tokens


def check_article_size(
    article: Article, source: str, count_tokens: Callable[[str], int], limit: int
) -> None:
    """An `InputError` naming the limit (and how to raise it) for an article over it."""
    tokens = count_tokens(article.text)
    if tokens > limit:
        raise InputError(
            source,
            f"is about {tokens:,} tokens, over --max-article-tokens {limit:,}; raise "
            "--max-article-tokens to summarize it (it is sent in parts, each one paid for)",
        )
