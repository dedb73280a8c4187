"""End to end with the real embedded model (Gemma 3 270M): in-process, and through
llama-cpp-python's real OpenAI-compatible server started by the test. Minutes, not seconds.

The model is weak; these tests check that the whole path works and that whatever it
answers comes out valid and verified, not that it is accurate (see docs/evaluation.md).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from summarizer import summarize
from summarizer.articles import read_article
from summarizer.backends.local import default_model_path
from summarizer.schemas import ArticleSummary

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "fixtures" / "articles" / "000_nk-missiles-russia.txt"
# An article whose recorded server run completed (see fixtures/recordings/).
SERVER_ARTICLE = ROOT / "fixtures" / "articles" / "023_wh-poltava-attack.txt"


def assert_verified(summary: ArticleSummary, article_path: Path) -> None:
    text = read_article(article_path).text
    for quote, start, end in summary.evidence_spans():
        assert text[start:end] == quote
    # A summary is kept, or its sentences were dropped as unsupported and listed.
    dropped = [r for r in summary.provenance.rejected if r.kind == "summary"]
    assert summary.summary.strip() or dropped
    assert summary.provenance.usage.calls >= 1


def test_embedded_model_summarizes_the_example_offline() -> None:
    result = summarize(EXAMPLE, backend="local")
    assert result.provenance.backend == "local"
    assert result.provenance.model == "gemma-3-270m-q4_k_m.gguf"
    assert_verified(result, EXAMPLE)
    # what it got wrong is reported, not hidden
    for rejection in result.provenance.rejected:
        assert rejection.reason


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    model = default_model_path()
    server = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model),
         "--model_alias", model.name, "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", "8192", "--seed", "0",
         # the server keeps every position's logits by default: n_ctx x a 262k vocabulary,
         # about 8 GB, most of the suite's peak memory; this test reads none of them
         "--logits_all", "false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, "llama_cpp.server exited"
            try:
                urllib.request.urlopen(f"{base_url}/models", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "llama_cpp.server did not start"
                time.sleep(0.5)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_cli_against_llama_cpp_python_server(llama_server: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "summarizer", "summarize", str(SERVER_ARTICLE),
         "--base-url", llama_server, "--model", "gemma-3-270m-q4_k_m.gguf",
         "--max-tokens", "1024"],
        capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = ArticleSummary.model_validate(json.loads(done.stdout))
    assert summary.provenance.backend == "openai"
    assert_verified(summary, SERVER_ARTICLE)
