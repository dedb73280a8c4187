"""What the model is asked to return: spans and labels, never offsets or parsed numbers.

A `Draft` is the model's answer. Its validator runs the check it is given (grounding's,
through `validated_by`) and, when the check fails, raises with messages the model can act
on; instructor sends those back as a re-ask. Code later turns a checked draft into the public
records of `schemas` (offsets from `grounding`, values from `normalization`).

The check reaches the validator through a context variable rather than instructor's
`context=` argument, because instructor renders the chat messages as Jinja templates when a
context is given, and article text must never be interpreted as a template.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

import instructor
from pydantic import BaseModel, ConfigDict, Field, model_validator

from summarizer.schemas import (
    AidScope,
    AidStage,
    AidType,
    Certainty,
    EventKind,
    RecordKind,
    TransferStatus,
    WeaponCategory,
)

_EVIDENCE = "Verbatim sentences copied from the article that support this record."

# List bounds keep a grammar-constrained small model from repeating list items without end.
# Strings stay unbounded: llama.cpp's grammar compiler rejects (and crashes on) a schema with
# many bounded strings. 20 records of a type is far above any article in the corpus.
_LIST = 12
_RECORDS = 20


def _optional(description: str | None = None) -> Any:
    return Field(default=None, description=description)


def _evidence() -> Any:
    return Field(min_length=1, max_length=4, description=_EVIDENCE)


def _texts(limit: int = _LIST) -> Any:
    return Field(default_factory=list, max_length=limit)


class _Draft(BaseModel):
    model_config = ConfigDict(extra="ignore")


class DraftAttribution(_Draft):
    source: str = Field(description="Who says so, as named in the article.")
    certainty: Certainty


class DraftEvent(_Draft):
    evidence: list[str] = _evidence()
    kind: EventKind
    date: str | None = _optional("The date as written in the article.")
    attacker: str | None = _optional()
    target: str | None = _optional()
    location: str | None = _optional()
    country: str | None = _optional()
    weapons: list[str] = _texts()
    munitions: str | None = _optional("How many missiles/drones/shells, as written.")
    killed: str | None = _optional("Number killed, as written.")
    injured: str | None = _optional("Number injured, as written.")
    description: str
    attribution: DraftAttribution | None = None


class DraftAid(_Draft):
    evidence: list[str] = _evidence()
    donor: str
    recipient: str
    amount: str | None = _optional("The amount as written, e.g. '$250 million'.")
    aid_type: AidType = "unspecified"
    stage: AidStage
    scope: AidScope = "unspecified"
    mechanism: str | None = _optional()
    items: list[str] = _texts(30)
    date: str | None = _optional("The date as written in the article.")
    description: str
    attribution: DraftAttribution | None = None


class DraftTransfer(_Draft):
    evidence: list[str] = _evidence()
    supplier: str
    recipient: str
    weapon: str = Field(description="The weapon as described in the article.")
    designation: str | None = _optional("Model name, e.g. 'HIMARS'.")
    category: WeaponCategory = "other"
    quantity: str | None = _optional("How many, as written.")
    value: str | None = _optional("Money value as written.")
    status: TransferStatus
    date: str | None = _optional("The date as written in the article.")
    description: str
    attribution: DraftAttribution | None = None


class DraftQuote(_Draft):
    speaker: str
    speaker_role: str | None = _optional()
    text: str = Field(description="The quoted words, copied exactly from the article.")


DraftRecord = DraftEvent | DraftAid | DraftTransfer | DraftQuote

RECORD_FIELDS: dict[RecordKind, str] = {
    "event": "events",
    "aid": "aid",
    "transfer": "transfers",
    "quote": "quotes",
}


DraftCheck = Callable[["Draft"], list[str]]
"""A check run by the `Draft` validator: the reasons a draft is not supported (none: fine)."""

_check: ContextVar[DraftCheck | None] = ContextVar("summarizer_draft_check", default=None)


@contextlib.contextmanager
def validated_by(check: DraftCheck) -> Iterator[None]:
    """Run `check` on every `Draft` validated inside this block; its reasons are re-asked.

    Grounding supplies the check (`summarizer.grounding.grounded_in`), so this module needs
    nothing from grounding.
    """
    token = _check.set(check)
    try:
        yield
    finally:
        _check.reset(token)


@functools.cache
def _default_schema_json(model: type[BaseModel]) -> str:
    schema = BaseModel.model_json_schema.__func__(model)  # type: ignore[attr-defined]
    return json.dumps(schema)


# Deriving from instructor's schema base keeps instructor from wrapping the class in a new
# subclass on every call, so the schema is built once and no classes pile up. (The
# docstring is part of the schema the model sees, and of the recordings' keys.)
class Draft(_Draft, instructor.OpenAISchema):
    """The model's whole answer for one article (or one part of a long article)."""

    summary: str = Field(description="2 to 4 neutral sentences summarizing the article.")
    # Required, so constrained decoding makes a model consider every record type.
    events: list[DraftEvent] = Field(max_length=_RECORDS)
    aid: list[DraftAid] = Field(max_length=_RECORDS)
    transfers: list[DraftTransfer] = Field(max_length=_RECORDS)
    quotes: list[DraftQuote] = Field(max_length=_RECORDS)

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The schema, built once: instructor asks for it on every call (a hot path)."""
        if args or kwargs:
            return super().model_json_schema(*args, **kwargs)
        # A fresh copy each time (callers may change it); parsing JSON is quicker than deepcopy.
        return json.loads(_default_schema_json(cls))  # type: ignore[no-any-return]

    def records(self) -> Iterator[tuple[RecordKind, int, DraftRecord]]:
        for kind, field_name in RECORD_FIELDS.items():
            for index, record in enumerate(getattr(self, field_name)):
                yield kind, index, record

    @model_validator(mode="after")
    def _grounded_in_article(self) -> Draft:
        check = _check.get()
        if check is None:
            return self
        lines = check(self)
        if lines:
            raise ValueError(
                "Some records are not supported by the article. Fix or remove them; copy "
                "evidence and quotes exactly from the article:\n" + "\n".join(lines)
            )
        return self
