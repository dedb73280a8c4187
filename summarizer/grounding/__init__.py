"""Grounding: code, not the model, decides where a quote is and whether a record is supported.

- `locate`: where a quote stands in the article and by which match tier (exact, folded,
  fuzzy);
- `checks`: the support rules, one place (docs/grounding.md);
- `scope`: the check run by the `Draft` validator while instructor re-asks.
"""

from summarizer.grounding.checks import (
    Problem,
    check_draft,
    name_in_article,
    number_in_article,
    partition_draft,
    record_problems,
)
from summarizer.grounding.locate import (
    FUZZY_THRESHOLD,
    QUOTE_FUZZY_THRESHOLD,
    Located,
    MatchTier,
    clean_quote,
    find,
    locate,
)
from summarizer.grounding.scope import GroundingScope, grounded_in

__all__ = [
    "FUZZY_THRESHOLD",
    "QUOTE_FUZZY_THRESHOLD",
    "GroundingScope",
    "Located",
    "MatchTier",
    "Problem",
    "check_draft",
    "clean_quote",
    "find",
    "grounded_in",
    "locate",
    "name_in_article",
    "number_in_article",
    "partition_draft",
    "record_problems",
]
