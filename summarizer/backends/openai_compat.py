"""The OpenAI backend: the official `openai` SDK against OpenAI or any compatible server.

Transport faults are retried below the SDK (see `transport`), so the SDK runs with
`max_retries=0` and instructor only ever sees final answers. Recording and replay sit at
the same HTTP layer (see `recording`), so the `replay` backend is this class with a
recorder that refuses the network.

Modes: OpenAI itself gets instructor's TOOLS mode. Other servers get JSON_SCHEMA mode: the
schema goes as a response format, by default in the form llama.cpp's server accepts
(`{"type": "json_object", "schema": ...}`; it rejects the `json_schema` type). vLLM, Ollama
and LM Studio also take OpenAI's own form: `response_format="json_schema"`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any

import instructor
import openai
from openai.types.chat import ChatCompletion

from summarizer.backends.base import Capabilities, as_json_object_schema, repair_json_strings
from summarizer.config import RESPONSE_FORMATS
from summarizer.errors import ConfigurationError
from summarizer.http.bodies import check_completion
from summarizer.http.client import (
    SLOW_SERVER_READ_TIMEOUT,
    build_async_http_client,
    build_http_client,
    make_timeout,
)
from summarizer.http.recording import Recorder
from summarizer.http.retry import RetryPolicy
from summarizer.redaction import register_secret

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
# llama.cpp servers default to a repeat penalty of 1.1, which punishes copying the article's
# words verbatim: exactly what extraction asks for. 1.0 turns it off and matches the local
# backend; vLLM and Ollama ignore the field.
COMPATIBLE_SERVER_SAMPLING = {"repeat_penalty": 1.0}
DEFAULT_CONTEXT_TOKENS = 128_000
DEFAULT_MAX_TOKENS = 4096
OPENAI_API_BASE = "https://api.openai.com/v1"
# The replay backend needs a URL for the SDK; the recorder answers before any connection.
REPLAY_BASE_URL = "http://replay.invalid/v1"
_PLACEHOLDER_KEY = "not-needed"


def is_openai_api(base_url: str) -> bool:
    return base_url.rstrip("/").startswith(OPENAI_API_BASE)


class OpenAICompatBackend:
    """OpenAI or an OpenAI-compatible server, through the official SDK."""

    default_max_tokens = DEFAULT_MAX_TOKENS
    capabilities = Capabilities(parallel_calls=True, logprobs=True, grammar=True)

    def __init__(
        self,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        mode: instructor.Mode | None = None,
        recordings: Path | None = None,
        record_mode: str = "replay",
        retry: RetryPolicy | None = None,
        timeout: float | None = None,
        context_tokens: int | None = None,
        seed: int = 0,
        response_format: str = "json_object",
        name: str = "openai",
        recorder: Recorder | None = None,
    ) -> None:
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_API_BASE
        api_key = api_key or os.environ.get("OPENAI_API_KEY")
        if not api_key:
            if is_openai_api(self.base_url):
                raise ConfigurationError(
                    "the openai backend needs OPENAI_API_KEY (or --base-url for another server)"
                )
            api_key = _PLACEHOLDER_KEY  # local servers ignore it; the SDK insists on one
        self.api_key: str | None = api_key
        self.name = name
        self.model = model or os.environ.get("OPENAI_MODEL") or DEFAULT_OPENAI_MODEL
        self.server = None if is_openai_api(self.base_url) else self.base_url
        self.mode = mode or (
            instructor.Mode.TOOLS if is_openai_api(self.base_url) else instructor.Mode.JSON_SCHEMA
        )
        if response_format not in RESPONSE_FORMATS:
            choices = " or ".join(RESPONSE_FORMATS)
            raise ConfigurationError(
                f"unknown response format {response_format!r}; choose {choices}"
            )
        self.response_format = response_format
        self.context_tokens = context_tokens or DEFAULT_CONTEXT_TOKENS
        self.seed = seed
        self.sampling_extras = dict(COMPATIBLE_SERVER_SAMPLING) if self.server else {}
        if recorder is None and recordings is not None:
            recorder = Recorder(recordings, record_mode)  # type: ignore[arg-type]
        self.recorder = recorder
        policy = retry or RetryPolicy()
        http_timeout = make_timeout(
            timeout
            if timeout is not None
            else (None if self.server is None else SLOW_SERVER_READ_TIMEOUT)
        )
        register_secret(api_key)  # redacted wherever it would be shown
        self._client = openai.OpenAI(
            base_url=self.base_url,
            api_key=api_key,
            max_retries=0,
            timeout=http_timeout,
            http_client=build_http_client(policy=policy, recorder=recorder, timeout=http_timeout),
        )
        self._async_settings = (api_key, policy, http_timeout)
        self._async_client: tuple[asyncio.AbstractEventLoop, openai.AsyncOpenAI] | None = None

    @classmethod
    def for_replay(
        cls,
        recordings: Path,
        *,
        model: str | None = None,
        mode: instructor.Mode | None = None,
        context_tokens: int | None = None,
    ) -> OpenAICompatBackend:
        """Answer only from recordings in `recordings`; a miss is an error, never a call."""
        recorder = Recorder(recordings, "replay")
        backend = cls(
            model=model or recorder.default_model(),
            base_url=REPLAY_BASE_URL,
            api_key=_PLACEHOLDER_KEY,
            mode=mode,
            context_tokens=context_tokens,
            name="replay",
            recorder=recorder,
        )
        # A replay must send what the recordings sent: the request body is the key.
        recorded_max_tokens = recorder.request_default("max_tokens")
        if isinstance(recorded_max_tokens, int):
            backend.default_max_tokens = recorded_max_tokens
        backend.sampling_extras = {
            name: value
            for name in COMPATIBLE_SERVER_SAMPLING
            if (value := recorder.request_default(name)) is not None
        }
        return backend

    def prepare_request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The SDK arguments for instructor's `kwargs`: wire format, seed, server extras."""
        if self.response_format == "json_object" and "response_format" in kwargs:
            kwargs["response_format"] = as_json_object_schema(kwargs["response_format"])
        kwargs.setdefault("seed", self.seed)
        if self.sampling_extras:
            kwargs["extra_body"] = {**self.sampling_extras, **kwargs.get("extra_body", {})}
        return kwargs

    def create(self, **kwargs: Any) -> ChatCompletion:
        completion = self._client.chat.completions.create(**self.prepare_request(kwargs))
        return repair_json_strings(check_completion(completion, self.server))

    async def acreate(self, **kwargs: Any) -> ChatCompletion:
        client = self._async_client_for_this_loop()
        completion = await client.chat.completions.create(**self.prepare_request(kwargs))
        return repair_json_strings(check_completion(completion, self.server))

    def _async_client_for_this_loop(self) -> openai.AsyncOpenAI:
        """An async client belongs to the event loop it first ran in: a new loop gets a new one."""
        loop = asyncio.get_running_loop()
        if self._async_client is None or self._async_client[0] is not loop:
            api_key, policy, timeout = self._async_settings
            client = openai.AsyncOpenAI(
                base_url=self.base_url,
                api_key=api_key,
                max_retries=0,
                timeout=timeout,
                http_client=build_async_http_client(
                    policy=policy, recorder=self.recorder, timeout=timeout
                ),
            )
            self._async_client = (loop, client)
        return self._async_client[1]

    def session(
        self, name: str, metadata: dict[str, Any]
    ) -> contextlib.AbstractContextManager[None]:
        if self.recorder is None:
            return contextlib.nullcontext()
        return self.recorder.session(name, metadata)

    def completions_client(self) -> openai.OpenAI:
        """The SDK client, for raw `/v1/completions` (its HTTP stack records and replays)."""
        return self._client

    def count_tokens(self, text: str) -> int:
        # About four characters a token in English; only used to decide when to split.
        return len(text) // 4 + 1

    def close(self) -> None:
        self._client.close()
