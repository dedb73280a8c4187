"""What every backend is: the typed `Backend` protocol and the wire-format helpers they share.

A backend offers the pipeline a raw chat-completions `create` (and `acreate`) that returns
an OpenAI `ChatCompletion`, plus the instructor mode it supports. The pipeline wraps
`create` with instructor; backends know nothing about drafts.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import instructor
    from openai.types.chat import ChatCompletion


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do beyond plain chat completions."""

    parallel_calls: bool = True  # False: one model call at a time (an in-process model)
    logprobs: bool = False  # answers can carry token log-probabilities
    grammar: bool = False  # decoding can be constrained to a JSON schema


class Backend(Protocol):
    """What the pipeline needs from a backend. Its attributes are read-only here: a plain
    attribute satisfies them, and so does a wrapper that reads them through (metering)."""

    @property
    def name(self) -> str: ...

    @property
    def model(self) -> str: ...

    @property
    def mode(self) -> instructor.Mode: ...

    @property
    def context_tokens(self) -> int: ...

    @property
    def default_max_tokens(self) -> int: ...

    @property
    def server(self) -> str | None:
        """The server's URL; None for OpenAI itself and in-process models."""
        ...

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def base_url(self) -> str | None: ...

    @property
    def api_key(self) -> str | None:
        """Kept so that every redaction knows what to scrub."""
        ...

    def prepare_request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The request as sent, from instructor's `kwargs`: it may set or replace keys of
        `kwargs` but never changes a value nested in it (callers pass a shallow copy)."""
        ...

    def create(self, **kwargs: Any) -> ChatCompletion: ...

    async def acreate(self, **kwargs: Any) -> ChatCompletion: ...

    def count_tokens(self, text: str) -> int: ...

    def session(
        self, name: str, metadata: dict[str, Any]
    ) -> contextlib.AbstractContextManager[None]: ...

    def close(self) -> None: ...


def as_json_object_schema(response_format: dict[str, Any] | None) -> dict[str, Any] | None:
    """OpenAI's `json_schema` response format in llama.cpp's wire form.

    llama.cpp (in-process and its Python server) constrains decoding only for
    {"type": "json_object", "schema": ...} and rejects the `json_schema` type.
    """
    if not response_format or response_format.get("type") != "json_schema":
        return response_format
    return {"type": "json_object", "schema": response_format["json_schema"]["schema"]}


def repair_json_strings(completion: ChatCompletion) -> ChatCompletion:
    """Escape raw control characters inside the JSON strings of an answer.

    llama.cpp's JSON grammar lets a raw newline into a string, which strict JSON parsers
    (pydantic's among them) reject; the text itself is kept, only escaped. Answers that are
    not JSON are left for validation to report.
    """
    for choice in getattr(completion, "choices", None) or []:
        content = getattr(choice.message, "content", None)
        if content:
            with contextlib.suppress(json.JSONDecodeError):
                parsed = json.loads(content, strict=False)
                choice.message.content = json.dumps(parsed, ensure_ascii=False)
    return completion
