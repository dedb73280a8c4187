"""The seam between the pipeline and an extraction strategy.

A strategy reads one `Chunk` of an `Article` and returns a `ChunkResult`: the `Draft` it
found plus what it already had to reject. It reports every model call to the `CallTally`
it is given (tokens, finish reasons) and names every prompt template it used, so provenance
can say exactly which prompts made a result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from summarizer.articles import Article
    from summarizer.chunking import Chunk
    from summarizer.drafts import Draft
    from summarizer.schemas import Rejection

STRATEGY_NAMES = ("single", "decomposed", "auto")


@dataclass(frozen=True)
class PromptRef:
    """One prompt template a strategy used: its id and the sha256 of its files."""

    id: str
    sha256: str


@dataclass
class ChunkResult:
    draft: Draft
    rejected: list[Rejection] = field(default_factory=list)


@dataclass
class CallTally:
    """Model calls and tokens spent on one article, counted as the answers arrive."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    finish_reasons: list[str | None] = field(default_factory=list)
    answered_at: list[int] = field(default_factory=list)  # the answers' own `created` stamps

    def add(
        self,
        prompt_tokens: int,
        completion_tokens: int,
        finish_reason: str | None,
        created: int | None = None,
    ) -> None:
        self.calls += 1
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        self.finish_reasons.append(finish_reason)
        if created is not None:
            self.answered_at.append(created)


class Strategy(Protocol):
    """How one chunk of an article becomes a `Draft`."""

    name: str

    def prompts(self) -> list[PromptRef]:
        """Every prompt template this strategy may use (for provenance)."""
        ...

    def extract(self, article: Article, chunk: Chunk, tally: CallTally) -> ChunkResult: ...

    async def aextract(self, article: Article, chunk: Chunk, tally: CallTally) -> ChunkResult: ...
