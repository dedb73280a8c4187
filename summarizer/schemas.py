"""The public JSON contract: `ArticleSummary` and every record type in it.

Field names here are public API (see the SPEC). Values the model reported as text keep
that text (`text`); code fills in the normalized values. Every record carries `evidence`
whose offsets code computed against the article. Validators here check what a record can
check on its own; checks that need the article live in `grounding`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = "1"

Precision = Literal["day", "week", "month", "quarter", "year"]
Qualifier = Literal[
    "exact", "approximately", "at_least", "more_than", "up_to", "less_than", "range", "vague"
]
Certainty = Literal["confirmed", "assessed", "claimed", "alleged", "expected", "reported"]
EventKind = Literal[
    "missile_strike",
    "drone_strike",
    "air_strike",
    "shelling",
    "ground_attack",
    "interception",
    "attack_on_civilians",
    "other",
]
AidType = Literal["military", "financial", "humanitarian", "mixed", "unspecified"]
AidStage = Literal["requested", "pledged", "approved", "announced", "allocated", "delivered"]
AidScope = Literal["package", "cumulative", "authority", "unspecified"]
WeaponCategory = Literal[
    "missile",
    "air_defence",
    "aircraft",
    "drone",
    "armoured_vehicle",
    "artillery",
    "ammunition",
    "naval",
    "small_arms",
    "equipment",
    "technology",
    "other",
]
TransferStatus = Literal[
    "delivered", "in_progress", "agreed", "approved", "offered", "sought", "alleged", "planned"
]
RecordKind = Literal["event", "aid", "transfer", "quote"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DateRef(_Strict):
    """A date as written, resolved to an ISO interval at the stated precision."""

    text: str
    start: dt.date
    end: dt.date | None = None
    precision: Precision

    @model_validator(mode="after")
    def _end_not_before_start(self) -> DateRef:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"date end {self.end} is before start {self.start}")
        return self


class Quantity(_Strict):
    """A count as written ("some 500 missiles and drones") with its parsed value."""

    text: str
    value: float | None = None
    value_max: float | None = None
    unit: str | None = None
    qualifier: Qualifier = "exact"


class Money(_Strict):
    """An amount of money as written ("up to $700 million") with its parsed value."""

    text: str
    amount: float | None = None
    amount_max: float | None = None
    currency: str | None = Field(default=None, description="ISO 4217 code")
    qualifier: Qualifier = "exact"

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, code: str | None) -> str | None:
        if code is not None and not (len(code) == 3 and code.isascii() and code.isupper()):
            raise ValueError(f"currency must be an ISO 4217 code, got {code!r}")
        return code


class Evidence(_Strict):
    """A verbatim quote from the article: article_text[start:end] == quote."""

    quote: str = Field(min_length=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _span_matches_quote(self) -> Evidence:
        if self.end - self.start != len(self.quote):
            raise ValueError(
                f"evidence span {self.start}:{self.end} does not have the quote's length"
            )
        return self


class Attribution(_Strict):
    """Who says so, and how sure they are."""

    source: str
    certainty: Certainty


class Event(_Strict):
    """One attack, strike wave or incident."""

    kind: EventKind
    date: DateRef | None = None
    attacker: str | None = None
    target: str | None = None
    location: str | None = None
    country: str | None = None
    weapons: list[str] = Field(default_factory=list)
    munitions: Quantity | None = None
    killed: Quantity | None = None
    injured: Quantity | None = None
    description: str
    attribution: Attribution | None = None
    evidence: list[Evidence] = Field(min_length=1)


class AidFigure(_Strict):
    """One amount of aid: a package, a pledge or a running total."""

    donor: str
    recipient: str
    amount: Money | None = None
    aid_type: AidType = "unspecified"
    stage: AidStage
    scope: AidScope = "unspecified"
    mechanism: str | None = None
    items: list[str] = Field(default_factory=list)
    date: DateRef | None = None
    description: str
    attribution: Attribution | None = None
    evidence: list[Evidence] = Field(min_length=1)


class WeaponsTransfer(_Strict):
    """One kind of weapon moving (or sought) from a supplier to a recipient."""

    supplier: str
    recipient: str
    weapon: str
    designation: str | None = None
    category: WeaponCategory = "other"
    quantity: Quantity | None = None
    value: Money | None = None
    status: TransferStatus
    date: DateRef | None = None
    description: str
    attribution: Attribution | None = None
    evidence: list[Evidence] = Field(min_length=1)


class Quote(_Strict):
    """A verbatim quotation: article_text[start:end] == text."""

    speaker: str
    speaker_role: str | None = None
    text: str = Field(min_length=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _span_matches_text(self) -> Quote:
        if self.end - self.start != len(self.text):
            raise ValueError(f"quote span {self.start}:{self.end} does not have the text's length")
        return self


class ArticleMeta(_Strict):
    id: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: dt.date | None = None
    language: str | None = None
    text: str | None = Field(
        default=None,
        description="The text evidence offsets refer to, when it is not a file's own text: "
        "extracted from an HTML page, a PDF or a fetched URL.",
    )


class Usage(_Strict):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    cost_usd: float | None = None


class Rejection(_Strict):
    """Something the model returned that failed validation: a record (dropped), one field
    of a kept record (`field` set: nulled, or an evidence quote dropped), a summary
    sentence (kind "summary", dropped) or the output as a whole (kind "output")."""

    kind: RecordKind | Literal["output", "summary"]
    reason: str
    raw: str
    field: str | None = None


class PromptStep(_Strict):
    """One prompt template used to make a result: its id and the sha256 of its files."""

    id: str
    sha256: str


class Provenance(_Strict):
    backend: str
    model: str
    prompt_id: str  # the first (for `single`, the only) prompt; every one is in `prompts`
    prompt_sha256: str
    strategy: str = "single"
    prompts: list[PromptStep] = Field(default_factory=list)
    schema_version: str = SCHEMA_VERSION
    package_version: str
    created_at: dt.datetime
    usage: Usage = Field(default_factory=Usage)
    attempts: int = 1
    rejected: list[Rejection] = Field(default_factory=list)


class ArticleSummary(_Strict):
    """The typed, verified summary of one article."""

    schema_version: Literal["1"] = "1"
    article: ArticleMeta
    summary: str
    events: list[Event] = Field(default_factory=list)
    aid: list[AidFigure] = Field(default_factory=list)
    transfers: list[WeaponsTransfer] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    provenance: Provenance

    def evidence_spans(self) -> Iterator[tuple[str, int, int]]:
        """Every (quote, start, end) this summary claims: records' evidence and quotes."""
        for records in (self.events, self.aid, self.transfers):
            for record in records:
                for evidence in record.evidence:
                    yield evidence.quote, evidence.start, evidence.end
        for quote in self.quotes:
            yield quote.text, quote.start, quote.end


def render_json_schema() -> str:
    """The JSON Schema of the public contract, as the file `summarizer schema` prints holds
    it: two-space indent, one trailing newline."""
    return json.dumps(ArticleSummary.model_json_schema(), indent=2) + "\n"
