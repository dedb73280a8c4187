"""The recorded corpus replayed offline: the real SDK, instructor, validation, re-asks,
grounding and normalization run against answers a real model gave.

Every article in fixtures/articles/ has a recording. Each replays to exactly what its
recording implies: a summary whose every offset is exact and whose call count equals the
recorded exchanges, or, where the model's first answer hit the token limit, the clear
truncation error.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import chat_completion, scripted_server

from summarizer import Summarizer
from summarizer.articles import read_article
from summarizer.errors import TruncatedOutputError
from summarizer.http.recording import ReplayMissError

ROOT = Path(__file__).parent.parent
ARTICLES = ROOT / "fixtures" / "articles"
RECORDINGS = ROOT / "fixtures" / "recordings"
ARTICLE_PATHS = sorted(ARTICLES.glob("*.txt"))


def recording_of(article: Path) -> dict[str, Any]:
    path = RECORDINGS / f"{article.stem}.json"
    assert path.exists(), f"no recording for {article.name}: python scripts/record_fixtures.py"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def finish_reasons(recording: dict[str, Any]) -> list[str]:
    return [e["response"]["body"]["choices"][0]["finish_reason"] for e in recording["exchanges"]]


@pytest.fixture(scope="module")
def replayer() -> Any:
    with Summarizer(backend="replay", recordings=RECORDINGS) as summarizer:
        yield summarizer


@pytest.mark.parametrize("article_path", ARTICLE_PATHS, ids=lambda p: p.stem)
def test_every_recorded_article_replays_offline(article_path: Path, replayer: Any) -> None:
    recording = recording_of(article_path)
    reasons = finish_reasons(recording)
    article = read_article(article_path)
    if reasons[0] == "length":
        with pytest.raises(TruncatedOutputError, match=article.meta.id):
            replayer.summarize(article)
        return
    result = replayer.summarize(article)
    assert result.provenance.usage.calls == len(reasons)
    assert result.provenance.model == recording["metadata"]["model"]
    assert result.provenance.prompt_sha256 == recording["metadata"]["prompt_sha256"]
    for quote, start, end in result.evidence_spans():
        assert article.text[start:end] == quote


SECRET_SHAPES = re.compile(r"sk-[A-Za-z0-9_-]{12,}|Bearer\s+\S+", re.IGNORECASE)
SECRET_HEADERS = {"authorization", "api-key", "x-api-key", "openai-organization", "openai-project"}


def test_recordings_name_the_model_and_hold_no_secrets_or_paths() -> None:
    for path in sorted(RECORDINGS.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        document = json.loads(text)
        assert document["metadata"]["model"] and document["metadata"]["response_models"]
        for exchange in document["exchanges"]:
            for side in ("request", "response"):
                headers = {name.lower() for name in exchange[side].get("headers", {})}
                assert not headers & SECRET_HEADERS, path.name
        assert SECRET_SHAPES.search(text) is None, path.name
        assert str(Path.home()) not in text and str(ROOT) not in text


def replay_cli(article: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "summarizer", "summarize", str(article),
         "--backend", "replay", "--recordings", str(RECORDINGS)],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    return done.stdout


def test_two_replays_are_byte_identical() -> None:
    replayable = [p for p in ARTICLE_PATHS if finish_reasons(recording_of(p))[0] != "length"]
    assert replayable, "no recording has a complete first answer"
    article = replayable[0]
    assert replay_cli(article) == replay_cli(article)


def test_a_replay_miss_names_the_key_and_how_to_record_it(tmp_path: Path, replayer: Any) -> None:
    changed = tmp_path / "000_changed.txt"
    changed.write_text("published: 2024-01-04\n---\nA text that was never recorded.\n")
    with pytest.raises(ReplayMissError) as caught:
        replayer.summarize(changed)
    message = str(caught.value)
    assert "summarizer record" in message and caught.value.key in message
    assert "\n" not in message


def test_record_against_a_live_server_then_replay_gives_the_same_summary(tmp_path: Path) -> None:
    article = ARTICLES / "023_wh-poltava-attack.txt"
    answer = {
        "summary": "President Biden condemned a Russian missile strike on Poltava.",
        "events": [],
        "aid": [],
        "transfers": [],
        "quotes": [],
    }
    with (
        scripted_server([chat_completion(json.dumps(answer))]) as server,
        Summarizer(
            backend="openai",
            base_url=server.base_url,
            model="scripted-model",
            recordings=tmp_path,
            record_mode="record",
        ) as recorder,
    ):
        recorded = recorder.summarize(article)
    with Summarizer(backend="replay", recordings=tmp_path) as replayer:
        replayed = replayer.summarize(article)
    assert replayed.provenance.backend == "replay"  # says where the answer came from
    replayed.provenance.backend = recorded.provenance.backend
    assert replayed.model_dump_json() == recorded.model_dump_json()
    assert [p.name for p in tmp_path.iterdir()] == ["023_wh-poltava-attack.json"]
