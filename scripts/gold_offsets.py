"""Turn a hand-written gold draft into a gold fixture with exact offsets.

Usage: python scripts/gold_offsets.py DRAFT.json [OUT.json] [--corpus DIR]

The draft is an `ArticleSummary` written by hand (see docs/annotation-guide.md) in which
evidence items and quotes may lack `start`/`end`. `article` may be omitted or partial:
it is filled from the corpus file's header (`id` names the file; without `article.id`
the draft's file stem is used). For each evidence quote and each quote text the offsets
are computed with `str.find`; a quote that is missing, or that occurs more than once
without `"nth": k` (0-based occurrence) in its object, is refused. Offsets already in
the draft are kept when they match. The `text` of every DateRef, Quantity and Money must
occur verbatim in the article. The result must validate as `ArticleSummary`; it is
written to OUT (default: fixtures/gold/<id>.json).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

from summarizer.articles import read_article
from summarizer.errors import SummarizerError
from summarizer.schemas import SCHEMA_VERSION, ArticleSummary

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO / "fixtures" / "articles"

Json = dict[str, Any]


class DraftError(ValueError):
    """A draft that cannot become a gold file."""


def occurrences(text: str, quote: str) -> list[int]:
    found: list[int] = []
    index = text.find(quote)
    while index != -1:
        found.append(index)
        index = text.find(quote, index + 1)
    return found


# Characters that hand-typed quotes often get wrong: the article may use the other form.
_SPACES = "\\s+"
_SINGLE = "['\u2019]"
_DOUBLE = '["\u201c\u201d]'
_DASHES = "[-\u2013\u2014]"
_LOOSE = {
    " ": _SPACES,
    "'": _SINGLE,
    "\u2019": _SINGLE,
    '"': _DOUBLE,
    "\u201c": _DOUBLE,
    "\u201d": _DOUBLE,
    "-": _DASHES,
    "\u2013": _DASHES,
    "\u2014": _DASHES,
}


def near_miss(text: str, quote: str) -> str:
    """A hint when the quote differs from the text only in spaces, quotes or dashes."""
    pattern = "".join(_LOOSE.get(char, re.escape(char)) for char in quote)
    match = re.search(pattern, text)
    return f"; the article has {match.group(0)!r}" if match else ""


def place(obj: Json, key: str, text: str, where: str) -> None:
    """Set obj['start'], obj['end'] so that text[start:end] == obj[key]."""
    quote = obj.get(key)
    if not isinstance(quote, str) or not quote:
        raise DraftError(f"{where}: empty {key}")
    nth = obj.pop("nth", None)
    start = obj.get("start")
    if nth is None and isinstance(start, int) and text[start : start + len(quote)] == quote:
        obj["end"] = start + len(quote)
        return
    hits = occurrences(text, quote)
    if not hits:
        raise DraftError(f"{where}: not in the article: {quote!r}{near_miss(text, quote)}")
    if nth is None and len(hits) > 1:
        raise DraftError(f'{where}: occurs {len(hits)} times, add "nth": {quote!r}')
    index = 0 if nth is None else int(nth)
    if not 0 <= index < len(hits):
        raise DraftError(f"{where}: nth={index} but only {len(hits)} occurrence(s): {quote!r}")
    obj["start"] = hits[index]
    obj["end"] = hits[index] + len(quote)


def check_verbatim(value: Any, text: str, where: str) -> None:
    """The `text` of a DateRef / Quantity / Money value must occur in the article."""
    if isinstance(value, dict) and isinstance(value.get("text"), str) and value["text"] not in text:
        raise DraftError(f"{where}.text is not verbatim in the article: {value['text']!r}")


def fill(draft: Json, text: str, meta: Json) -> Json:
    draft.setdefault("schema_version", SCHEMA_VERSION)
    draft["article"] = {**meta, **{k: v for k, v in draft.get("article", {}).items() if v}}
    for kind in ("events", "aid", "transfers"):
        for i, record in enumerate(draft.get(kind, [])):
            where = f"{kind}[{i}]"
            for field in ("date", "munitions", "killed", "injured", "amount", "quantity", "value"):
                check_verbatim(record.get(field), text, f"{where}.{field}")
            if not record.get("evidence"):
                raise DraftError(f"{where}: no evidence")
            for j, evidence in enumerate(record["evidence"]):
                place(evidence, "quote", text, f"{where}.evidence[{j}]")
    for i, quote in enumerate(draft.get("quotes", [])):
        place(quote, "text", text, f"quotes[{i}]")
    provenance = draft.setdefault("provenance", {})
    defaults: Json = {
        "backend": "gold",
        "model": "human annotation",
        "prompt_id": "annotation-guide",
        "prompt_sha256": "",
        "schema_version": SCHEMA_VERSION,
        "package_version": "",
        "created_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "calls": 0, "cost_usd": None},
        "attempts": 1,
        "rejected": [],
    }
    for key, value in defaults.items():
        provenance.setdefault(key, value)
    return draft


def build(draft_path: Path, corpus: Path) -> tuple[str, str]:
    """Return (article id, validated gold JSON) for a draft file."""
    draft: Json = json.loads(draft_path.read_text(encoding="utf-8"))
    article_id = draft.get("article", {}).get("id") or draft_path.stem
    article = read_article(corpus / f"{article_id}.txt")
    meta = article.meta.model_dump(mode="json", exclude_none=True)
    gold = fill(draft, article.text, meta)
    summary = ArticleSummary.model_validate_json(json.dumps(gold))
    for name in ("events", "aid", "transfers"):
        for record in getattr(summary, name):
            for evidence in record.evidence:
                assert article.text[evidence.start : evidence.end] == evidence.quote
    for quote in summary.quotes:
        assert article.text[quote.start : quote.end] == quote.text
    return article_id, json.dumps(gold, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("draft", type=Path)
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    try:
        article_id, output = build(args.draft, args.corpus)
    except (DraftError, SummarizerError, ValueError, OSError) as exc:
        print(f"{args.draft}: {exc}", file=sys.stderr)
        return 1
    out: Path = args.out or REPO / "fixtures" / "gold" / f"{article_id}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(output, encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
