"""The store caches what the model said (by request hash), not what we made of it: grounding
and normalization re-run on a cache hit, so a fix to them reaches cached articles with zero
model calls. Real CLI in a subprocess, a real OpenAI-compatible HTTP server, real SQLite."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from helpers.benchmark_server import load_fake_openai

from summarizer.api import Summarizer
from summarizer.runner.inputs import expand_inputs
from summarizer.runner.runner import run_batch
from summarizer.store import Store

fake_openai = load_fake_openai()
API_KEY = "sk-" + "test-answer-cache-0123456789"


def write_articles(folder: Path, count: int, *, padding: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    filler = "".join(f"Paragraph {n} adds background on the war.\n\n" for n in range(padding))
    for i in range(count):
        (folder / f"a{i}.txt").write_text(
            f"Report {i}: officials said event number {i} happened in the east.\n\n{filler}"
            f"The United States announced ${100 + i} million in aid for Ukraine.\n"
        )


def amounts(out: Path) -> dict[str, float]:
    found = {}
    for line in out.read_text().splitlines():
        summary = json.loads(line)
        found[summary["article"]["id"]] = summary["aid"][0]["amount"]["amount"]
    return found


# A normalization fix, made in the process that reruns the batch: amounts are doubled. The
# assembly step looks the parser up when it builds a record, so patching it there is enough.
PATCHED_CLI = textwrap.dedent(
    """
    import summarizer.assemble as assemble
    real = assemble.parse_money
    def doubled(text):
        money = real(text)
        return money.model_copy(update={"amount": money.amount * 2})
    assemble.parse_money = doubled
    from summarizer.cli import app
    app()
    """
)


def batch(cli: str, folder: Path, out: Path, store: Path, base_url: str) -> None:
    env = {**os.environ, "OPENAI_API_KEY": API_KEY}
    command = [
        sys.executable, "-c", cli, "batch", str(folder), "--out", str(out), "--store", str(store),
        "--base-url", base_url, "--model", "gpt-4o-mini", "--no-progress",
    ]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr


def test_a_normalization_fix_reaches_cached_articles_with_zero_calls(tmp_path: Path) -> None:
    folder, store = tmp_path / "in", tmp_path / "store.db"
    write_articles(folder, 3)
    plain = "from summarizer.cli import app; app()"
    with fake_openai.serve() as fake:
        batch(plain, folder, tmp_path / "first.jsonl", store, fake.base_url)
        calls = fake.stats.requests
        assert calls == 3
        assert amounts(tmp_path / "first.jsonl") == {"a0": 100e6, "a1": 101e6, "a2": 102e6}
        batch(PATCHED_CLI, folder, tmp_path / "again.jsonl", store, fake.base_url)
        assert fake.stats.requests == calls, "the rerun must be answered from the store"
    assert amounts(tmp_path / "again.jsonl") == {"a0": 200e6, "a1": 202e6, "a2": 204e6}
    with Store(store) as opened:
        assert opened.stats().calls == 3  # cache hits are no calls


def _run(summarizer: Summarizer, folder: Path, out: Path, store: Store) -> Any:
    items = expand_inputs([str(folder)])
    return asyncio.run(run_batch(items, out, summarizer=summarizer, store=store, durable=False))


def test_the_answer_key_holds_base_url_and_context_budget(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_articles(folder, 2, padding=60)  # ~700 tokens: split in parts of 256 below
    with (
        Store(tmp_path / "store.db") as store,
        fake_openai.serve() as one,
        fake_openai.serve() as other,
    ):
        with Summarizer(base_url=one.base_url, api_key=API_KEY) as summarizer:
            first = _run(summarizer, folder, tmp_path / "1.jsonl", store)
            assert first.done == 2 and one.stats.requests == 2
            cached = _run(summarizer, folder, tmp_path / "2.jsonl", store)
            assert cached.from_cache == 2 and one.stats.requests == 2
        with Summarizer(base_url=other.base_url, api_key=API_KEY) as summarizer:
            moved = _run(summarizer, folder, tmp_path / "3.jsonl", store)
            assert moved.from_cache == 0 and other.stats.requests == 2  # another server
        with Summarizer(base_url=one.base_url, api_key=API_KEY, context_tokens=4400) as summarizer:
            split = _run(summarizer, folder, tmp_path / "4.jsonl", store)
            assert split.from_cache == 0 and one.stats.requests > 2  # parts: other requests


def test_the_answer_key_leaves_the_request_as_it_was() -> None:
    """The key is taken from the request as the backend will send it (wire format, seed,
    server extras) without changing the request instructor goes on to send."""
    import copy

    from summarizer.backends.openai_compat import OpenAICompatBackend
    from summarizer.drafts import Draft
    from summarizer.runner.metering import answer_key

    backend = OpenAICompatBackend(base_url="http://127.0.0.1:9/v1", api_key=API_KEY)
    backend.sampling_extras = {"top_k": 40}
    schema = {"name": "Draft", "schema": Draft.model_json_schema()}
    request = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "text"}],
        "response_format": {"type": "json_schema", "json_schema": schema},
        "extra_body": {"cache_prompt": True},
    }
    before = copy.deepcopy(request)
    key = answer_key(backend, request)
    assert request == before
    assert key == answer_key(backend, copy.deepcopy(before))
    sent = backend.prepare_request(dict(request))
    assert sent["response_format"]["type"] == "json_object"  # the key saw the wire form
    assert sent["extra_body"] == {"top_k": 40, "cache_prompt": True}
