"""Reading finished summaries back: a results JSONL (summary lines and error lines, as
`summarizer batch` writes them), one summary JSON file, or a folder of either.

Article texts (which evidence offsets refer to) come from a folder of corpus-style files,
matched to summaries by `article.id` (the file's stem). Bad input is an `InputError` naming
the file and line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from summarizer.articles import read_article
from summarizer.errors import InputError
from summarizer.results import ErrorRecord, classify
from summarizer.schemas import ArticleSummary

__all__ = ["ErrorLine", "ResultSet", "load_article_texts", "load_results"]


#: An item of a batch that ended as an error record instead of a summary.
ErrorLine = ErrorRecord


@dataclass
class ResultSet:
    """Every summary and error line read from the inputs, in input order."""

    summaries: list[ArticleSummary] = field(default_factory=list)
    errors: list[ErrorLine] = field(default_factory=list)

    def extend(self, other: ResultSet) -> None:
        self.summaries.extend(other.summaries)
        self.errors.extend(other.errors)


def _parse_item(data: object, origin: str) -> ArticleSummary | ErrorLine:
    try:
        return classify(data)
    except ValueError as reason:
        raise InputError(origin, str(reason)) from None


def _add(results: ResultSet, item: ArticleSummary | ErrorLine) -> None:
    if isinstance(item, ArticleSummary):
        results.summaries.append(item)
    else:
        results.errors.append(item)


def _read_jsonl(path: Path) -> ResultSet:
    results = ResultSet()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            origin = f"{path}:{number}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputError(origin, f"is not JSON ({error.msg})") from None
            _add(results, _parse_item(data, origin))
    return results


def _read_json(path: Path) -> ResultSet:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InputError(str(path), f"is not JSON ({error.msg} at line {error.lineno})") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "is not UTF-8 text") from None
    results = ResultSet()
    items = data if isinstance(data, list) else [data]
    for index, item in enumerate(items):
        _add(results, _parse_item(item, str(path) if len(items) == 1 else f"{path}[{index}]"))
    return results


def _files_in(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and not path.name.startswith(".") and path.suffix in {".json", ".jsonl"}
    )


def load_results(paths: str | Path | Iterable[str | Path]) -> ResultSet:
    """Read summaries and error lines from files (.jsonl / .json) and folders of them."""
    targets = [paths] if isinstance(paths, str | Path) else list(paths)
    results = ResultSet()
    for target in (Path(p) for p in targets):
        if not target.exists():
            raise InputError(str(target), "does not exist")
        files = _files_in(target) if target.is_dir() else [target]
        if target.is_dir() and not files:
            raise InputError(str(target), "holds no .json or .jsonl files")
        for path in files:
            results.extend(_read_jsonl(path) if path.suffix == ".jsonl" else _read_json(path))
    return results


def _article_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith(".") and path.suffix in {".txt", ".md"}:
            yield path


def load_article_texts(
    folder: str | Path | None, ids: Iterable[str] | None = None
) -> dict[str, str]:
    """Article id -> the text below the header, for the files of `folder` (stem = id).

    With `ids`, only those articles are read (a results file over a big corpus).
    """
    if folder is None:
        return {}
    root = Path(folder)
    if not root.is_dir():
        raise InputError(str(root), "is not a folder of articles")
    wanted = None if ids is None else set(ids)
    texts: dict[str, str] = {}
    for path in _article_files(root):
        if wanted is None or path.stem in wanted:
            texts[path.stem] = read_article(path).text
    return texts
