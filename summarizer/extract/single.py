"""The `single` strategy: one structured call per chunk with the whole `Draft` schema.

For capable models. The `Draft` validator grounds every record in the chunk; instructor
re-asks with those errors, at most `max_reasks` times. What still fails after the last
re-ask is settled here: the last complete answer is read record by record (malformed ones
are listed); what the article does not support is rejected and listed once, by the
pipeline's `grounding.ground` on the merged draft, never silently dropped. Transport
faults arrive as a `TransportError`, truncated output as `TruncatedOutputError`.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel, ValidationError

from summarizer.drafts import RECORD_FIELDS, Draft, DraftAid, DraftEvent, DraftQuote, DraftTransfer
from summarizer.errors import (
    ExtractionError,
    SummarizerError,
    TransportError,
    TruncatedOutputError,
)
from summarizer.extract.base import CallTally, ChunkResult, PromptRef
from summarizer.grounding import GroundingScope, grounded_in
from summarizer.http.recording import find_replay_miss
from summarizer.llm import Caller, finish_reason
from summarizer.prompting import build_messages, load_prompt
from summarizer.redaction import scrub_text
from summarizer.schemas import RecordKind, Rejection

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion

    from summarizer.articles import Article
    from summarizer.chunking import Chunk
    from summarizer.config import Config

_DRAFT_RECORD_TYPES: dict[RecordKind, type[BaseModel]] = {
    "event": DraftEvent,
    "aid": DraftAid,
    "transfer": DraftTransfer,
    "quote": DraftQuote,
}


_FENCED = re.compile(r"```(?:json)?\s*\n?(.*?)\n?\s*```", re.DOTALL | re.IGNORECASE)


def unfenced(text: str) -> str:
    """The JSON inside a Markdown code fence (instructor's md_json mode asks for one)."""
    match = _FENCED.search(text)
    return match.group(1) if match else text


def answer_text(completion: ChatCompletion) -> str:
    """The JSON text of an answer: a tool call's arguments, or the content (unfenced)."""
    message = completion.choices[0].message
    tool_calls = getattr(message, "tool_calls", None)
    if tool_calls:
        return str(tool_calls[0].function.arguments)
    return unfenced(str(message.content or ""))


def _short_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "record"
    return f"{where}: {first['msg']} ({error.error_count()} error(s))"


def parse_leniently(raw: str) -> tuple[Draft, list[Rejection]]:
    """Read an answer record by record, so one malformed record does not sink the rest."""
    try:
        data = json.loads(raw, strict=False)
    except json.JSONDecodeError as exc:
        raise ExtractionError(f"the model's answer is not JSON ({exc.msg} at {exc.pos})") from None
    if not isinstance(data, dict) or not isinstance(data.get("summary"), str):
        raise ExtractionError("the model's answer has no summary")
    rejected: list[Rejection] = []
    records: dict[str, list[Any]] = {}
    for kind, field_name in RECORD_FIELDS.items():
        values = data.get(field_name) or []
        records[field_name] = []
        for index, value in enumerate(values if isinstance(values, list) else [values]):
            try:
                records[field_name].append(_DRAFT_RECORD_TYPES[kind].model_validate(value))
            except ValidationError as exc:
                reason = f"{field_name}[{index}] is malformed: {_short_error(exc)}"
                rejected.append(Rejection(kind=kind, reason=reason, raw=json.dumps(value)))
    return Draft(summary=data["summary"], **records), rejected


def redact(message: str) -> str:
    """Error text from a server may echo a key; it never reaches logs or outputs."""
    return scrub_text(message).splitlines()[0] if message else message


_EXTRACTION_FAILURES = (InstructorRetryException, IncompleteOutputException, openai.APIError)


class SingleStrategy:
    """One call per chunk with the whole schema (see the module docstring)."""

    name = "single"

    def __init__(self, caller: Caller, config: Config, max_tokens: int) -> None:
        self.caller = caller
        self.backend = caller.backend
        self.config = config
        self.max_tokens = max_tokens
        self.prompt = load_prompt()

    def prompts(self) -> list[PromptRef]:
        return [PromptRef(self.prompt.id, self.prompt.sha256)]

    def request(self, article: Article, chunk: Chunk) -> dict[str, Any]:
        """The chat request for one chunk, before instructor adds its mode's fields."""
        return {
            "model": self.backend.model,
            "messages": build_messages(
                chunk.text, article.meta, part_number=chunk.number, part_count=chunk.count
            ),
            "temperature": self.config.temperature,
            "max_tokens": self.max_tokens,
        }

    def _scope(self, article: Article, chunk: Chunk) -> GroundingScope:
        return GroundingScope.of(article, chunk)

    def extract(self, article: Article, chunk: Chunk, tally: CallTally) -> ChunkResult:
        request = self.request(article, chunk)
        with self.caller.scope(tally) as calls:
            try:
                with grounded_in(self._scope(article, chunk)):
                    draft = self.caller.structured(Draft, self.config.max_reasks, **request)
                return ChunkResult(draft)
            except _EXTRACTION_FAILURES as error:
                return self._settle(error, article, chunk, calls.answers)

    async def aextract(self, article: Article, chunk: Chunk, tally: CallTally) -> ChunkResult:
        request = self.request(article, chunk)
        with self.caller.scope(tally) as calls:
            try:
                with grounded_in(self._scope(article, chunk)):
                    draft = await self.caller.astructured(Draft, self.config.max_reasks, **request)
                return ChunkResult(draft)
            except _EXTRACTION_FAILURES as error:
                return self._settle(error, article, chunk, calls.answers)

    def _settle(
        self, error: Exception, article: Article, chunk: Chunk, answers: list[ChatCompletion]
    ) -> ChunkResult:
        """What to make of a failed extraction: keep what is supported, or raise clearly.

        `answers` are this chunk's completions in order. A re-ask cut off at the token limit
        is not retried: the last complete answer is settled instead, and the cut noted.
        """
        notes: list[Rejection] = []
        if isinstance(error, IncompleteOutputException):
            complete = [a for a in answers if finish_reason(a) != "length"]
            if not complete:
                raise TruncatedOutputError.at_limit(
                    self.max_tokens, backend=self.backend.name, subject=article.meta.id
                ) from None
            answers = complete
            cut = f"a re-ask was cut off at max_tokens={self.max_tokens}"
            notes.append(
                Rejection(kind="output", reason=f"{cut}; kept the last complete answer", raw="")
            )
        elif not (isinstance(error, InstructorRetryException) and error.failed_attempts):
            cause = error.__cause__ if isinstance(error, InstructorRetryException) else error
            miss = find_replay_miss(error)
            if miss is not None:
                raise miss from None
            if isinstance(cause, SummarizerError):  # ours, raised below instructor: as is
                raise cause from None
            if isinstance(cause, openai.APIError):
                raise TransportError(
                    f"{self.backend.name} backend failed: {redact(str(cause))}",
                    subject=article.meta.id,
                ) from None
            raise error
        try:
            draft, malformed = parse_leniently(answer_text(answers[-1]))
        except ExtractionError as failure:
            raise ExtractionError(str(failure), subject=article.meta.id) from None
        # What the last answer still gets wrong is settled once, by the pipeline's `ground`
        # on the merged draft, where a record's evidence from every chunk is seen together.
        return ChunkResult(draft, [*notes, *malformed])
