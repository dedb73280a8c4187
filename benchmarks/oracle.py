"""The oracle ceiling: what the pipeline makes of a perfect model's answer.

For every gold file, a scripted OpenAI-compatible server on 127.0.0.1 answers the extraction
request with exactly the `Draft` the gold annotation implies (its evidence spans, labels and
values as written). The real pipeline (the openai SDK, instructor, grounding, normalization)
turns that answer into an `ArticleSummary`, and the real scorer compares it with the gold.
Anything below 1.0 is lost by our own code, not by a model.

A split run (`--context-tokens`) cuts every article into parts; the server then answers
each part with the gold records whose evidence lies in that part, as a perfect model that
reads only that part would.

The same server can plant extra records (`plants`): the adversarial suite uses it to check
that grounding rejects and lists what the article does not support.

Run (the real CLI end to end, in one process: `summarizer summarize` per article, then
`summarizer eval`):

    python benchmarks/oracle.py                      # whole articles
    python benchmarks/oracle.py --split 3            # every article in >= 3 parts
    python benchmarks/oracle.py --context-tokens 7170  # one small context for all
    python benchmarks/oracle.py --md                 # Markdown tables (docs/evaluation.md)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "fixtures" / "gold"
ARTICLES = ROOT / "fixtures" / "articles"
MODEL = "oracle"
# Room the pipeline keeps around an article (prompt, schema) and for the answer; a context
# of this much plus a part's budget makes the pipeline split an article into parts.
_USER_ARTICLE = re.compile(r"\n---\n(?P<text>.*)\n---\nReturn the JSON object", re.DOTALL)
_RECORD_FIELDS = {"events": "event", "aid": "aid", "transfers": "transfer", "quotes": "quote"}


# --- gold -> the Draft it implies ------------------------------------------------------------


def _text(value: Mapping[str, Any] | None) -> str | None:
    return None if not value else str(value["text"])


def _attribution(record: Mapping[str, Any]) -> dict[str, Any] | None:
    attribution = record.get("attribution")
    if not attribution:
        return None
    return {"source": attribution["source"], "certainty": attribution["certainty"]}


def _evidence(record: Mapping[str, Any]) -> list[str]:
    return [str(e["quote"]) for e in record.get("evidence", [])]


def draft_of(gold: Mapping[str, Any]) -> dict[str, Any]:
    """The `Draft` (as JSON) a perfect model would answer for this gold summary."""
    events = [
        {
            "evidence": _evidence(e),
            "kind": e["kind"],
            "date": _text(e.get("date")),
            "attacker": e.get("attacker"),
            "target": e.get("target"),
            "location": e.get("location"),
            "country": e.get("country"),
            "weapons": list(e.get("weapons", [])),
            "munitions": _text(e.get("munitions")),
            "killed": _text(e.get("killed")),
            "injured": _text(e.get("injured")),
            "description": e["description"],
            "attribution": _attribution(e),
        }
        for e in gold.get("events", [])
    ]
    aid = [
        {
            "evidence": _evidence(a),
            "donor": a["donor"],
            "recipient": a["recipient"],
            "amount": _text(a.get("amount")),
            "aid_type": a.get("aid_type", "unspecified"),
            "stage": a["stage"],
            "scope": a.get("scope", "unspecified"),
            "mechanism": a.get("mechanism"),
            "items": list(a.get("items", [])),
            "date": _text(a.get("date")),
            "description": a["description"],
            "attribution": _attribution(a),
        }
        for a in gold.get("aid", [])
    ]
    transfers = [
        {
            "evidence": _evidence(t),
            "supplier": t["supplier"],
            "recipient": t["recipient"],
            "weapon": t["weapon"],
            "designation": t.get("designation"),
            "category": t.get("category", "other"),
            "quantity": _text(t.get("quantity")),
            "value": _text(t.get("value")),
            "status": t["status"],
            "date": _text(t.get("date")),
            "description": t["description"],
            "attribution": _attribution(t),
        }
        for t in gold.get("transfers", [])
    ]
    quotes = [
        {"speaker": q["speaker"], "speaker_role": q.get("speaker_role"), "text": q["text"]}
        for q in gold.get("quotes", [])
    ]
    return {
        "summary": gold.get("summary", ""),
        "events": events,
        "aid": aid,
        "transfers": transfers,
        "quotes": quotes,
    }


def _squeeze(text: str) -> str:
    """White space runs as one space: parts and quotes are compared in this form."""
    return " ".join(text.split())


def draft_for_part(draft: Mapping[str, Any], part: str, *, first: bool) -> dict[str, Any]:
    """What a perfect model reading only `part` answers: records with evidence in it."""
    part = _squeeze(part)
    answer: dict[str, Any] = {"summary": draft["summary"] if first else ""}
    for name in _RECORD_FIELDS:
        kept = []
        for record in draft[name]:
            if name == "quotes":
                if _squeeze(record["text"]) in part:
                    kept.append(record)
                continue
            evidence = [q for q in record["evidence"] if _squeeze(q) in part]
            if evidence:
                kept.append({**record, "evidence": evidence})
        answer[name] = kept
    return answer


# --- the scripted server -----------------------------------------------------------------------


@dataclass
class _Entry:
    draft: dict[str, Any]
    plants: dict[str, list[dict[str, Any]]]
    summary: str | None


@dataclass
class Script:
    """What the server answers: per article, its Draft, plus planted records and summary."""

    entries: dict[str, _Entry] = field(default_factory=dict)  # squeezed article text -> entry
    requests: int = 0
    unknown: list[str] = field(default_factory=list)
    parts: dict[str, set[str]] = field(default_factory=dict)  # article text -> parts asked

    def add(
        self,
        text: str,
        draft: dict[str, Any],
        *,
        plants: Mapping[str, list[dict[str, Any]]] | None = None,
        summary: str | None = None,
    ) -> None:
        """Answer `text` (or a part of it) with `draft`; plants go into the first part."""
        self.entries[_squeeze(text)] = _Entry(draft, dict(plants or {}), summary)

    @property
    def texts(self) -> list[str]:
        return list(self.entries)

    def answer(self, part: str) -> dict[str, Any] | None:
        part = _squeeze(part)
        for text, entry in self.entries.items():
            start = text.find(part)
            if start < 0:
                continue
            self.parts.setdefault(text, set()).add(part)
            answer = draft_for_part(entry.draft, part, first=start == 0)
            if start == 0:
                if entry.summary is not None:
                    answer["summary"] = entry.summary
                for name, records in entry.plants.items():
                    answer[name] = [*answer[name], *records]
            return answer
        return None


def _completion(content: str, request: Mapping[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    tools = request.get("tools") or []
    if tools:  # TOOLS mode: the answer is the arguments of a call of the requested tool
        name = tools[0]["function"]["name"]
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_oracle",
                    "type": "function",
                    "function": {"name": name, "arguments": content},
                }
            ],
        }
    return {
        "id": "chatcmpl-oracle",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": request.get("model", MODEL),
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


class _Handler(BaseHTTPRequestHandler):
    server: _OracleHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        request = json.loads(self.rfile.read(length) or b"{}")
        script = self.server.script
        with self.server.lock:
            script.requests += 1
        user = next(
            (m["content"] for m in request.get("messages", []) if m.get("role") == "user"), ""
        )
        match = _USER_ARTICLE.search(user)
        answer = script.answer(match["text"]) if match else None
        if answer is None:
            script.unknown.append(user[:200])
            self._send(404, {"error": {"message": "oracle: no gold for this article"}})
            return
        self._send(200, _completion(json.dumps(answer, ensure_ascii=False), request))

    def _send(self, status: int, body: Mapping[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _OracleHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, script: Script) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.lock = threading.Lock()


@contextmanager
def serve(script: Script) -> Iterator[str]:
    """Run the oracle on 127.0.0.1; yields its base URL (".../v1")."""
    server = _OracleHTTPServer(script)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def article_text(path: Path) -> str:
    from summarizer.articles import read_article

    return read_article(path).text


def gold_script(gold_dir: Path = GOLD, articles_dir: Path = ARTICLES) -> Script:
    """A script answering every gold article with its gold Draft."""
    script = Script()
    for path in sorted(gold_dir.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        script.add(article_text(articles_dir / f"{path.stem}.txt"), draft_of(gold))
    return script


def split_context(text: str, parts: int, max_tokens: int) -> int:
    """The largest --context-tokens that cuts `text` into at least `parts` parts."""
    from summarizer.chunking import chunk_article
    from summarizer.pipeline import MIN_PART_TOKENS, PROMPT_OVERHEAD_TOKENS

    def tokens(piece: str) -> int:  # the compatible backend's count: ~4 characters a token
        return len(piece) // 4 + 1

    def count(budget: int) -> int:
        found = len(chunk_article(text, budget, tokens))
        try:  # the pipeline's older splitter, while it is still in use
            from summarizer.pipeline import split_article  # type: ignore[attr-defined]
        except ImportError:
            return found
        return min(found, len(split_article(text, budget, tokens)))

    budget = tokens(text)
    while budget > MIN_PART_TOKENS and count(budget) < parts:
        budget -= 1
    return budget + max_tokens + PROMPT_OVERHEAD_TOKENS


# --- the CLI end to end ------------------------------------------------------------------------

MAX_TOKENS = 4096


def cli(args: Sequence[str]) -> None:
    """Run the `summarizer` command in this process (the same code as the console script)."""
    import typer

    from summarizer.cli import app

    command = typer.main.get_command(app)
    try:
        command.main(args=list(args), prog_name="summarizer", standalone_mode=False)
    except SystemExit as exit_:
        if exit_.code not in (0, None):
            raise


@contextmanager
def api_key() -> Iterator[None]:
    """The SDK wants a key; the oracle ignores it (assembled here, never a real one)."""
    saved = os.environ.get("OPENAI_API_KEY")
    os.environ["OPENAI_API_KEY"] = "-".join(["sk", "oracle"])
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("OPENAI_API_KEY", None)
        else:
            os.environ["OPENAI_API_KEY"] = saved


def run_cli(
    base_url: str,
    out_dir: Path,
    *,
    split: int = 0,
    context_tokens: int | None = None,
    gold_dir: Path = GOLD,
    articles_dir: Path = ARTICLES,
) -> dict[str, int]:
    """`summarizer summarize` on every gold article, through the oracle at `base_url`.

    With `split`, each article gets the largest --context-tokens that cuts it into at least
    `split` parts; with `context_tokens`, every article gets that one. Returns the
    --context-tokens used, by article id.
    """
    contexts: dict[str, int] = {}
    out_dir.mkdir(parents=True, exist_ok=True)
    with api_key():
        for path in sorted(gold_dir.glob("*.json")):
            args = [
                "summarize", str(articles_dir / f"{path.stem}.txt"), "--backend", "openai",
                "--base-url", base_url, "--model", MODEL, "--max-tokens", str(MAX_TOKENS),
                "--out", str(out_dir / f"{path.stem}.json"),
            ]  # fmt: skip
            if split:
                text = article_text(articles_dir / f"{path.stem}.txt")
                contexts[path.stem] = split_context(text, split, MAX_TOKENS)
            elif context_tokens is not None:
                contexts[path.stem] = context_tokens
            if path.stem in contexts:
                args += ["--context-tokens", str(contexts[path.stem])]
            cli(args)
    return contexts


def evaluate_cli(
    pred_dir: Path,
    out: Path,
    *,
    markdown: bool,
    gold_dir: Path = GOLD,
    articles_dir: Path = ARTICLES,
) -> str:
    """`summarizer eval --pred` on what `run_cli` wrote; returns the report."""
    cli([
        "eval", "--gold", str(gold_dir), "--pred", str(pred_dir), "--articles", str(articles_dir),
        "--md" if markdown else "--json", "--out", str(out),
    ])  # fmt: skip
    return out.read_text(encoding="utf-8")


def ceiling_table(score: Mapping[str, Any]) -> str:
    """record F1 and field F1 per record type, from `summarizer eval --json`."""
    rows = [
        "| type | gold recs | pred recs | record F1 | field F1 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for kind, counts in score["micro"].items():
        records, fields = counts["records"], counts["fields"]
        rows.append(
            f"| {kind} | {records['gold']} | {records['predicted']} | "
            f"{_fmt(records['f1'])} | {_fmt(fields['f1'])} |"
        )
    return "\n".join(rows)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", type=int, default=0, help="cut every article into >= N parts")
    parser.add_argument("--context-tokens", type=int, help="one --context-tokens for every article")
    parser.add_argument("--md", action="store_true", help="the full Markdown report of eval")
    args = parser.parse_args(argv)
    script = gold_script()
    with tempfile.TemporaryDirectory() as tmp, serve(script) as base_url:
        pred = Path(tmp) / "pred"
        contexts = run_cli(base_url, pred, split=args.split, context_tokens=args.context_tokens)
        if args.md:
            print(evaluate_cli(pred, Path(tmp) / "eval.md", markdown=True))
        score = json.loads(evaluate_cli(pred, Path(tmp) / "eval.json", markdown=False))
    fewest = min(len(parts) for parts in script.parts.values())
    label = "whole articles"
    if contexts:
        low, high = min(contexts.values()), max(contexts.values())
        span = str(low) if low == high else f"{low}..{high}"
        label = f"split: --context-tokens {span}, every article in >= {fewest} parts"
    print(f"Oracle ceiling on fixtures/gold ({label}; {script.requests} model calls)\n")
    print(ceiling_table(score))


if __name__ == "__main__":
    main()
