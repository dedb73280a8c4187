"""Consolidation: records of many articles that report the same real-world event, amount of
aid or weapons transfer become one consolidated record that keeps every source.

Rules (docs/annotation-guide.md, "Cross-article links", says why):
- only records of the same type, from *different* articles, are compared; a cluster never
  holds two records of one article (the granularity rule: an article reports a thing once);
- events: same `kind`, both dated, dates overlapping at the coarser precision of the two
  (Jaccard of the covered periods > 0.5, so a one-day strike is not the five-day wave that
  contains it), attacker and country compatible;
- aid: donor and recipient compatible, same amount (within 0.5 %), compatible scope and
  dates; a cumulative total is a snapshot, so two totals match only when they end together;
- transfers: supplier, recipient and status compatible, same designation when both give
  one, else the same weapon as written (singular, case and hyphens folded);
- quotes: same speaker, nearly the same text.
Actors are compatible when the alias table (`summarizer/data/aliases.json`) names them the
same entity, or when one record's actor is named in the other's evidence (a coalition strike
reported by each partner). Pairs are joined best score first (union-find with the
one-record-per-article constraint). Numbers that differ inside a cluster are conflicts.

Scoring against gold links (`fixtures/links/`) lives in `summarizer.links`.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz

from summarizer.errors import InputError
from summarizer.normalize.entities import canonical_entity, entity_names, same_entity
from summarizer.schemas import (
    AidFigure,
    ArticleSummary,
    DateRef,
    Event,
    Evidence,
    Quote,
    WeaponsTransfer,
)
from summarizer.summaries import load_results

__all__ = [
    "Cluster",
    "Conflict",
    "ConsolidationRun",
    "Mention",
    "consolidate",
    "consolidate_results",
    "mentions_of",
    "write_timeline",
]

RecordType = Literal["event", "aid", "transfer", "quote"]
Record = Event | AidFigure | WeaponsTransfer | Quote
RECORD_TYPES: tuple[RecordType, ...] = ("event", "aid", "transfer", "quote")

_EVENT_DATE_JACCARD = 0.5
_AMOUNT_TOLERANCE = 0.005
_WEAPON_SIMILARITY = 85.0
_FIRST_KIND_SIMILARITY = 80.0
_QUOTE_SIMILARITY = 90.0


@dataclass(frozen=True)
class Mention:
    """One record of one article: (article, type, index) identifies it."""

    article: str
    type: RecordType
    index: int
    record: Record
    published: dt.date | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.article, self.type, self.index)

    @property
    def evidence(self) -> list[Evidence]:
        if isinstance(self.record, Quote):
            r = self.record
            return [Evidence(quote=r.text, start=r.start, end=r.end)]
        return list(self.record.evidence)

    @functools.cached_property
    def evidence_text(self) -> str:
        return " ".join(e.quote for e in self.evidence)

    @functools.cached_property
    def signature(self) -> str:
        """What pair scores depend on: the record without its offsets, and its evidence
        (many articles repeat a record word for word; each pair of such is scored once)."""
        return (
            self.record.model_dump_json(exclude={"evidence", "start", "end"}) + self.evidence_text
        )

    @property
    def date(self) -> DateRef | None:
        return None if isinstance(self.record, Quote) else self.record.date


@dataclass(frozen=True)
class Conflict:
    """A number that two sources of one cluster give differently."""

    field: str
    values: tuple[tuple[str, float, str], ...]  # (article, value, as written)


@dataclass
class Cluster:
    """Records that report one real-world thing; `mentions` in input order."""

    id: str
    type: RecordType
    mentions: list[Mention]
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def articles(self) -> list[str]:
        return [m.article for m in self.mentions]

    def best_date(self) -> DateRef | None:
        """The most precise date any source gives (earliest start on a tie)."""
        dates = [m.date for m in self.mentions if m.date is not None]
        if not dates:
            return None
        return min(dates, key=lambda d: (_PRECISION_RANK[d.precision], d.start))

    def first(self, getter: Callable[[Record], str | None]) -> str | None:
        for mention in self.mentions:
            value = getter(mention.record)
            if value:
                return value
        return None

    def to_dict(self) -> dict[str, object]:
        date = self.best_date()
        return {
            "id": self.id,
            "type": self.type,
            "date": None if date is None else date.model_dump(mode="json"),
            "fields": _headline(self),
            "sources": [
                {"article": m.article, "index": m.index, "record": m.record.model_dump(mode="json")}
                for m in self.mentions
            ],
            "conflicts": [
                {
                    "field": c.field,
                    "values": [{"article": a, "value": v, "text": t} for a, v, t in c.values],
                }
                for c in self.conflicts
            ],
        }


# ----------------------------------------------------------------------------- mentions


def mentions_of(summaries: Iterable[ArticleSummary]) -> list[Mention]:
    """Every record of every summary as a `Mention`, in input order."""
    mentions: list[Mention] = []
    for summary in summaries:
        aid = summary.article.id
        published = summary.article.published
        groups: list[tuple[RecordType, Sequence[Record]]] = [
            ("event", summary.events),
            ("aid", summary.aid),
            ("transfer", summary.transfers),
            ("quote", summary.quotes),
        ]
        for kind, records in groups:
            mentions += [Mention(aid, kind, i, r, published) for i, r in enumerate(records)]
    return mentions


# ----------------------------------------------------------------------------- dates

_PRECISION_RANK = {"day": 0, "week": 1, "month": 2, "quarter": 3, "year": 4}


def _bucket(day: dt.date, precision: str) -> int:
    if precision == "day":
        return day.toordinal()
    if precision == "week":
        return (day - dt.timedelta(days=day.weekday())).toordinal()
    if precision == "month":
        return day.year * 12 + day.month - 1
    if precision == "quarter":
        return day.year * 4 + (day.month - 1) // 3
    return day.year


def _period(date: DateRef, precision: str) -> frozenset[int]:
    return _period_of(date.start, date.end or date.start, precision)


@functools.lru_cache(maxsize=65536)
def _period_of(start: dt.date, end: dt.date, precision: str) -> frozenset[int]:
    first, last = _bucket(start, precision), _bucket(end, precision)
    step = 7 if precision == "week" else 1
    return frozenset(range(first, last + 1, step))


def date_overlap(a: DateRef, b: DateRef) -> float:
    """Jaccard of the periods two dates cover, both taken at the coarser precision."""
    coarser = max(a.precision, b.precision, key=lambda p: _PRECISION_RANK[p])
    step = 7 if coarser == "week" else 1
    first_a, last_a = _bucket(a.start, coarser), _bucket(a.end or a.start, coarser)
    first_b, last_b = _bucket(b.start, coarser), _bucket(b.end or b.start, coarser)
    shared = (min(last_a, last_b) - max(first_a, first_b)) // step + 1
    if shared <= 0:
        return 0.0
    size_a, size_b = (last_a - first_a) // step + 1, (last_b - first_b) // step + 1
    return shared / (size_a + size_b - shared)


def _same_end(a: DateRef, b: DateRef) -> bool:
    coarser = max(a.precision, b.precision, key=lambda p: _PRECISION_RANK[p])
    return _bucket(a.end or a.start, coarser) == _bucket(b.end or b.start, coarser)


# ----------------------------------------------------------------------------- pair rules


@functools.lru_cache(maxsize=4096)
def _canonical_key(name: str) -> str:
    """Matching key of an actor's canonical name (cached: a batch repeats its actors)."""
    return canonical_entity(name, actor=True).casefold()


@functools.lru_cache(maxsize=4096)
def _names_pattern(name: str) -> re.Pattern[str]:
    names = sorted((n.casefold() for n in entity_names(name, actor=True) if len(n) > 2), key=len)
    alternatives = "|".join(re.escape(n) for n in reversed(names)) or re.escape(name.casefold())
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


@functools.lru_cache(maxsize=65536)
def _named_in(name: str, text: str) -> bool:
    return _names_pattern(name).search(text.casefold()) is not None


def _actors_agree(a: str | None, b: str | None, ma: Mention, mb: Mention) -> bool | None:
    """True: same actor; None: one is missing; False: different actors."""
    if not a or not b:
        return None
    if _canonical_key(a) == _canonical_key(b) or same_entity(a, b, actor=True):
        return True
    return _named_in(a, mb.evidence_text) or _named_in(b, ma.evidence_text)


def _same_value(a: float | None, b: float | None) -> bool | None:
    if a is None or b is None:
        return None
    return abs(a - b) <= _AMOUNT_TOLERANCE * max(abs(a), abs(b), 1.0)


@functools.lru_cache(maxsize=16384)
def _weapon_key(text: str) -> str:
    words = re.sub(r"[-‐‑–—/]", " ", text.casefold()).replace("’", "'").split()
    words = [w for w in words if w not in {"a", "an", "the", "of", "its", "some"}]
    return " ".join(_singular(w) for w in words)


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


@functools.lru_cache(maxsize=16384)
def _designation_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


@functools.lru_cache(maxsize=16384)
def _first_kind(key: str) -> str:
    """The first-named kind of a weapon list ("munition and other equipment" -> "munition")."""
    return re.split(r",| and | or ", key, maxsplit=1)[0].strip()


def _weapon_similarity(a: WeaponsTransfer, b: WeaponsTransfer) -> float | None:
    """How alike two weapons as written are (0-100), None below the threshold.

    A record that keeps several kinds under one count carries the category of the
    first-named kind (guide 3.3), so it also matches a record of that kind alone, with a
    lower score than a full match."""
    ka, kb = _weapon_key(a.weapon), _weapon_key(b.weapon)
    similarity = max(fuzz.ratio(ka, kb), fuzz.token_sort_ratio(ka, kb))
    if similarity >= _WEAPON_SIMILARITY:
        return similarity
    if a.category == b.category and fuzz.ratio(_first_kind(ka), _first_kind(kb)) >= 95:
        return _FIRST_KIND_SIMILARITY
    return None


def _event_score(a: Mention, b: Mention) -> float | None:
    ra, rb = a.record, b.record
    assert isinstance(ra, Event) and isinstance(rb, Event)
    if ra.kind != rb.kind or ra.date is None or rb.date is None:
        return None
    overlap = date_overlap(ra.date, rb.date)
    if overlap <= _EVENT_DATE_JACCARD:
        return None
    attacker = _actors_agree(ra.attacker, rb.attacker, a, b)
    country = _actors_agree(ra.country, rb.country, a, b)
    if attacker is False or country is False:
        return None
    score = overlap + (0.5 if attacker else 0.0) + (0.25 if country else 0.0)
    for qa, qb in ((ra.munitions, rb.munitions), (ra.killed, rb.killed)):
        if qa is not None and qb is not None and _same_value(qa.value, qb.value):
            score += 0.25
    return score


def _aid_score(a: Mention, b: Mention) -> float | None:
    ra, rb = a.record, b.record
    assert isinstance(ra, AidFigure) and isinstance(rb, AidFigure)
    if ra.amount is None or rb.amount is None or ra.amount.currency != rb.amount.currency:
        return None
    if not _same_value(ra.amount.amount, rb.amount.amount):
        return None
    if "unspecified" not in (ra.scope, rb.scope) and ra.scope != rb.scope:
        return None
    score = 1.0
    if ra.date is not None and rb.date is not None:
        if "cumulative" in (ra.scope, rb.scope) and not _same_end(ra.date, rb.date):
            return None
        overlap = date_overlap(ra.date, rb.date)
        if overlap == 0.0:
            return None
        score += overlap
    if _actors_agree(ra.donor, rb.donor, a, b) is False:
        return None
    if _actors_agree(ra.recipient, rb.recipient, a, b) is False:
        return None
    if ra.mechanism and rb.mechanism and same_entity(ra.mechanism, rb.mechanism):
        score += 0.25
    return score


def _transfer_score(a: Mention, b: Mention) -> float | None:
    ra, rb = a.record, b.record
    assert isinstance(ra, WeaponsTransfer) and isinstance(rb, WeaponsTransfer)
    if ra.status != rb.status:
        return None
    if _actors_agree(ra.supplier, rb.supplier, a, b) is not True:
        return None
    if _actors_agree(ra.recipient, rb.recipient, a, b) is not True:
        return None
    overlap = 0.0
    if ra.date is not None and rb.date is not None:
        overlap = date_overlap(ra.date, rb.date)
        if overlap == 0.0:
            return None
    if ra.designation and rb.designation:
        if _designation_key(ra.designation) != _designation_key(rb.designation):
            return None
        similarity: float | None = 100.0
    else:
        similarity = _weapon_similarity(ra, rb)
    return None if similarity is None else similarity / 100.0 + overlap


def _quote_score(a: Mention, b: Mention) -> float | None:
    ra, rb = a.record, b.record
    assert isinstance(ra, Quote) and isinstance(rb, Quote)
    if not same_entity(ra.speaker, rb.speaker, actor=True):
        return None
    similarity = fuzz.ratio(ra.text.casefold(), rb.text.casefold())
    return similarity / 100.0 if similarity >= _QUOTE_SIMILARITY else None


_SCORERS: dict[RecordType, Callable[[Mention, Mention], float | None]] = {
    "event": _event_score,
    "aid": _aid_score,
    "transfer": _transfer_score,
    "quote": _quote_score,
}


def pair_score(a: Mention, b: Mention) -> float | None:
    """How well two records match (higher is better); None when they cannot be the same."""
    if a.type != b.type or a.article == b.article:
        return None
    return _SCORERS[a.type](a, b)


# ----------------------------------------------------------------------------- blocking


def _block_keys(mention: Mention) -> set[str]:
    """Keys such that two records that can match share one (keeps comparisons near-linear)."""
    record = mention.record
    if isinstance(record, Event):
        if record.date is None:
            return set()
        months = _period(record.date, "month")
        return {f"{record.kind}:{m + delta}" for m in months for delta in (-1, 0, 1)}
    if isinstance(record, AidFigure):
        if record.amount is None or record.amount.amount is None:
            return set()
        return {f"{record.amount.currency}:{round(record.amount.amount, -3):.0f}"}
    if isinstance(record, WeaponsTransfer):
        # the first word of the weapon as written: "surface-to-air missiles" and "surface to
        # air missile" share "surface"; a designation is its own key
        heads = {(_weapon_key(record.weapon).split() or [""])[0]}
        if record.designation:
            heads.add(_designation_key(record.designation))
        return {f"{record.status}:{_canonical_key(record.supplier)}:{head}" for head in heads}
    return {_canonical_key(record.speaker)}


def _candidate_pairs(mentions: Sequence[Mention]) -> set[tuple[int, int]]:
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, mention in enumerate(mentions):
        for key in _block_keys(mention):
            blocks[f"{mention.type}|{key}"].append(index)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        for i, left in enumerate(members):
            for right in members[i + 1 :]:
                if mentions[left].article != mentions[right].article:
                    pairs.add((left, right))
    return pairs


# ----------------------------------------------------------------------------- clustering


def _conflicts(mentions: Sequence[Mention]) -> list[Conflict]:
    getters: dict[str, Callable[[Record], tuple[float | None, str]]] = {}
    kind = mentions[0].type
    if kind == "event":
        for name in ("munitions", "killed", "injured"):
            getters[name] = _quantity_getter(name)
    elif kind == "aid":
        getters["amount"] = _money_getter("amount")
    elif kind == "transfer":
        getters["quantity"] = _quantity_getter("quantity")
        getters["value"] = _money_getter("value")
    found: list[Conflict] = []
    for name, getter in getters.items():
        values = [(m.article, *getter(m.record)) for m in mentions]
        known = [(a, v, t) for a, v, t in values if v is not None]
        distinct = {round(v, 6) for _, v, _ in known}
        if len(distinct) > 1:
            found.append(Conflict(name, tuple((a, float(v), t) for a, v, t in known)))
    return found


def _quantity_getter(name: str) -> Callable[[Record], tuple[float | None, str]]:
    def get(record: Record) -> tuple[float | None, str]:
        quantity = getattr(record, name, None)
        return (None, "") if quantity is None else (quantity.value, quantity.text)

    return get


def _money_getter(name: str) -> Callable[[Record], tuple[float | None, str]]:
    def get(record: Record) -> tuple[float | None, str]:
        money = getattr(record, name, None)
        return (None, "") if money is None else (money.amount, money.text)

    return get


def consolidate(summaries: Iterable[ArticleSummary]) -> list[Cluster]:
    """Merge the records of `summaries` that report the same thing; every record ends in
    exactly one cluster (most in a cluster of their own). Deterministic: clusters come in
    the order of their first record, ids are `<type>-<n>`."""
    mentions = mentions_of(summaries)
    scored = []
    signature_ids: dict[str, int] = {}
    signatures = [signature_ids.setdefault(m.signature, len(signature_ids)) for m in mentions]
    memo: dict[tuple[int, int], float | None] = {}
    for left, right in _candidate_pairs(mentions):
        key = (signatures[left], signatures[right])
        if key not in memo:
            memo[key] = pair_score(mentions[left], mentions[right])
        score = memo[key]
        if score is not None:
            scored.append((-score, left, right))
    scored.sort()
    parent = list(range(len(mentions)))
    articles: dict[int, set[str]] = {i: {m.article} for i, m in enumerate(mentions)}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for _, left, right in scored:
        a, b = root(left), root(right)
        if a == b or articles[a] & articles[b]:
            continue
        a, b = min(a, b), max(a, b)
        parent[b] = a
        articles[a] |= articles.pop(b)
    groups: dict[int, list[Mention]] = defaultdict(list)
    for index, mention in enumerate(mentions):
        groups[root(index)].append(mention)
    counters: dict[str, int] = defaultdict(int)
    clusters = []
    for _, members in sorted(groups.items()):
        kind = members[0].type
        counters[kind] += 1
        clusters.append(Cluster(f"{kind}-{counters[kind]:04d}", kind, members, _conflicts(members)))
    return clusters


# ----------------------------------------------------------------------------- output


def _headline(cluster: Cluster) -> dict[str, str | None]:
    """The fields a timeline row shows, each from the first source that gives it."""
    if cluster.type == "event":
        return {
            "kind": cluster.first(lambda r: getattr(r, "kind", None)),
            "attacker": cluster.first(lambda r: getattr(r, "attacker", None)),
            "target": cluster.first(lambda r: getattr(r, "target", None)),
            "location": cluster.first(lambda r: getattr(r, "location", None)),
            "country": cluster.first(lambda r: getattr(r, "country", None)),
        }
    if cluster.type == "aid":
        return {
            "donor": cluster.first(lambda r: getattr(r, "donor", None)),
            "recipient": cluster.first(lambda r: getattr(r, "recipient", None)),
            "amount": cluster.first(lambda r: _text_of(getattr(r, "amount", None))),
            "stage": cluster.first(lambda r: getattr(r, "stage", None)),
            "scope": cluster.first(lambda r: getattr(r, "scope", None)),
        }
    if cluster.type == "transfer":
        return {
            "supplier": cluster.first(lambda r: getattr(r, "supplier", None)),
            "recipient": cluster.first(lambda r: getattr(r, "recipient", None)),
            "weapon": cluster.first(lambda r: getattr(r, "weapon", None)),
            "designation": cluster.first(lambda r: getattr(r, "designation", None)),
            "quantity": cluster.first(lambda r: _text_of(getattr(r, "quantity", None))),
            "status": cluster.first(lambda r: getattr(r, "status", None)),
        }
    return {
        "speaker": cluster.first(lambda r: getattr(r, "speaker", None)),
        "text": cluster.first(lambda r: getattr(r, "text", None)),
    }


def _text_of(value: object) -> str | None:
    text = getattr(value, "text", None)
    return text if isinstance(text, str) else None


_CSV_COLUMNS = [
    "id", "type", "date_text", "date_start", "date_end", "date_precision", "kind", "attacker",
    "target", "location", "country", "donor", "supplier", "recipient", "amount", "weapon",
    "designation", "quantity", "stage", "scope", "status", "speaker", "text", "sources",
    "conflicts",
]  # fmt: skip


def _csv_row(cluster: Cluster) -> dict[str, str]:
    date = cluster.best_date()
    row = {name: "" for name in _CSV_COLUMNS}
    row.update({k: v or "" for k, v in _headline(cluster).items()})
    row.update(id=cluster.id, type=cluster.type)
    if date is not None:
        row.update(
            date_text=date.text,
            date_start=date.start.isoformat(),
            date_end=date.end.isoformat() if date.end else "",
            date_precision=date.precision,
        )
    row["sources"] = " | ".join(f"{m.article}#{m.type}[{m.index}]" for m in cluster.mentions)
    row["conflicts"] = " | ".join(
        f"{c.field}: "
        + ", ".join(f"{a}={t or v:g}" if not t else f"{a}={t}" for a, v, t in c.values)
        for c in cluster.conflicts
    )
    return row


def timeline_text(clusters: Sequence[Cluster], fmt: Literal["jsonl", "csv"]) -> str:
    """The consolidated records as JSON lines or CSV (one row per cluster), date order."""
    ordered = sorted(clusters, key=_timeline_key)
    if fmt == "jsonl":
        return "".join(json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in ordered)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for cluster in ordered:
        writer.writerow(_csv_row(cluster))
    return buffer.getvalue()


def _timeline_key(cluster: Cluster) -> tuple[str, str, str]:
    date = cluster.best_date()
    return (date.start.isoformat() if date else "9999", cluster.type, cluster.id)


def write_timeline(clusters: Sequence[Cluster], out: str | Path) -> Path:
    """Write `clusters` to `out`; the suffix (.jsonl or .csv) picks the format."""
    path = Path(out)
    if path.suffix not in {".jsonl", ".csv"}:
        raise InputError(str(path), "must end in .jsonl or .csv")
    fmt: Literal["jsonl", "csv"] = "jsonl" if path.suffix == ".jsonl" else "csv"
    path.write_text(timeline_text(clusters, fmt), encoding="utf-8")
    return path


@dataclass(frozen=True)
class ConsolidationRun:
    """What `summarizer consolidate` did: the clusters, where they went, the score."""

    clusters: list[Cluster]
    out: Path | None

    @property
    def merged(self) -> int:
        return sum(1 for c in self.clusters if len(c.mentions) > 1)

    @property
    def conflicts(self) -> int:
        return sum(1 for c in self.clusters if c.conflicts)


def consolidate_results(
    results: str | Path | Iterable[str | Path],
    out: str | Path | None = None,
) -> ConsolidationRun:
    """The body of `summarizer consolidate`: read results (JSONL, summary JSON files or
    folders), consolidate, write the timeline to `out` (.jsonl or .csv)."""
    clusters = consolidate(load_results(results).summaries)
    path = None if out is None else write_timeline(clusters, out)
    return ConsolidationRun(clusters, path)
