"""From grounded records to public records: values normalized, evidence as grounding found it.

`assemble` turns what `grounding.ground` kept into the `schemas` records: actor names
canonical, mechanisms by the guide's names, money, counts and dates parsed by
`summarizer.normalize`, evidence and quote spans exactly as grounding located them (never
searched again). It notes what it had to leave out (a date it cannot resolve).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from summarizer.articles import Article
from summarizer.drafts import DraftAid, DraftAttribution, DraftEvent, DraftQuote, DraftTransfer
from summarizer.grounding.checks import Grounded
from summarizer.grounding.locate import Located
from summarizer.normalize import canonical_entity, parse_date, parse_money, parse_quantity
from summarizer.normalize.entities import canonical_mechanism
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


def _evidence_list(located: tuple[Located, ...]) -> list[Evidence]:
    unique = {(e.start, e.end): e.evidence for e in located}
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

    def event(self, d: DraftEvent, located: tuple[Located, ...]) -> Event:
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
            evidence=_evidence_list(located),
        )

    def aid(self, d: DraftAid, located: tuple[Located, ...]) -> AidFigure:
        return AidFigure(
            donor=_actor(d.donor) or d.donor,
            recipient=_actor(d.recipient) or d.recipient,
            amount=parse_money(d.amount) if d.amount else None,
            aid_type=d.aid_type,
            stage=d.stage,
            scope=d.scope,
            mechanism=canonical_mechanism(d.mechanism) if d.mechanism else None,
            items=d.items,
            date=self.date("aid", d.date, d),
            description=d.description,
            attribution=_attribution(d.attribution),
            evidence=_evidence_list(located),
        )

    def transfer(self, d: DraftTransfer, located: tuple[Located, ...]) -> WeaponsTransfer:
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
            evidence=_evidence_list(located),
        )

    def quote(self, d: DraftQuote, located: tuple[Located, ...]) -> Quote:
        span = located[0].evidence
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


def assemble(article: Article, grounded: Grounded) -> Assembled:
    """The public records of what grounding kept of a draft of `article`."""
    normalizer = _Normalizer(article)
    events, aid, transfers, quotes = [], [], [], []
    for item in grounded.records:
        record, located = item.record, item.evidence
        if isinstance(record, DraftEvent):
            events.append(normalizer.event(record, located))
        elif isinstance(record, DraftAid):
            aid.append(normalizer.aid(record, located))
        elif isinstance(record, DraftTransfer):
            transfers.append(normalizer.transfer(record, located))
        else:
            quotes.append(normalizer.quote(record, located))
    return Assembled(
        events=_unique(events),
        aid=_unique(aid),
        transfers=_unique(transfers),
        quotes=_unique(quotes),
        notes=normalizer.notes,
    )
