"""The single-article pipeline: article -> prompt -> backend -> validate/re-ask -> ground ->
normalize -> `ArticleSummary` with provenance.

- The model answers a `Draft` (spans and labels). Its validator grounds every record in the
  article; instructor re-asks with the errors, at most `max_reasks` times.
- What still fails after the last re-ask is dropped and listed in `provenance.rejected`.
- Transport faults never get here as re-asks: they are retried below the SDK, and what
  survives that becomes a `TransportError`. Truncated output is a `TruncatedOutputError`.
- An article longer than the backend's context budget is split at paragraph boundaries;
  each part is extracted alone, duplicates are merged, offsets refer to the whole article.

Sync and async runs share every step but the model call.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel, ValidationError

from summarizer import __version__
from summarizer.articles import Article
from summarizer.assemble import assemble
from summarizer.backends import Backend
from summarizer.drafts import RECORD_FIELDS, Draft, DraftAid, DraftEvent, DraftQuote, DraftTransfer
from summarizer.errors import ExtractionError, TransportError, TruncatedOutputError
from summarizer.extract.merge import merge_drafts
from summarizer.grounding import GroundingScope, grounded_in, partition_draft
from summarizer.prompting import build_messages, load_prompt
from summarizer.recording import find_replay_miss, scrub_text
from summarizer.schemas import (
    SCHEMA_VERSION,
    ArticleSummary,
    Provenance,
    RecordKind,
    Rejection,
    Usage,
)

# Room kept for the system prompt, the schema and the chat template around the article.
PROMPT_OVERHEAD_TOKENS = 3000
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Settings:
    """Everything besides the backend that determines the model's answer."""

    temperature: float = 0.0
    max_tokens: int | None = None  # None: the backend's default
    max_reasks: int = 2


@dataclass(frozen=True)
class CallRecord:
    """One model call (a first ask or a re-ask), for ledgers and progress displays."""

    article_id: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str | None


CallHook = Callable[[CallRecord], None]


@dataclass
class _Tally:
    """Calls and tokens spent on one article, counted as the answers arrive."""

    article_id: str
    model: str
    on_call: CallHook | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    completions: list[Any] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return len(self.completions)

    def count(self, completion: Any) -> Any:
        usage = getattr(completion, "usage", None)
        prompt = getattr(usage, "prompt_tokens", 0) or 0
        answer = getattr(usage, "completion_tokens", 0) or 0
        self.completions.append(completion)
        self.prompt_tokens += prompt
        self.completion_tokens += answer
        if self.on_call is not None:
            choices = getattr(completion, "choices", None) or [None]
            self.on_call(
                CallRecord(
                    article_id=self.article_id,
                    model=self.model,
                    prompt_tokens=prompt,
                    completion_tokens=answer,
                    finish_reason=getattr(choices[0], "finish_reason", None),
                )
            )
        return completion


@dataclass
class _PartResult:
    draft: Draft
    rejected: list[Rejection] = field(default_factory=list)


# --- splitting long articles -------------------------------------------------------------


def split_paragraphs(text: str) -> list[str]:
    """The paragraphs of `text`; a paragraph ends at a blank line."""
    return [paragraph.strip() for paragraph in re.split(r"\n\s*\n", text) if paragraph.strip()]


def split_article(text: str, budget: int, count_tokens: Callable[[str], int]) -> list[str]:
    """Cut `text` into parts of at most `budget` tokens, at paragraph boundaries.

    A single paragraph over budget is cut at sentence ends instead.
    """
    if count_tokens(text) <= budget:
        return [text]
    pieces: list[str] = []
    for paragraph in split_paragraphs(text):
        if count_tokens(paragraph) <= budget:
            pieces.append(paragraph)
        else:
            pieces.extend(_SENTENCE_END.split(paragraph))
    parts: list[str] = []
    current: list[str] = []
    for piece in pieces:
        candidate = "\n\n".join([*current, piece])
        if current and count_tokens(candidate) > budget:
            parts.append("\n\n".join(current))
            current = [piece]
        else:
            current.append(piece)
    if current:
        parts.append("\n\n".join(current))
    return parts


# --- reading the model's answer ----------------------------------------------------------


def answer_text(completion: Any) -> str:
    """The JSON text of an answer, whether it came as content or as a tool call."""
    message = completion.choices[0].message
    tool_calls = getattr(message, "tool_calls", None)
    if tool_calls:
        return str(tool_calls[0].function.arguments)
    return str(message.content or "")


_DRAFT_RECORD_TYPES: dict[RecordKind, type[BaseModel]] = {
    "event": DraftEvent,
    "aid": DraftAid,
    "transfer": DraftTransfer,
    "quote": DraftQuote,
}


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


def _answered_at(completions: list[Any]) -> dt.datetime:
    """When the model answered (the answers' own `created`), so replays are byte-identical."""
    stamps = [c.created for c in completions if isinstance(getattr(c, "created", None), int)]
    if not stamps:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    return dt.datetime.fromtimestamp(max(stamps), dt.UTC)


# --- the pipeline ----------------------------------------------------------------------------


class Pipeline:
    """Runs one backend over articles; holds nothing per article between runs."""

    def __init__(
        self, backend: Backend, settings: Settings | None = None, *, on_call: CallHook | None = None
    ) -> None:
        self.backend = backend
        self.settings = settings or Settings()
        self.on_call = on_call
        self.prompt = load_prompt()
        self.max_tokens = self.settings.max_tokens or backend.default_max_tokens

    def parts(self, article: Article) -> list[str]:
        budget = self.backend.context_tokens - self.max_tokens - PROMPT_OVERHEAD_TOKENS
        return split_article(article.text, max(budget, 256), self.backend.count_tokens)

    def request(self, article: Article, part: str, number: int, count: int) -> dict[str, Any]:
        """The chat request for one part, before instructor adds its mode's fields."""
        return {
            "model": self.backend.model,
            "messages": build_messages(part, article.meta, part_number=number, part_count=count),
            "temperature": self.settings.temperature,
            "max_tokens": self.max_tokens,
        }

    def _part_requests(self, article: Article) -> list[tuple[str, dict[str, Any]]]:
        parts = self.parts(article)
        return [
            (part, self.request(article, part, number, len(parts)))
            for number, part in enumerate(parts, start=1)
        ]

    def _scope(self, article: Article, part: str) -> GroundingScope:
        published = article.meta.published.isoformat() if article.meta.published else None
        return GroundingScope(text=part, published=published)

    def _settle(
        self, error: Exception, article: Article, part: str, answers: list[Any]
    ) -> _PartResult:
        """What to make of a failed extraction: keep what is supported, or raise clearly.

        `answers` are this part's completions in order. A re-ask cut off at the token limit
        is not retried: the last complete answer is settled instead, and the cut noted.
        """
        notes: list[Rejection] = []
        if isinstance(error, IncompleteOutputException):
            complete = [a for a in answers if a.choices[0].finish_reason != "length"]
            if not complete:
                raise TruncatedOutputError(
                    f"{article.meta.id}: the model's answer was cut off at max_tokens="
                    f"{self.max_tokens} (finish_reason=length); raise --max-tokens"
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
            if isinstance(cause, openai.APIError):
                raise TransportError(
                    f"{article.meta.id}: {self.backend.name} backend failed: {redact(str(cause))}"
                ) from None
            raise error
        try:
            draft, malformed = parse_leniently(answer_text(answers[-1]))
        except ExtractionError as failure:
            raise ExtractionError(f"{article.meta.id}: {failure}") from None
        scope = self._scope(article, part)
        kept, unsupported = partition_draft(draft, scope.text, published=scope.published)
        return _PartResult(kept, [*notes, *malformed, *unsupported])

    def _extract(self, article: Article, tally: _Tally) -> list[_PartResult]:
        create = instructor.patch(
            create=lambda **kw: tally.count(self.backend.create(**kw)), mode=self.backend.mode
        )
        results = []
        for part, request in self._part_requests(article):
            first_answer = len(tally.completions)
            try:
                with grounded_in(self._scope(article, part)):
                    draft = create(
                        response_model=Draft, max_retries=self.settings.max_reasks, **request
                    )
                results.append(_PartResult(draft))
            except (InstructorRetryException, IncompleteOutputException, openai.APIError) as error:
                answers = tally.completions[first_answer:]
                results.append(self._settle(error, article, part, answers))
        return results

    async def _aextract(self, article: Article, tally: _Tally) -> list[_PartResult]:
        async def counted(**kw: Any) -> Any:
            return tally.count(await self.backend.acreate(**kw))

        create = instructor.patch(create=counted, mode=self.backend.mode)
        results = []
        for part, request in self._part_requests(article):
            first_answer = len(tally.completions)
            try:
                with grounded_in(self._scope(article, part)):
                    draft = await create(  # type: ignore[misc]  # patch() keeps sync types
                        response_model=Draft, max_retries=self.settings.max_reasks, **request
                    )
                results.append(_PartResult(draft))
            except (InstructorRetryException, IncompleteOutputException, openai.APIError) as error:
                answers = tally.completions[first_answer:]
                results.append(self._settle(error, article, part, answers))
        return results

    def run(self, article: Article) -> ArticleSummary:
        tally = self._tally(article)
        with self._session(article):
            results = self._extract(article, tally)
        return self._assemble(article, results, tally)

    async def arun(self, article: Article) -> ArticleSummary:
        tally = self._tally(article)
        with self._session(article):
            results = await self._aextract(article, tally)
        return self._assemble(article, results, tally)

    def _session(self, article: Article) -> AbstractContextManager[None]:
        """Recording backends file this article's exchanges together."""
        return self.backend.session(
            article.meta.id,
            {"prompt_id": self.prompt.id, "prompt_sha256": self.prompt.sha256,
             "model": self.backend.model, "server": self.backend.server},
        )  # fmt: skip

    def _tally(self, article: Article) -> _Tally:
        return _Tally(article_id=article.meta.id, model=self.backend.model, on_call=self.on_call)

    def _assemble(
        self, article: Article, results: list[_PartResult], tally: _Tally
    ) -> ArticleSummary:
        draft = merge_drafts([r.draft for r in results])
        records = assemble(article, draft)
        return ArticleSummary(
            article=article.meta,
            summary=draft.summary.strip(),
            events=records.events,
            aid=records.aid,
            transfers=records.transfers,
            quotes=records.quotes,
            provenance=Provenance(
                backend=self.backend.name,
                model=self.backend.model,
                prompt_id=self.prompt.id,
                prompt_sha256=self.prompt.sha256,
                schema_version=SCHEMA_VERSION,
                package_version=__version__,
                created_at=_answered_at(tally.completions),
                usage=Usage(
                    prompt_tokens=tally.prompt_tokens,
                    completion_tokens=tally.completion_tokens,
                    calls=tally.calls,
                ),
                attempts=tally.calls,
                rejected=[r for result in results for r in result.rejected] + records.notes,
            ),
        )
