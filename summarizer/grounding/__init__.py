"""Grounding: code, not the model, decides where a quote is and whether a record is supported.

- `locate`: where a quote stands in the article and by which match tier (exact, folded,
  fuzzy);
- `context`: the article a draft is checked against (window, paragraphs, title);
- `checks`: the support rules, one place (docs/grounding.md), and `ground`;
- `scope`: the check run by the `Draft` validator while instructor re-asks.
"""

from summarizer.grounding.checks import (
    RULES,
    Grounded,
    GroundedRecord,
    Problem,
    Rule,
    check_draft,
    ground,
    name_in_article,
    number_in_article,
    partition_draft,
    record_problems,
)
from summarizer.grounding.context import GroundingScope
from summarizer.grounding.locate import (
    FUZZY_THRESHOLD,
    QUOTE_FUZZY_THRESHOLD,
    Located,
    MatchTier,
    clean_quote,
    find,
    locate,
)
from summarizer.grounding.scope import grounded_in

__all__ = [
    "FUZZY_THRESHOLD",
    "QUOTE_FUZZY_THRESHOLD",
    "RULES",
    "Grounded",
    "GroundedRecord",
    "GroundingScope",
    "Located",
    "MatchTier",
    "Problem",
    "Rule",
    "check_draft",
    "clean_quote",
    "find",
    "ground",
    "grounded_in",
    "locate",
    "name_in_article",
    "number_in_article",
    "partition_draft",
    "record_problems",
]
