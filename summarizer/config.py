"""One frozen `Config`: every setting that changes an answer, checked once.

A `Config` is built once — from keyword arguments (`Config.from_kwargs`, the Python API),
from command-line options (the CLI passes what the user gave to `from_kwargs`) or with
environment defaults (`with_env`) — and then handed around whole: to the backend factory,
the pipeline, worker processes (it pickles) and the cache (`cache_key`). Invalid values are
a `ConfigurationError` with one line naming the setting, before anything is loaded or paid.

The API key is held but never shown (`repr`) and never part of a key or a comparison.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from summarizer.canonical import canonical_sha256
from summarizer.errors import ConfigurationError

DEFAULT_STORE_PATH = Path(".summarizer") / "store.db"

BACKEND_NAMES = ("openai", "local", "replay")
STRATEGY_NAMES = ("auto", "single", "decomposed")
MODE_NAMES = ("tools", "json", "json_schema", "md_json")
RESPONSE_FORMATS = ("json_object", "json_schema")
RECORD_MODES = ("replay", "record", "auto")


def _choice(name: str, value: str | None, choices: tuple[str, ...]) -> None:
    if value is not None and value not in choices:
        raise ConfigurationError(f"unknown {name} {value!r}; choose one of: {', '.join(choices)}")


def _at_least(name: str, value: float | None, minimum: float) -> None:
    if value is not None and (not math.isfinite(value) or value < minimum):
        raise ConfigurationError(f"{name} must be at least {minimum:g} (got {value:g})")


def check_base_url(url: str) -> None:
    """An http(s) URL with a host, or a one-line ConfigurationError saying what is wrong."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises on a port that is not a number
    except ValueError as error:
        raise ConfigurationError(f"--base-url {url!r} is not a valid URL ({error})") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigurationError(
            f"--base-url {url!r} is not an http(s) URL with a host, e.g. http://127.0.0.1:8080/v1"
        )
    if parts.username or parts.password:
        raise ConfigurationError(
            "--base-url must not carry credentials; pass the key as OPENAI_API_KEY"
        )


@dataclass(frozen=True)
class Config:
    """Everything that decides which model answers and how (see the module docstring)."""

    backend: str | None = None  # None: openai if a key or base URL is set, else local
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False, compare=False)
    mode: str | None = None  # None: the backend's own choice
    response_format: str = "json_object"
    strategy: str = "auto"
    recordings: Path | None = None
    record_mode: str = "replay"
    temperature: float = 0.0
    max_tokens: int | None = None  # None: the backend's default
    max_reasks: int = 2
    context_tokens: int | None = None  # None: the backend's default
    seed: int = 0
    timeout: float | None = None  # seconds to connect / to answer (None: http.client's)

    def __post_init__(self) -> None:
        _choice("backend", self.backend, BACKEND_NAMES)
        _choice("strategy", self.strategy, STRATEGY_NAMES)
        _choice("mode", self.mode.lower() if self.mode else None, MODE_NAMES)
        _choice("response format", self.response_format, RESPONSE_FORMATS)
        _choice("record mode", self.record_mode, RECORD_MODES)
        _at_least("--max-tokens", self.max_tokens, 1)
        _at_least("--max-reasks", self.max_reasks, 0)
        _at_least("--context-tokens", self.context_tokens, 1)
        _at_least("--timeout", self.timeout, 0.001)
        _at_least("temperature", self.temperature, 0)
        if self.base_url is not None:
            check_base_url(self.base_url)
        if self.backend == "replay" and self.recordings is None:
            raise ConfigurationError("the replay backend needs --recordings DIR")
        if self.recordings is not None and not isinstance(self.recordings, Path):
            object.__setattr__(self, "recordings", Path(self.recordings))

    @classmethod
    def from_kwargs(cls, **options: Any) -> Config:
        """A Config from keyword arguments; None means "not given" (the default applies)."""
        return cls().with_options(**options)

    def with_options(self, **options: Any) -> Config:
        """This Config with the given settings changed; None means "not given"."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(options) - names)
        if unknown:
            raise ConfigurationError(f"unknown setting(s): {', '.join(unknown)}")
        return self.replace(**{name: value for name, value in options.items() if value is not None})

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)

    def with_env(self, environ: Mapping[str, str] | None = None) -> Config:
        """Fill the key and base URL, if not given, from OPENAI_API_KEY and OPENAI_BASE_URL.

        (OPENAI_MODEL is read by the OpenAI backend itself: it means nothing to `local`.)
        """
        env = os.environ if environ is None else environ
        return self.replace(
            api_key=self.api_key or env.get("OPENAI_API_KEY") or None,
            base_url=self.base_url or env.get("OPENAI_BASE_URL") or None,
        )

    def answer_settings(self) -> dict[str, Any]:
        """The settings that decide an answer (no key, no file locations), for cache keys."""
        return {
            "backend": self.backend,
            "model": self.model,
            "base_url": self.base_url.rstrip("/") if self.base_url else None,
            "mode": self.mode,
            "response_format": self.response_format,
            "strategy": self.strategy,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "max_reasks": self.max_reasks,
            "context_tokens": self.context_tokens,
            "seed": self.seed,
        }

    def cache_key(self, **determinants: Any) -> str:
        """sha256 of `answer_settings()` plus what else decides the answer (article, prompt)."""
        return canonical_sha256({**self.answer_settings(), **determinants})
