"""The single-article pipeline, thin: chunks -> strategy -> merge -> ground -> assemble.

- The article is cut into `Chunk`s that fit the backend's context (offsets kept).
- A strategy (`extract/`: `single` or `decomposed`) turns each chunk into a `Draft` and
  lists what it already rejected; `auto` picks `decomposed` for the in-process local model
  and `single` elsewhere.
- The chunks' drafts are merged; `assemble` turns the checked draft into the public
  records; provenance says which backend, model, strategy and prompts made the result,
  what it cost and what was rejected.

Sync and async runs share every step but the model calls.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from summarizer._version import package_version
from summarizer.articles import Article
from summarizer.assemble import assemble
from summarizer.chunking import Chunk, chunk_article
from summarizer.config import Config
from summarizer.extract.base import CallTally, ChunkResult, Strategy
from summarizer.extract.merge import merge_drafts
from summarizer.grounding import GroundingScope, ground
from summarizer.schemas import SCHEMA_VERSION, ArticleSummary, PromptStep, Provenance, Usage

if TYPE_CHECKING:
    from collections.abc import Callable

    from summarizer.backends.base import Backend

    ProgressHook = Callable[[str], None]  # hears "step k of n" and the like, for a CLI

# Room kept for the system prompt, the schema and the chat template around the article.
PROMPT_OVERHEAD_TOKENS = 3000
# The smallest chunk budget: a context too small for the prompt still gets chunks this big.
MIN_PART_TOKENS = 64


def _answered_at(stamps: list[int]) -> dt.datetime:
    """When the model answered (the answers' own `created`), so replays are byte-identical."""
    if not stamps:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    return dt.datetime.fromtimestamp(max(stamps), dt.UTC)


def resolve_strategy(name: str, backend: Backend) -> str:
    """`auto` is `decomposed` for an in-process model (one call at a time), else `single`."""
    if name != "auto":
        return name
    return "single" if backend.capabilities.parallel_calls else "decomposed"


def make_strategy(
    name: str,
    backend: Backend,
    config: Config,
    max_tokens: int,
    *,
    on_progress: ProgressHook | None = None,
) -> Strategy:
    if name == "decomposed":
        from summarizer.extract.decomposed import decomposed_strategy

        return decomposed_strategy(backend, on_progress=on_progress)
    from summarizer.extract.single import SingleStrategy
    from summarizer.llm import Caller

    return SingleStrategy(Caller(backend), config, max_tokens)


class Pipeline:
    """Runs one backend over articles; holds nothing per article between runs."""

    def __init__(
        self,
        backend: Backend,
        config: Config | None = None,
        *,
        strategy: Strategy | None = None,
        on_progress: ProgressHook | None = None,
    ) -> None:
        self.backend = backend
        self.config = config or Config()
        self.max_tokens = self.config.max_tokens or backend.default_max_tokens
        self.strategy = strategy or make_strategy(
            resolve_strategy(self.config.strategy, backend), backend, self.config,
            self.max_tokens, on_progress=on_progress,
        )  # fmt: skip
        self.prompts = self.strategy.prompts()

    def chunks(self, article: Article) -> list[Chunk]:
        budget = self.backend.context_tokens - self.max_tokens - PROMPT_OVERHEAD_TOKENS
        return chunk_article(article.text, max(budget, MIN_PART_TOKENS), self.backend.count_tokens)

    def run(self, article: Article) -> ArticleSummary:
        tally = CallTally()
        with self._session(article):
            results = [self.strategy.extract(article, c, tally) for c in self.chunks(article)]
        return self._assemble(article, results, tally)

    async def arun(self, article: Article) -> ArticleSummary:
        tally = CallTally()
        with self._session(article):
            results = [
                await self.strategy.aextract(article, c, tally) for c in self.chunks(article)
            ]
        return self._assemble(article, results, tally)

    def _session(self, article: Article) -> AbstractContextManager[None]:
        """Recording backends file this article's exchanges together."""
        first = self.prompts[0]
        return self.backend.session(
            article.meta.id,
            {"prompt_id": first.id, "prompt_sha256": first.sha256,
             "model": self.backend.model, "server": self.backend.server},
        )  # fmt: skip

    def _assemble(
        self, article: Article, results: list[ChunkResult], tally: CallTally
    ) -> ArticleSummary:
        draft = merge_drafts([r.draft for r in results])
        # Grounded once, on the merged draft, against the whole article.
        grounded = ground(draft, GroundingScope.of(article))
        records = assemble(article, grounded)
        first = self.prompts[0]
        return ArticleSummary(
            article=article.meta,
            summary=grounded.summary.strip(),
            events=records.events,
            aid=records.aid,
            transfers=records.transfers,
            quotes=records.quotes,
            provenance=Provenance(
                backend=self.backend.name,
                model=self.backend.model,
                prompt_id=first.id,
                prompt_sha256=first.sha256,
                strategy=self.strategy.name,
                prompts=[PromptStep(id=p.id, sha256=p.sha256) for p in self.prompts],
                schema_version=SCHEMA_VERSION,
                package_version=package_version(),
                created_at=_answered_at(tally.answered_at),
                usage=Usage(
                    prompt_tokens=tally.prompt_tokens,
                    completion_tokens=tally.completion_tokens,
                    calls=tally.calls,
                ),
                attempts=tally.calls,
                rejected=[
                    *[r for result in results for r in result.rejected],
                    *grounded.rejected,
                    *records.notes,
                ],
            ),
        )
