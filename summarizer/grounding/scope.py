"""Grounding while instructor validates: the article a `Draft` is checked against.

`grounded_in(scope)` makes every `Draft` validated inside the block run `check_draft`
against the scope's article; a failure raises, and instructor re-asks with the messages.
The check is handed to `summarizer.drafts` as a plain function, so `drafts` never imports
grounding (no import cycle).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from summarizer.drafts import Draft, validated_by
from summarizer.grounding.checks import check_draft
from summarizer.grounding.context import GroundingScope

__all__ = ["GroundingScope", "grounded_in"]


@contextlib.contextmanager
def grounded_in(scope: GroundingScope) -> Iterator[None]:
    """Validate drafts against `scope` inside this block (strict: failures are re-asked)."""

    def check(draft: Draft) -> list[str]:
        problems = check_draft(draft, scope)
        return [f"{p.path}: {p.reason}" for p in problems]

    with validated_by(check):
        yield
