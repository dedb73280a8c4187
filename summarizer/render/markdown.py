"""Markdown rendering of one `ArticleSummary`: the summary, a table per record type with
every field, then the rejected records with the reason each was dropped."""

from __future__ import annotations

import html
from collections.abc import Sequence

from summarizer.render.values import describe_amount, describe_date
from summarizer.schemas import (
    ArticleSummary,
    Attribution,
    DateRef,
    Evidence,
)

# A rejected record's raw JSON can be long; the table shows its start (the JSON has it all).
_RAW_LIMIT = 160


def _text(value: object) -> str:
    """Text from the article or the model, inert in Markdown: HTML escaped (no `<script>`,
    no `<img onerror>` reaches a renderer), every line break (CR too) a space."""
    text = "" if value is None else str(value)
    return " ".join(html.escape(text, quote=False).splitlines())


def _cell(value: object) -> str:
    return _text(value).replace("|", "\\|").strip()


def _date(date: DateRef | None) -> str:
    return describe_date(date, "..")


def _attribution(attribution: Attribution | None) -> str:
    return f"{attribution.source} ({attribution.certainty})" if attribution else ""


def _evidence(evidence: Sequence[Evidence]) -> str:
    return " / ".join(f"“{e.quote}” [{e.start}:{e.end}]" for e in evidence)


def _clip(text: str, limit: int = _RAW_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _table(headers: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def _sections(summary: ArticleSummary) -> list[tuple[str, list[str], list[list[object]]]]:
    """(title, column headers, rows) for each record type."""
    return [
        (
            "Events",
            ["kind", "date", "attacker", "target", "location", "country", "weapons",
             "munitions", "killed", "injured", "attribution", "evidence"],
            [[e.kind, _date(e.date), e.attacker, e.target, e.location, e.country,
              ", ".join(e.weapons), describe_amount(e.munitions), describe_amount(e.killed),
              describe_amount(e.injured), _attribution(e.attribution), _evidence(e.evidence)]
             for e in summary.events],
        ),
        (
            "Aid",
            ["donor", "recipient", "amount", "type", "stage", "scope", "mechanism", "items",
             "date", "attribution", "evidence"],
            [[a.donor, a.recipient, describe_amount(a.amount), a.aid_type, a.stage, a.scope,
              a.mechanism, ", ".join(a.items), _date(a.date), _attribution(a.attribution),
              _evidence(a.evidence)] for a in summary.aid],
        ),
        (
            "Weapons transfers",
            ["supplier", "recipient", "weapon", "designation", "category", "quantity",
             "value", "status", "date", "attribution", "evidence"],
            [[t.supplier, t.recipient, t.weapon, t.designation, t.category,
              describe_amount(t.quantity), describe_amount(t.value), t.status, _date(t.date),
              _attribution(t.attribution), _evidence(t.evidence)]
             for t in summary.transfers],
        ),
        (
            "Quotes",
            ["speaker", "role", "quote", "span"],
            [[q.speaker, q.speaker_role, f"“{q.text}”", f"{q.start}:{q.end}"]
             for q in summary.quotes],
        ),
        (
            "Rejected",
            ["kind", "reason", "what the model returned"],
            [[r.kind, r.reason, _clip(r.raw)] for r in summary.provenance.rejected],
        ),
    ]  # fmt: skip


def to_markdown(summary: ArticleSummary) -> str:
    meta = summary.article
    lines = [f"# {_text(meta.title or meta.id)}", ""]
    facts = [
        f"source: {_text(meta.source)}" if meta.source else "",
        f"published: {meta.published}" if meta.published else "",
    ]
    if any(facts):
        lines += [" · ".join(fact for fact in facts if fact), ""]
    lines += [_text(summary.summary), ""]
    for title, headers, rows in _sections(summary):
        if rows:
            lines += [f"## {title}", "", *_table(headers, rows), ""]
    p = summary.provenance
    lines += [
        "---",
        f"{p.backend} · {p.model} · prompt {p.prompt_id} ({p.prompt_sha256[:12]}) · "
        f"{p.usage.calls} call(s), {p.usage.prompt_tokens}+{p.usage.completion_tokens} tokens · "
        f"{len(p.rejected)} rejected",
    ]
    return "\n".join(lines) + "\n"
