"""From a checked draft to public records: values normalized, evidence placed.

`assemble` turns the records of a checked `Draft` into the `schemas` records (actor names
canonical, money, counts and dates parsed by `summarizer.normalize`, evidence at its
offsets in the whole article) and notes what it had to leave out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from summarizer.articles import Article
from summarizer.drafts import (
    Draft,
    DraftAid,
    DraftAttribution,
    DraftEvent,
    DraftQuote,
    DraftTransfer,
)
from summarizer.grounding.locate import QUOTE_FUZZY_THRESHOLD, locate
from summarizer.normalize import canonical_entity, parse_date, parse_money, parse_quantity
from summarizer.schemas import (
    AidFigure,
    Attribution,
    DateRef,
    Event,
    Evidence,
    Quote,
    RecordKind,
    Rejection,
    WeaponsTransfer,
)

__all__ = ["Assembled", "assemble"]


def _evidence_list(quotes: list[str], text: str) -> list[Evidence]:
    located = (locate(quote, text) for quote in quotes)
    unique = {(e.start, e.end): e for e in located if e is not None}
    return [unique[span] for span in sorted(unique)]


def _attribution(draft: DraftAttribution | None) -> Attribution | None:
    return Attribution(source=draft.source, certainty=draft.certainty) if draft else None


def _actor(name: str | None) -> str | None:
    return canonical_entity(name, actor=True) if name and name.strip() else None


class _Normalizer:
    """Turns checked draft records into public records; notes what it had to leave out."""

    def __init__(self, article: Article) -> None:
        self.text = article.text
        self.published = article.meta.published
        self.notes: list[Rejection] = []

    def date(self, kind: RecordKind, text: str | None, raw: BaseModel) -> DateRef | None:
        if not text or not text.strip():
            return None
        resolved = parse_date(text, self.published)
        if resolved is None:
            self.notes.append(
                Rejection(
                    kind=kind,
                    reason=f"date {text!r} could not be resolved to a calendar date; left empty",
                    raw=raw.model_dump_json(exclude_defaults=True),
                )
            )
        return resolved

    def event(self, d: DraftEvent) -> Event:
        return Event(
            kind=d.kind,
            date=self.date("event", d.date, d),
            attacker=_actor(d.attacker),
            target=d.target or None,
            location=d.location or None,
            country=canonical_entity(d.country) if d.country else None,
            weapons=d.weapons,
            munitions=parse_quantity(d.munitions) if d.munitions else None,
            killed=parse_quantity(d.killed) if d.killed else None,
            injured=parse_quantity(d.injured) if d.injured else None,
            description=d.description,
            attribution=_attribution(d.attribution),
            evidence=_evidence_list(d.evidence, self.text),
        )

    def aid(self, d: DraftAid) -> AidFigure:
        return AidFigure(
            donor=_actor(d.donor) or d.donor,
            recipient=_actor(d.recipient) or d.recipient,
            amount=parse_money(d.amount) if d.amount else None,
            aid_type=d.aid_type,
            stage=d.stage,
            scope=d.scope,
            mechanism=d.mechanism or None,
            items=d.items,
            date=self.date("aid", d.date, d),
            description=d.description,
            attribution=_attribution(d.attribution),
            evidence=_evidence_list(d.evidence, self.text),
        )

    def transfer(self, d: DraftTransfer) -> WeaponsTransfer:
        return WeaponsTransfer(
            supplier=_actor(d.supplier) or d.supplier,
            recipient=_actor(d.recipient) or d.recipient,
            weapon=d.weapon,
            designation=d.designation or None,
            category=d.category,
            quantity=parse_quantity(d.quantity) if d.quantity else None,
            value=parse_money(d.value) if d.value else None,
            status=d.status,
            date=self.date("transfer", d.date, d),
            description=d.description,
            attribution=_attribution(d.attribution),
            evidence=_evidence_list(d.evidence, self.text),
        )

    def quote(self, d: DraftQuote) -> Quote | None:
        span = locate(d.text, self.text, threshold=QUOTE_FUZZY_THRESHOLD)
        if span is None:  # found in its part, but not in the whole article's text
            reason = "quote text not found in the whole article; dropped"
            self.notes.append(Rejection(kind="quote", reason=reason, raw=d.model_dump_json()))
            return None
        return Quote(
            speaker=d.speaker,
            speaker_role=d.speaker_role or None,
            text=span.quote,
            start=span.start,
            end=span.end,
        )


def _unique(records: list[Any]) -> list[Any]:
    """Drop records that came out identical (e.g. the same quote found by two parts)."""
    return list({r.model_dump_json(): r for r in records}.values())


@dataclass
class Assembled:
    """The public records of one article, and what assembling had to leave out."""

    events: list[Event] = field(default_factory=list)
    aid: list[AidFigure] = field(default_factory=list)
    transfers: list[WeaponsTransfer] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    notes: list[Rejection] = field(default_factory=list)


def assemble(article: Article, draft: Draft) -> Assembled:
    """The public records of a checked draft of `article`."""
    normalizer = _Normalizer(article)
    quotes = [normalizer.quote(q) for q in draft.quotes]
    return Assembled(
        events=_unique([normalizer.event(e) for e in draft.events]),
        aid=_unique([normalizer.aid(a) for a in draft.aid]),
        transfers=_unique([normalizer.transfer(t) for t in draft.transfers]),
        quotes=_unique([q for q in quotes if q is not None]),
        notes=normalizer.notes,
    )
