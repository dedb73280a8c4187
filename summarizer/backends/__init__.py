"""Backends: where the model runs, and how a backend is chosen.

Every backend offers the same thing to the pipeline: a raw chat-completions `create` (and
`acreate`) returning OpenAI-shaped completions, plus the instructor mode it supports.
The pipeline wraps `create` with instructor; backends know nothing about drafts.

- `openai`: the OpenAI API or any OpenAI-compatible server (`base_url`).
- `replay`: the same HTTP path, answered from recorded fixtures; never touches the network.
- `local`: an embedded llama.cpp model, output grammar-constrained to the schema.

Selection: an explicit name, else a configured key or base URL (`openai`), else `local`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import instructor

from summarizer.errors import ConfigurationError
from summarizer.transport import RetryPolicy

BACKEND_NAMES = ("openai", "local", "replay")
RESPONSE_FORMATS = ("json_object", "json_schema")

LOCAL_NOTICE = (
    "summarizer: no OPENAI_API_KEY or base URL set; using the embedded local model ({model}), "
    "which is small and weak. For useful accuracy set OPENAI_API_KEY, or point --base-url at "
    "an OpenAI-compatible server (Ollama, vLLM, llama.cpp)."
)


class Backend(Protocol):
    """What the pipeline needs from a backend."""

    name: str
    model: str
    mode: instructor.Mode
    context_tokens: int
    default_max_tokens: int
    server: str | None

    def prepare_request(self, kwargs: dict[str, Any]) -> dict[str, Any]: ...

    def create(self, **kwargs: Any) -> Any: ...

    async def acreate(self, **kwargs: Any) -> Any: ...

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


def repair_json_strings(completion: Any) -> Any:
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


def parse_mode(value: str | None) -> instructor.Mode | None:
    if value is None:
        return None
    modes = {
        "tools": instructor.Mode.TOOLS,
        "json": instructor.Mode.JSON,
        "json_schema": instructor.Mode.JSON_SCHEMA,
        "md_json": instructor.Mode.MD_JSON,
    }
    try:
        return modes[value.lower()]
    except KeyError:
        raise ConfigurationError(
            f"unknown mode {value!r}; choose one of: {', '.join(modes)}"
        ) from None


def choose_backend_name(
    name: str | None, *, api_key: str | None, base_url: str | None, recordings: Path | None
) -> str:
    """The SPEC's rule: explicit flag, else a configured key/base URL, else local."""
    if name is not None:
        if name not in BACKEND_NAMES:
            raise ConfigurationError(
                f"unknown backend {name!r}; choose one of: {', '.join(BACKEND_NAMES)}"
            )
        return name
    if recordings is not None:
        return "replay"
    if api_key or base_url or os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"):
        return "openai"
    return "local"


def stderr_notice(message: str) -> None:
    print(message, file=sys.stderr)


def create_backend(
    name: str | None = None,
    *,
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    mode: str | None = None,
    recordings: str | Path | None = None,
    record_mode: str = "replay",
    retry: RetryPolicy | None = None,
    timeout: float = 600.0,
    context_tokens: int | None = None,
    seed: int = 0,
    response_format: str = "json_object",
    notice: Callable[[str], None] = stderr_notice,
) -> Backend:
    """Build the backend the options ask for (see the module docstring for the rule)."""
    recordings_path = Path(recordings) if recordings is not None else None
    chosen = choose_backend_name(
        name, api_key=api_key, base_url=base_url, recordings=recordings_path
    )
    if chosen == "local":
        from summarizer.backends.local import LocalBackend

        backend: Backend = LocalBackend(
            model_path=model, context_tokens=context_tokens, seed=seed, mode=parse_mode(mode)
        )
        if name is None:
            notice(LOCAL_NOTICE.format(model=backend.model))
        return backend

    from summarizer.backends.openai_compat import OpenAICompatBackend

    if chosen == "replay":
        if recordings_path is None:
            raise ConfigurationError("the replay backend needs --recordings DIR")
        return OpenAICompatBackend.for_replay(
            recordings_path, model=model, mode=parse_mode(mode), context_tokens=context_tokens
        )
    return OpenAICompatBackend(
        model=model,
        base_url=base_url,
        api_key=api_key,
        mode=parse_mode(mode),
        recordings=recordings_path,
        record_mode=record_mode,
        retry=retry,
        timeout=timeout,
        context_tokens=context_tokens,
        seed=seed,
        response_format=response_format,
    )
