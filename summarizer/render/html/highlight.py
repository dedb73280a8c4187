"""The article text as escaped HTML with every evidence span wrapped in `<mark>`.

Spans may overlap; the text is cut at every span boundary and each piece is marked with
all the spans that cover it (`data-spans`) and their records (`data-recs`). The colour is
the type of the shortest covering span. Only spans whose quote is really at their offsets
are marked; the caller lists the others as "not found in the text".
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Span:
    """One evidence span (or quote) of one record, as offsets into the article text."""

    span_id: str  # unique in the report: "<record id>-s<k>"
    record_id: str
    type: str  # event | aid | transfer | quote
    start: int
    end: int
    quote: str


def span_matches(text: str, span: Span) -> bool:
    """Whether the span's quote is exactly at its offsets in `text`."""
    return 0 <= span.start < span.end <= len(text) and text[span.start : span.end] == span.quote


def highlight(text: str, spans: Sequence[Span]) -> Markup:
    """`text` escaped, with `<mark>` around each piece covered by one or more of `spans`.

    Every span must match the text (`span_matches`); newlines become paragraph breaks in
    CSS (`white-space: pre-wrap`), so the text is not otherwise changed."""
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    starting: dict[int, list[Span]] = {}
    for span in spans:
        starting.setdefault(span.start, []).append(span)
    active: list[Span] = []
    parts: list[str] = []
    for left, right in itertools.pairwise(cuts):
        active = [s for s in active if s.end > left] + starting.get(left, [])
        piece = escape(text[left:right])
        if not active:
            parts.append(str(piece))
            continue
        shortest = min(active, key=lambda s: (s.end - s.start, s.span_id))
        kinds = " multi" if len({s.record_id for s in active}) > 1 else ""
        span_ids = " ".join(s.span_id for s in active)
        record_ids = " ".join(dict.fromkeys(s.record_id for s in active))
        parts.append(
            f'<mark class="hl t-{escape(shortest.type)}{kinds}" data-spans="{escape(span_ids)}"'
            f' data-recs="{escape(record_ids)}">{piece}</mark>'
        )
    return Markup("".join(parts))
