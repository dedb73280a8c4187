"""Gold cross-article links (`fixtures/links/`): the file format, resolving each link's
anchors to records of any summaries (gold or predicted), pairwise precision / recall / F1
of a consolidation. The format is documented in docs/annotation-guide.md, "Cross-article
links".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from summarizer.consolidate import RECORD_TYPES, Cluster, Mention, Record, RecordType
from summarizer.errors import InputError
from summarizer.schemas import AidFigure, Event, WeaponsTransfer

__all__ = ["Link", "LinkMention", "PairwiseScore", "load_links", "resolve_mention", "score_links"]


@dataclass(frozen=True)
class LinkMention:
    """One side of a gold link: an anchor span in one article's text, and a record type."""

    article: str
    type: RecordType
    quote: str
    start: int
    end: int


@dataclass(frozen=True)
class Link:
    """Gold: these mentions report the same real-world thing."""

    id: str
    type: RecordType
    mentions: tuple[LinkMention, ...]
    note: str = ""


def load_links(path: str | Path) -> list[Link]:
    """Read a links file (or every .json file of a folder); see the annotation guide."""
    root = Path(path)
    files = sorted(root.glob("*.json")) if root.is_dir() else [root]
    links: list[Link] = []
    for file in files:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            for entry in data["links"]:
                kind = entry["type"]
                if kind not in RECORD_TYPES:
                    raise ValueError(f"link {entry['id']}: unknown type {kind!r}")
                mentions = tuple(
                    LinkMention(
                        m["article"], kind, m["quote"], m["start"], m["start"] + len(m["quote"])
                    )
                    for m in entry["mentions"]
                )
                if len({m.article for m in mentions}) != len(mentions) or len(mentions) < 2:
                    raise ValueError(f"link {entry['id']}: needs 2+ mentions in distinct articles")
                links.append(Link(entry["id"], kind, mentions, entry.get("note", "")))
        except (OSError, KeyError, TypeError, ValueError) as error:
            raise InputError(str(file), f"is not a valid links file ({error})") from None
    return links


def resolve_mention(link_mention: LinkMention, mentions: Sequence[Mention]) -> Mention | None:
    """The record a gold mention stands for: same article and type, evidence overlapping the
    anchor span; among several, the one whose as-written key text is closest to the anchor."""
    best: tuple[float, int, Mention] | None = None
    for mention in mentions:
        if mention.article != link_mention.article or mention.type != link_mention.type:
            continue
        overlap = max(
            (
                min(e.end, link_mention.end) - max(e.start, link_mention.start)
                for e in mention.evidence
            ),
            default=0,
        )
        if overlap <= 0:
            continue
        closeness = fuzz.partial_ratio(
            _key_text(mention.record).casefold(), link_mention.quote.casefold()
        )
        candidate = (closeness, overlap, mention)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return None if best is None else best[2]


def _key_text(record: Record) -> str:
    if isinstance(record, WeaponsTransfer):
        return record.designation or record.weapon
    if isinstance(record, AidFigure):
        return record.amount.text if record.amount else record.description
    if isinstance(record, Event):
        return record.date.text if record.date else record.description
    return record.text


@dataclass(frozen=True)
class PairwiseScore:
    """Pairwise scores: a pair is two records (of different articles) put together."""

    gold_pairs: int
    found_pairs: int  # gold pairs whose two records share a cluster
    predicted_pairs: int
    correct_pairs: int  # predicted pairs that are gold pairs
    unresolved_mentions: tuple[str, ...]

    @property
    def precision(self) -> float | None:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else None

    @property
    def recall(self) -> float | None:
        return self.found_pairs / self.gold_pairs if self.gold_pairs else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return 2 * p * r / (p + r)


def score_links(clusters: Sequence[Cluster], links: Sequence[Link]) -> PairwiseScore:
    """Pairwise precision / recall of `clusters` against gold `links`.

    Gold pairs are the pairs of mentions of one link; a gold pair is found when both
    mentions resolve to records of one cluster. A predicted pair is correct when its two
    records resolve to two mentions of one link; records no link names are singletons."""
    mentions = [m for c in clusters for m in c.mentions]
    cluster_of = {m.key: c.id for c in clusters for m in c.mentions}
    link_of: dict[tuple[str, str, int], str] = {}
    unresolved: list[str] = []
    gold_pairs = found = 0
    for link in links:
        resolved = [resolve_mention(lm, mentions) for lm in link.mentions]
        for lm, mention in zip(link.mentions, resolved, strict=True):
            if mention is None:
                unresolved.append(f"{link.id}:{lm.article}")
            else:
                link_of[mention.key] = link.id
        for i, left in enumerate(resolved):
            for right in resolved[i + 1 :]:
                gold_pairs += 1
                if left is not None and right is not None:
                    found += cluster_of[left.key] == cluster_of[right.key]
    predicted = correct = 0
    for cluster in clusters:
        for i, left in enumerate(cluster.mentions):
            for right in cluster.mentions[i + 1 :]:
                predicted += 1
                gold_left, gold_right = link_of.get(left.key), link_of.get(right.key)
                correct += gold_left is not None and gold_left == gold_right
    return PairwiseScore(gold_pairs, found, predicted, correct, tuple(unresolved))
