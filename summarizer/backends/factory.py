"""Choosing and building the backend a `Config` asks for.

The SPEC's rule: an explicit backend name, else a configured key or base URL (`openai`),
else `local` (with a notice on stderr, since the embedded model is small and weak).
Backend modules are imported only when chosen, so nothing loads a model SDK it won't use.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from summarizer.config import Config
from summarizer.errors import ConfigurationError

if TYPE_CHECKING:
    import instructor

    from summarizer.backends.base import Backend
    from summarizer.http.retry import RetryPolicy

LOCAL_NOTICE = (
    "summarizer: no OPENAI_API_KEY or base URL set; using the embedded local model ({model}), "
    "which is small and weak. For useful accuracy set OPENAI_API_KEY, or point --base-url at "
    "an OpenAI-compatible server (Ollama, vLLM, llama.cpp)."
)


def stderr_notice(message: str) -> None:
    print(message, file=sys.stderr)


def parse_mode(value: str | None) -> instructor.Mode | None:
    if value is None:
        return None
    import instructor

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


def choose_backend_name(config: Config) -> str:
    """The backend `config` asks for (see the module docstring for the rule)."""
    if config.backend is not None:
        return config.backend
    if config.recordings is not None:
        return "replay"
    if config.api_key or config.base_url:
        return "openai"
    return "local"


def create_backend(
    config: Config,
    *,
    retry: RetryPolicy | None = None,
    notice: Callable[[str], None] = stderr_notice,
    on_progress: Callable[[str], None] | None = None,
) -> Backend:
    """Build the backend `config` asks for; environment defaults fill what it leaves open."""
    config = config.with_env()
    chosen = choose_backend_name(config)
    if chosen == "local":
        from summarizer.backends.local import LocalBackend

        backend: Backend = LocalBackend(
            model_path=config.model,
            context_tokens=config.context_tokens,
            seed=config.seed,
            mode=parse_mode(config.mode),
            on_progress=on_progress,
        )
        if config.backend is None:
            notice(LOCAL_NOTICE.format(model=backend.model))
        return backend

    from summarizer.backends.openai_compat import OpenAICompatBackend

    if chosen == "replay":
        if config.recordings is None:
            raise ConfigurationError("the replay backend needs --recordings DIR")
        return OpenAICompatBackend.for_replay(
            config.recordings,
            model=config.model,
            mode=parse_mode(config.mode),
            context_tokens=config.context_tokens,
        )
    return OpenAICompatBackend(
        model=config.model,
        base_url=config.base_url,
        api_key=config.api_key,
        mode=parse_mode(config.mode),
        recordings=config.recordings,
        record_mode=config.record_mode,
        retry=retry,
        timeout=config.timeout,
        context_tokens=config.context_tokens,
        seed=config.seed,
        response_format=config.response_format,
    )
