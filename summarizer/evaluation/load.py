"""Loading gold and predictions from files, and running a backend over the gold articles."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from summarizer.articles import read_article
from summarizer.errors import InputError, SummarizerError
from summarizer.evaluation.models import CorpusScore
from summarizer.evaluation.score import score_corpus
from summarizer.results import ErrorRecord, classify
from summarizer.schemas import ArticleSummary

# --------------------------------------------------------------------------- loading


@dataclass
class Predictions:
    """Predicted summaries by article id, and the articles whose prediction failed."""

    summaries: dict[str, ArticleSummary] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)  # lines/files with no usable id


def load_gold(directory: str | Path) -> dict[str, ArticleSummary]:
    """Every `*.json` file of a directory as an `ArticleSummary`, keyed by `article.id`."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(str(directory), "is not a directory of gold JSON files")
    gold: dict[str, ArticleSummary] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            summary = ArticleSummary.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as exc:
            raise InputError(
                str(path), f"is not a valid ArticleSummary ({_first_error(exc)})"
            ) from None
        if summary.article.id in gold:
            raise InputError(str(path), f"repeats article id {summary.article.id!r}")
        gold[summary.article.id] = summary
    if not gold:
        raise InputError(str(directory), "holds no gold *.json files")
    return gold


def load_predictions(path: str | Path) -> Predictions:
    """A directory of `*.json` summaries or a JSONL file of them (error records allowed)."""
    path = Path(path)
    predictions = Predictions()
    if path.is_dir():
        for file in sorted(path.glob("*.json")):
            _add_prediction(
                predictions,
                file.read_text(encoding="utf-8"),
                fallback_id=file.stem,
                origin=file.name,
            )
    elif path.is_file():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                _add_prediction(predictions, line, fallback_id=None, origin=f"line {number}")
    else:
        raise InputError(str(path), "does not exist (expected a directory or a JSONL file)")
    return predictions


def _add_prediction(
    predictions: Predictions, raw: str, *, fallback_id: str | None, origin: str
) -> None:
    """One prediction (a summary or an error record, as a results line holds them)."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        _add_error(predictions, fallback_id, f"not JSON ({exc.msg})", origin)
        return
    article_id = (_record_id(data) if isinstance(data, dict) else None) or fallback_id
    try:
        item = classify(data)
    except ValueError as exc:
        _add_error(predictions, article_id, str(exc), origin)
        return
    if isinstance(item, ErrorRecord):
        _add_error(predictions, article_id, item.error, origin)
        return
    # A later success (a retried batch) replaces an earlier failure for the same article.
    predictions.summaries[item.article.id] = item
    predictions.errors.pop(item.article.id, None)


def _add_error(predictions: Predictions, article_id: str | None, message: str, origin: str) -> None:
    if article_id is None:
        predictions.unreadable.append(f"{origin}: {message}")
    elif article_id not in predictions.summaries:
        predictions.errors[article_id] = message


def _record_id(data: Mapping[str, object]) -> str | None:
    for key in ("id", "article_id"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    article = data.get("article")
    if isinstance(article, dict) and isinstance(article.get("id"), str) and article["id"]:
        return str(article["id"])
    return None


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "<root>"
    return f"{exc.error_count()} error(s); first at {where}: {first['msg']}"


def load_texts(directory: str | Path, article_ids: Iterable[str]) -> dict[str, str]:
    """Article texts (below the metadata header) by id = file stem; missing ones are absent."""
    directory = Path(directory)
    texts: dict[str, str] = {}
    if not directory.is_dir():
        return texts
    for article_id in article_ids:
        candidates = [directory / f"{article_id}.txt", *sorted(directory.glob(f"{article_id}.*"))]
        for candidate in candidates:
            if candidate.is_file():
                texts[article_id] = read_article(candidate).text
                break
    return texts


def predict(
    summarize: Callable[[Path], ArticleSummary],
    article_ids: Iterable[str],
    articles_dir: str | Path,
) -> Predictions:
    """Run a model on the gold articles; a failure becomes that article's error, not a crash."""
    predictions = Predictions()
    for article_id in article_ids:
        path = Path(articles_dir) / f"{article_id}.txt"
        try:
            predictions.summaries[article_id] = summarize(path)
        except SummarizerError as error:
            predictions.errors[article_id] = str(error)
    return predictions


def evaluate_model(
    gold_dir: str | Path,
    articles_dir: str | Path,
    summarize: Callable[[Path], ArticleSummary],
) -> CorpusScore:
    """Run `summarize` on every gold article and score the results (`eval --backend`)."""
    gold = load_gold(gold_dir)
    predictions = predict(summarize, gold, articles_dir)
    return score_corpus(
        gold, predictions.summaries, load_texts(articles_dir, gold), errors=predictions.errors
    )


def evaluate(gold_dir: str | Path, pred_path: str | Path, articles_dir: str | Path) -> CorpusScore:
    """Load everything and score it: what `summarizer eval` runs."""
    gold = load_gold(gold_dir)
    predictions = load_predictions(pred_path)
    texts = load_texts(articles_dir, gold)
    return score_corpus(
        gold,
        predictions.summaries,
        texts,
        errors=predictions.errors,
        unreadable=predictions.unreadable,
    )
