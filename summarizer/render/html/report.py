"""The HTML report: summaries (and a batch's error lines) become ONE self-contained page.

Per article: its text with every evidence span and quote highlighted by record type, the
record cards (click one: the text scrolls to its evidence and flashes it; hover a
highlight: its records show), rejected records with their reason, provenance. Across
articles, from `summarizer.consolidate`: an events timeline, aid by donor over time (inline
SVG), a supplier → recipient table of transfers; filters by record type, country, dates.

Safety: every text from an article or a model goes through Jinja's autoescape or
`markupsafe.escape`; links are only made for http(s) URLs; the page's Content-Security-
Policy allows no network and only the inline script and style shipped here (by hash), so
even an escaping bug could not run injected code. The CSS and JS are package data files
(`static/`), inlined.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from summarizer.consolidate import Cluster, consolidate
from summarizer.normalize.entities import canonical_entity
from summarizer.render.html.chart import AidPoint, aid_chart, donor_colours
from summarizer.render.html.highlight import Span, highlight, span_matches
from summarizer.render.values import describe_amount as _amount
from summarizer.render.values import describe_date
from summarizer.schemas import (
    AidFigure,
    ArticleSummary,
    DateRef,
    Event,
    Quote,
    WeaponsTransfer,
)
from summarizer.summaries import ResultSet, load_article_texts, load_results

__all__ = ["build_report", "write_report"]

_OPEN_ARTICLES = 30  # more articles than this start folded (a 1,000-article page stays light)
_TYPE_LETTER = {"event": "e", "aid": "a", "transfer": "t", "quote": "q"}


# ----------------------------------------------------------------------------- view models


@dataclass
class RecordCard:
    """One record as the page shows it."""

    id: str
    type: str
    headline: str
    fields: list[tuple[str, str]]
    evidence: list[tuple[str, bool]]  # (quote, found at its offsets)
    countries: str
    date_start: str
    date_end: str
    cluster: str = ""
    other_sources: list[tuple[str, str]] = field(default_factory=list)  # (label, anchor)


@dataclass
class ArticleView:
    index: int
    anchor: str
    summary: ArticleSummary
    url: str | None
    body: Markup | None
    cards: list[RecordCard]
    provenance: list[tuple[str, str]]
    missing_spans: int
    countries: str


@dataclass
class Row:
    """A line of a cross-article table (one consolidated record)."""

    cluster: str
    type: str
    cells: list[str]
    sources: list[tuple[str, str]]  # (article id, anchor of the record card)
    conflicts: list[str]
    countries: str
    date_start: str
    date_end: str


# ----------------------------------------------------------------------------- formatting


def _date(date: DateRef | None) -> str:
    return describe_date(date, " – ")


def _join(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


@functools.lru_cache(maxsize=8192)
def _canonical(name: str) -> str:
    return canonical_entity(name, actor=True)


def _names(*names: str | None) -> str:
    """Canonical actor names, `|`-joined: what the country filter matches."""
    return "|".join(sorted({_canonical(n) for n in names if n}))


def _date_attrs(date: DateRef | None, fallback: dt.date | None) -> tuple[str, str]:
    if date is not None:
        return date.start.isoformat(), (date.end or date.start).isoformat()
    if fallback is not None:
        return fallback.isoformat(), fallback.isoformat()
    return "", ""


def _event_card(record: Event) -> tuple[str, list[tuple[str, str]], str]:
    headline = _join(
        record.kind.replace("_", " "),
        record.date.start.isoformat() if record.date else None,
        f"{record.attacker} → {record.target or record.country or '?'}"
        if record.attacker
        else None,
    )
    fields = [
        ("kind", record.kind), ("date", _date(record.date)), ("attacker", record.attacker or ""),
        ("target", record.target or ""), ("location", record.location or ""),
        ("country", record.country or ""), ("weapons", ", ".join(record.weapons)),
        ("munitions", _amount(record.munitions)), ("killed", _amount(record.killed)),
        ("injured", _amount(record.injured)), ("description", record.description),
    ]  # fmt: skip
    return headline, fields, _names(record.attacker, record.country, record.location)


def _aid_card(record: AidFigure) -> tuple[str, list[tuple[str, str]], str]:
    headline = _join(
        f"{record.donor} → {record.recipient}",
        record.amount.text if record.amount else None,
        record.stage,
        record.scope if record.scope != "unspecified" else None,
    )
    fields = [
        ("donor", record.donor), ("recipient", record.recipient),
        ("amount", _amount(record.amount)), ("type", record.aid_type), ("stage", record.stage),
        ("scope", record.scope), ("mechanism", record.mechanism or ""),
        ("items", ", ".join(record.items)), ("date", _date(record.date)),
        ("description", record.description),
    ]  # fmt: skip
    return headline, fields, _names(record.donor, record.recipient)


def _transfer_card(record: WeaponsTransfer) -> tuple[str, list[tuple[str, str]], str]:
    headline = _join(
        f"{record.supplier} → {record.recipient}",
        record.designation or record.weapon,
        record.quantity.text if record.quantity else None,
        record.status,
    )
    fields = [
        ("supplier", record.supplier), ("recipient", record.recipient),
        ("weapon", record.weapon), ("designation", record.designation or ""),
        ("category", record.category), ("quantity", _amount(record.quantity)),
        ("value", _amount(record.value)), ("status", record.status),
        ("date", _date(record.date)), ("description", record.description),
    ]  # fmt: skip
    return headline, fields, _names(record.supplier, record.recipient)


def _attribution_field(record: Event | AidFigure | WeaponsTransfer) -> list[tuple[str, str]]:
    a = record.attribution
    return [("attribution", f"{a.source} ({a.certainty})")] if a else []


def _provenance(summary: ArticleSummary) -> list[tuple[str, str]]:
    p = summary.provenance
    cost = p.usage.cost_usd
    prompts = [(step.id, step.sha256) for step in p.prompts] or [(p.prompt_id, p.prompt_sha256)]
    rows = [
        ("backend", p.backend),
        ("model", p.model),
        ("strategy", p.strategy),
        (
            "prompts" if len(prompts) > 1 else "prompt",
            "; ".join(f"{name} (sha256 {sha[:12]})" if sha else name for name, sha in prompts),
        ),
        ("calls", str(p.usage.calls)),
        ("tokens", f"{p.usage.prompt_tokens} + {p.usage.completion_tokens}"),
        ("cost", "" if cost is None else f"${cost:.4f}"),
        ("attempts", str(p.attempts)),
        ("created", p.created_at.isoformat(timespec="seconds")),
        ("package", p.package_version),
    ]
    return [(k, v) for k, v in rows if v]


def _safe_url(url: str | None) -> str | None:
    """Only http(s) URLs become links (no `javascript:` or `data:`)."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


# ----------------------------------------------------------------------------- building


def _article_view(
    index: int, summary: ArticleSummary, text: str | None, cluster_of: dict[str, Cluster]
) -> ArticleView:
    cards: list[RecordCard] = []
    spans: list[Span] = []
    missing = 0
    published = summary.article.published
    groups: list[tuple[str, Sequence[Event | AidFigure | WeaponsTransfer | Quote]]] = [
        ("event", summary.events),
        ("aid", summary.aid),
        ("transfer", summary.transfers),
        ("quote", summary.quotes),
    ]
    builders: dict[str, Callable[..., tuple[str, list[tuple[str, str]], str]]] = {
        "event": _event_card,
        "aid": _aid_card,
        "transfer": _transfer_card,
    }
    for kind, records in groups:
        for number, record in enumerate(records):
            record_id = f"a{index}-{_TYPE_LETTER[kind]}{number}"
            if isinstance(record, Quote):
                headline = f"{record.speaker}: “{record.text}”"
                fields = [("speaker", record.speaker), ("role", record.speaker_role or "")]
                countries, date = _names(record.speaker), None
                evidence = [(record.text, record.start, record.end)]
            else:
                headline, fields, countries = builders[kind](record)
                fields += _attribution_field(record)
                date = record.date
                evidence = [(e.quote, e.start, e.end) for e in record.evidence]
            found: list[tuple[str, bool]] = []
            for k, (quote, start, end) in enumerate(evidence):
                span = Span(f"{record_id}-s{k}", record_id, kind, start, end, quote)
                ok = text is not None and span_matches(text, span)
                missing += text is not None and not ok
                found.append((quote, ok))
                if ok:
                    spans.append(span)
            start_attr, end_attr = _date_attrs(date, published)
            card = RecordCard(
                record_id, kind, headline, [(k, v) for k, v in fields if v], found,
                countries, start_attr, end_attr,
            )  # fmt: skip
            cluster = cluster_of.get(f"{summary.article.id}|{kind}|{number}")
            if cluster is not None and len(cluster.mentions) > 1:
                card.cluster = cluster.id
            cards.append(card)
    all_countries = sorted({c for card in cards for c in card.countries.split("|") if c})
    return ArticleView(
        index=index,
        anchor=f"art-{index}",
        summary=summary,
        url=_safe_url(summary.article.url),
        body=None if text is None else highlight(text, spans),
        cards=cards,
        provenance=_provenance(summary),
        missing_spans=missing,
        countries="|".join(all_countries),
    )


def _sources(cluster: Cluster, anchors: dict[str, int]) -> list[tuple[str, str]]:
    return [
        (m.article, f"rec-a{anchors[m.article]}-{_TYPE_LETTER[m.type]}{m.index}")
        for m in cluster.mentions
    ]


def _conflict_texts(cluster: Cluster) -> list[str]:
    return [
        f"{c.field}: "
        + "; ".join(f"{text or value:} ({article})" for article, value, text in c.values)
        for c in cluster.conflicts
    ]


def _row(cluster: Cluster, cells: list[str], countries: str, anchors: dict[str, int]) -> Row:
    date = cluster.best_date()
    published = min((m.published for m in cluster.mentions if m.published), default=None)
    start, end = _date_attrs(date, published)
    return Row(
        cluster.id, cluster.type, cells, _sources(cluster, anchors), _conflict_texts(cluster),
        countries, start, end,
    )  # fmt: skip


def _timeline(clusters: Iterable[Cluster], anchors: dict[str, int]) -> list[Row]:
    rows = []
    for cluster in clusters:
        if cluster.type != "event":
            continue
        first = cluster.first
        date = cluster.best_date()
        place = _join(first(lambda r: getattr(r, "location", None)),
                      first(lambda r: getattr(r, "country", None)))  # fmt: skip
        attacker = first(lambda r: getattr(r, "attacker", None)) or ""
        cells = [
            _date(date) if date else "(no date)",
            (first(lambda r: getattr(r, "kind", None)) or "").replace("_", " "),
            place,
            attacker,
            first(lambda r: getattr(r, "target", None)) or "",
        ]
        countries = _names(attacker, first(lambda r: getattr(r, "country", None)))
        rows.append(_row(cluster, cells, countries, anchors))
    rows.sort(key=lambda r: (r.date_start or "9999", r.cluster))
    return rows


def _transfers(clusters: Iterable[Cluster], anchors: dict[str, int]) -> list[Row]:
    rows = []
    for cluster in clusters:
        if cluster.type != "transfer":
            continue
        first = cluster.first
        supplier = first(lambda r: getattr(r, "supplier", None)) or ""
        recipient = first(lambda r: getattr(r, "recipient", None)) or ""
        date = cluster.best_date()
        cells = [
            f"{supplier} → {recipient}",
            first(lambda r: getattr(r, "weapon", None)) or "",
            first(lambda r: getattr(r, "designation", None)) or "",
            first(lambda r: getattr(r, "category", None)) or "",
            first(lambda r: _amount(getattr(r, "quantity", None)) or None) or "",
            first(lambda r: getattr(r, "status", None)) or "",
            _date(date),
        ]
        rows.append(_row(cluster, cells, _names(supplier, recipient), anchors))
    rows.sort(key=lambda r: (r.cells[0].casefold(), r.date_start or "9999", r.cluster))
    return rows


def _aid_points(clusters: Iterable[Cluster]) -> list[AidPoint]:
    points = []
    for cluster in clusters:
        if cluster.type != "aid":
            continue
        first_mention = cluster.mentions[0]
        record = first_mention.record
        assert isinstance(record, AidFigure)
        if record.amount is None or not record.amount.amount or not record.amount.currency:
            continue
        date = cluster.best_date()
        day = (date.end or date.start) if date and record.scope == "cumulative" else None
        day = day or (date.start if date else first_mention.published)
        if day is None:
            continue
        start, end = _date_attrs(date, first_mention.published)
        points.append(
            AidPoint(
                cluster.id,
                canonical_entity(record.donor, actor=True),
                canonical_entity(record.recipient, actor=True),
                day,
                record.amount.amount,
                record.amount.currency,
                record.amount.text,
                record.scope == "cumulative",
                ", ".join(cluster.articles),
                _names(record.donor, record.recipient),
                start,
                end,
            )
        )
    return points


def _charts(points: Sequence[AidPoint]) -> list[tuple[str, Markup]]:
    colours = donor_colours([p.donor for p in points])
    by_currency: dict[str, list[AidPoint]] = {}
    for point in points:
        by_currency.setdefault(point.currency, []).append(point)
    return [(cur, aid_chart(cur, pts, colours)) for cur, pts in sorted(by_currency.items())]


# ----------------------------------------------------------------------------- page


def _asset(name: str) -> str:
    return resources.files("summarizer.render.html").joinpath(name).read_text("utf-8")


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("summarizer.render.html", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def build_report(
    results: ResultSet | Sequence[ArticleSummary],
    texts: dict[str, str] | None = None,
    *,
    title: str = "summarizer report",
) -> str:
    """The report as one HTML string. `texts`: article id -> text below the header."""
    if not isinstance(results, ResultSet):
        results = ResultSet(summaries=list(results))
    texts = texts or {}
    summaries = results.summaries
    clusters = consolidate(summaries)
    cluster_of = {f"{m.article}|{m.type}|{m.index}": c for c in clusters for m in c.mentions}
    anchors: dict[str, int] = {}
    for index, summary in enumerate(summaries):
        anchors.setdefault(summary.article.id, index)
    articles = [
        _article_view(i, s, texts.get(s.article.id), cluster_of) for i, s in enumerate(summaries)
    ]
    countries = sorted({c for a in articles for c in a.countries.split("|") if c})
    script, style = _asset("static/report.js"), _asset("static/report.css")
    counts = {
        "articles": len(summaries),
        "errors": len(results.errors),
        "events": sum(len(s.events) for s in summaries),
        "aid": sum(len(s.aid) for s in summaries),
        "transfers": sum(len(s.transfers) for s in summaries),
        "quotes": sum(len(s.quotes) for s in summaries),
        "rejected": sum(len(s.provenance.rejected) for s in summaries),
        "merged": sum(1 for c in clusters if len(c.mentions) > 1),
        "conflicts": sum(1 for c in clusters if c.conflicts),
    }
    return _ENV.get_template("report.html.j2").render(
        title=title,
        counts=counts,
        articles=articles,
        open_articles=len(articles) <= _OPEN_ARTICLES,
        errors=results.errors,
        timeline=_timeline(clusters, anchors),
        transfers=_transfers(clusters, anchors),
        charts=_charts(_aid_points(clusters)),
        countries=countries,
        missing_texts=[s.article.id for s in summaries if s.article.id not in texts],
        script=Markup(script),
        style=Markup(style),
        csp=f"default-src 'none'; script-src {_csp_hash(script)}; style-src {_csp_hash(style)}; "
        "img-src data:; base-uri 'none'; form-action 'none'",
    )


def article_texts(loaded: ResultSet, articles: str | Path | None) -> dict[str, str]:
    """Article id -> the text its offsets refer to: the file in `articles` named by the id,
    else the text an extracted input (URL, HTML page, PDF) carries in its own summary."""
    texts = load_article_texts(articles, [s.article.id for s in loaded.summaries])
    for summary in loaded.summaries:
        if summary.article.text is not None:
            texts.setdefault(summary.article.id, summary.article.text)
    return texts


def write_report(
    results: str | Path | Iterable[str | Path],
    out: str | Path,
    *,
    articles: str | Path | None = None,
    title: str | None = None,
) -> Path:
    """Read results (a results JSONL, summary JSON files, folders of them), the article
    texts from `articles` (corpus-style files named by article id), write the report."""
    loaded = load_results(results)
    html = build_report(loaded, article_texts(loaded, articles), title=title or "summarizer report")
    path = Path(out)
    path.write_text(html, encoding="utf-8")
    return path
