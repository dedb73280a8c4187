"""Every structured model call goes through one `Caller`.

The `Caller` sets instructor up once per backend (sync and async) and listens to
instructor's own hooks: each completion instructor receives — a first ask or a re-ask — is
counted in the `CallScope` of the article being read (tokens, finish reason) and kept, so a
strategy can settle on the last complete answer when re-asks run out. Scopes live in a
context variable, so concurrent articles in one event loop never count each other's calls.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import instructor
from instructor.core.hooks import Hooks
from pydantic import BaseModel

from summarizer import instructor_checks
from summarizer.extract.base import CallTally

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion

    from summarizer.backends.base import Backend

Model = TypeVar("Model", bound=BaseModel)

instructor_checks.install()


@dataclass
class CallScope:
    """The calls made for one piece of work (a chunk): counted in `tally`, kept in `answers`."""

    tally: CallTally
    answers: list[ChatCompletion] = field(default_factory=list)


_scope: ContextVar[CallScope | None] = ContextVar("summarizer_call_scope", default=None)


def finish_reason(completion: ChatCompletion) -> str | None:
    choices = getattr(completion, "choices", None) or [None]
    return getattr(choices[0], "finish_reason", None)


def _count(response: Any) -> None:
    scope = _scope.get()
    if scope is None:
        return
    usage = getattr(response, "usage", None)
    scope.answers.append(response)
    scope.tally.add(
        getattr(usage, "prompt_tokens", 0) or 0,
        getattr(usage, "completion_tokens", 0) or 0,
        finish_reason(response),
        created if isinstance(created := getattr(response, "created", None), int) else None,
    )


class Caller:
    """instructor over one backend, patched once; structured calls counted per scope."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        # The patched functions themselves, not an `Instructor` client around them: the client
        # only adds a second scan of the response model on every call (a hot path in batches).
        self._create = instructor.patch(create=backend.create, mode=backend.mode)
        self._acreate = instructor.patch(create=backend.acreate, mode=backend.mode)
        self._hooks = Hooks()
        self._hooks.on("completion:response", _count)

    @staticmethod
    @contextlib.contextmanager
    def scope(tally: CallTally) -> Iterator[CallScope]:
        """Count (and keep) every completion made inside this block."""
        scope = CallScope(tally)
        token = _scope.set(scope)
        try:
            yield scope
        finally:
            _scope.reset(token)

    def structured(self, response_model: type[Model], max_retries: int, **request: Any) -> Model:
        answer: Model = self._create(
            response_model=response_model, max_retries=max_retries, hooks=self._hooks, **request
        )
        return answer

    async def astructured(
        self, response_model: type[Model], max_retries: int, **request: Any
    ) -> Model:
        answer: Model = await self._acreate(  # type: ignore[misc]  # patch() keeps sync types
            response_model=response_model, max_retries=max_retries, hooks=self._hooks, **request
        )
        return answer
