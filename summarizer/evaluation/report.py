"""A corpus score as a rich table, plain text, Markdown or JSON."""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from summarizer.evaluation.compare import ALL, RECORD_TYPES
from summarizer.evaluation.models import CorpusScore

# --------------------------------------------------------------------------- rendering


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _count(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


_TYPE_HEADER = (
    "type", "gold recs", "pred recs", "rec P", "rec R", "rec F1",
    "field P", "field R", "field F1", "macro F1", "unsupported rate",
)  # fmt: skip
_FIELD_HEADER = ("field", "gold", "pred", "correct", "P", "R", "F1")
_ARTICLE_HEADER = ("article", "prediction", "field F1", "record F1", "grounding", "ROUGE-L")
# The terminal's shorter names leave an article id its room at 80 columns.
_ARTICLE_TERMINAL_HEADER = ("article", "result", "field F1", "rec F1", "grounded", "ROUGE-L")


def _type_rows(score: CorpusScore) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for name in (*RECORD_TYPES, ALL):
        micro, macro = score.micro[name], score.macro[name]
        rows.append((
            name,
            str(micro.records.gold),
            str(micro.records.predicted),
            _fmt(micro.records.precision),
            _fmt(micro.records.recall),
            _fmt(micro.records.f1),
            _fmt(micro.fields.precision),
            _fmt(micro.fields.recall),
            _fmt(micro.fields.f1),
            _fmt(macro.f1),
            _fmt(micro.unsupported_rate),
        ))  # fmt: skip
    return rows


def _field_rows(score: CorpusScore) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for name in RECORD_TYPES:
        for field_name, counts in score.micro[name].by_field.items():
            rows.append((
                f"{name}.{field_name}",
                str(counts.gold),
                str(counts.predicted),
                _count(round(counts.correct, 3)),
                _fmt(counts.precision),
                _fmt(counts.recall),
                _fmt(counts.f1),
            ))  # fmt: skip
    return rows


def _article_rows(score: CorpusScore) -> list[tuple[str, ...]]:
    return [
        (
            article.article_id,
            article.prediction,
            _fmt(article.overall.fields.f1),
            _fmt(article.overall.records.f1),
            "-" if article.grounding is None else _fmt(article.grounding.rate),
            _fmt(article.rouge_l),
        )
        for article in score.articles
    ]


def _notes(score: CorpusScore) -> list[str]:
    grounding = score.grounding
    notes = [
        f"Grounding rate: {_fmt(grounding.rate)} ({grounding.grounded}/{grounding.total} "
        "predicted evidence and quote spans verbatim at their offsets)",
        f"ROUGE-L F1 of summaries (information only): {_fmt(score.rouge_l)}",
    ]
    if score.missing_predictions:
        notes.append("No prediction (scored as empty): " + ", ".join(score.missing_predictions))
    if score.error_predictions:
        notes.append(
            "Failed prediction (scored as empty): "
            + "; ".join(
                # results written before errors named their article once repeat the id
                f"{key}: {value.removeprefix(f'{key}: ')}"
                for key, value in score.error_predictions.items()
            )
        )
    if score.unmatched_predictions:
        notes.append(
            "Predictions without gold (ignored): " + ", ".join(score.unmatched_predictions)
        )
    if score.unreadable_predictions:
        notes.append("Unreadable predictions (ignored): " + "; ".join(score.unreadable_predictions))
    if score.articles_without_text:
        notes.append(
            "No article text (grounding not measured): " + ", ".join(score.articles_without_text)
        )
    return notes


def _rich_table(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], columns: Sequence[int]
) -> Table:
    """The `columns` of a table; cells wrap (never "…") so a narrow terminal loses nothing."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for index in columns:
        # A number never breaks (its column is at least as wide as its widest cell and the
        # longest word of its header); a header wraps at its spaces, a long name folds.
        widest = max([len(row[index]) for row in rows] + [len(w) for w in header[index].split()])
        table.add_column(
            header[index],
            justify="left" if index == 0 else "right",
            overflow="fold",
            min_width=None if index == 0 else widest,
        )
    for row in rows:
        table.add_row(*(row[index] for index in columns))
    return table


# The terminal splits the by-type table in two so that each fits 80 columns; --md keeps one.
_TYPE_RECORD_COLUMNS = (0, 1, 2, 3, 4, 5, 10)
_TYPE_FIELD_COLUMNS = (0, 6, 7, 8, 9)


def render_table(score: CorpusScore) -> RenderableType:
    """The terminal view: by type (records, then fields), by field, by article, then notes.

    Readable at 80 columns, and the same in a file or a pipe (no colour needed).
    """
    type_rows = _type_rows(score)
    field_rows = _field_rows(score)
    article_rows = _article_rows(score)
    parts: list[RenderableType] = [
        _rich_table("Records by type (micro)", _TYPE_HEADER, type_rows, _TYPE_RECORD_COLUMNS),
        _rich_table(
            "Fields by type (micro; macro F1 over articles)",
            _TYPE_HEADER,
            type_rows,
            _TYPE_FIELD_COLUMNS,
        ),
        _rich_table("By field (micro)", _FIELD_HEADER, field_rows, range(len(_FIELD_HEADER))),
        _rich_table(
            "By article (all record types)",
            _ARTICLE_TERMINAL_HEADER,
            article_rows,
            range(len(_ARTICLE_TERMINAL_HEADER)),
        ),
    ]
    parts.extend(Text(note) for note in _notes(score))
    return Group(*parts)


def to_text(score: CorpusScore, *, width: int = 100) -> str:
    """The terminal view as plain text (no colour), for writing to a file."""
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, highlight=False).print(render_table(score))
    return buffer.getvalue()


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    align = ["---"] + ["---:"] * (len(header) - 1)
    return "\n".join([line(header), "| " + " | ".join(align) + " |", *(line(row) for row in rows)])


def to_markdown(score: CorpusScore) -> str:
    """The report view: the same tables as Markdown."""
    sections = [
        "### By record type (micro; macro F1 over articles)",
        _md_table(_TYPE_HEADER, _type_rows(score)),
        "### By field (micro)",
        _md_table(_FIELD_HEADER, _field_rows(score)),
        "### By article (all record types)",
        _md_table(_ARTICLE_HEADER, _article_rows(score)),
        "\n".join(f"- {note}" for note in _notes(score)),
    ]
    return "\n\n".join(sections) + "\n"


def to_json(score: CorpusScore) -> str:
    """The machine view: every count and ratio, with the alignment of every article."""
    return score.model_dump_json(indent=2) + "\n"
