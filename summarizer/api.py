"""The Python API: `summarize`, `asummarize` and `Summarizer`.

`Summarizer` holds a configured backend (and its HTTP client or loaded model) for repeated
use; the two functions build one for a single call. Sources are a path (text, HTML or
PDF), a URL, raw text or an `Article`; a corpus-style file's metadata header is parsed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from summarizer.articles import Article, article_from_text, fetch_article, is_url, read_article
from summarizer.backends import Backend, create_backend
from summarizer.config import Config
from summarizer.http.retry import RetryPolicy
from summarizer.pipeline import Pipeline
from summarizer.schemas import SCHEMA_VERSION, ArticleSummary

Source = str | Path | Article

# A string this short without a newline that names an existing file is a path, not text.
_MAX_PATH_LENGTH = 4096


def _names_a_file(source: str) -> bool:
    if len(source) >= _MAX_PATH_LENGTH or "\n" in source:
        return False
    try:
        return Path(source).exists()
    except OSError:  # e.g. a one-line text longer than a file name may be
        return False


def load_source(source: Source, *, published: str | dt.date | None = None) -> Article:
    """An `Article` from a path, URL, raw text or `Article` (`published` overrides its date)."""
    if isinstance(source, Article):
        if published is None:
            return source
        date = published if isinstance(published, dt.date) else dt.date.fromisoformat(published)
        return Article(
            source.text, source.meta.model_copy(update={"published": date}), source.header
        )
    if isinstance(source, Path) or _names_a_file(source):
        return read_article(source, published=published)
    if is_url(source):
        return fetch_article(source, published=published)
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]
    return article_from_text(source, article_id=f"text-{digest}", published=published)


class Summarizer:
    """A configured pipeline for repeated use.

    >>> with Summarizer(backend="openai", model="gpt-4o-mini") as s:
    ...     result = s.summarize("article.txt")

    Settings are those of `summarizer.config.Config` (pass `config=` or keyword arguments:
    `model`, `base_url`, `api_key`, `mode`, `strategy`, `max_tokens`, `max_reasks`,
    `context_tokens`, `recordings`, ...). `backend` may also be a ready `Backend`.
    `on_progress` hears what a slow strategy is doing ("step 3 of 12"), for a CLI to show.
    """

    def __init__(
        self,
        *,
        config: Config | None = None,
        backend: str | Backend | None = None,
        retry: RetryPolicy | None = None,
        on_progress: Callable[[str], None] | None = None,
        **settings: Any,
    ) -> None:
        ready = backend if not (backend is None or isinstance(backend, str)) else None
        named = backend if isinstance(backend, str) else None
        self.config = (config or Config()).with_options(backend=named, **settings)
        self.backend: Backend = ready or create_backend(
            self.config, retry=retry, on_progress=on_progress
        )
        self.pipeline = Pipeline(self.backend, self.config, on_progress=on_progress)

    def summarize(
        self, source: Source, *, published: str | dt.date | None = None
    ) -> ArticleSummary:
        return self.pipeline.run(load_source(source, published=published))

    async def asummarize(
        self, source: Source, *, published: str | dt.date | None = None
    ) -> ArticleSummary:
        return await self.pipeline.arun(load_source(source, published=published))

    def cache_key(self, article: Article) -> str:
        """Everything that determines the answer for `article`, hashed (for caches)."""
        return self.config.cache_key(
            article_sha256=article.sha256,
            published=article.meta.published.isoformat() if article.meta.published else None,
            prompts=[[p.id, p.sha256] for p in self.pipeline.prompts],
            schema_version=SCHEMA_VERSION,
            backend=self.backend.name,
            model=self.backend.model,
            mode=str(self.backend.mode.value),
            strategy=self.pipeline.strategy.name,
            max_tokens=self.pipeline.max_tokens,
            context_tokens=self.backend.context_tokens,
            server=self.backend.server,
        )

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Summarizer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def summarize(
    source: Source, *, published: str | dt.date | None = None, **options: Any
) -> ArticleSummary:
    """Summarize one article (a path, raw text or an `Article`); options as `Summarizer`."""
    with Summarizer(**options) as summarizer:
        return summarizer.summarize(source, published=published)


async def asummarize(
    source: Source, *, published: str | dt.date | None = None, **options: Any
) -> ArticleSummary:
    """The async twin of `summarize`."""
    with Summarizer(**options) as summarizer:
        return await summarizer.asummarize(source, published=published)
