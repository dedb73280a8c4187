"""The decomposed strategy end to end, offline: the shared pipeline replays the embedded
model's answers recorded through llama-cpp-python's server (scripts/record_decomposed.py).

The recordings are real HTTP exchanges (`/v1/completions` under a grammar of the options),
so the `openai` SDK, the recording transport and the strategy's choosers all run for real;
the gate holds the recorded articles' scores to fixtures/evaluation-baseline.json.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from summarizer.articles import read_article
from summarizer.backends.openai_compat import OpenAICompatBackend
from summarizer.evaluation import evaluate, gate_numbers, regressions
from summarizer.extract.decomposed import decomposed_strategy
from summarizer.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ROOT / "fixtures" / "recordings" / "decomposed"
# Every gold article replays: one whose choices never needed the model has no recording file.
RECORDED = sorted(p.stem for p in (ROOT / "fixtures" / "gold").glob("*.json"))
BASELINE = json.loads((ROOT / "fixtures" / "evaluation-baseline.json").read_text())


def _pipeline() -> Pipeline:
    backend = OpenAICompatBackend.for_replay(RECORDINGS)
    return Pipeline(backend, strategy=decomposed_strategy(backend))


@pytest.mark.parametrize("article_id", RECORDED)
def test_a_replay_is_grounded_deterministic_and_says_which_prompts_made_it(
    article_id: str,
) -> None:
    article = read_article(ROOT / "fixtures" / "articles" / f"{article_id}.txt")
    first = _pipeline().run(article)
    again = _pipeline().run(article)
    recorded = (RECORDINGS / f"{article_id}.json").exists()
    # With no model answer there is no answer time to copy: created_at is the run's own.
    skip = None if recorded else {"provenance": {"created_at"}}
    assert first.model_dump_json(exclude=skip) == again.model_dump_json(exclude=skip)
    spans = list(first.evidence_spans())
    assert all(article.text[start:end] == quote for quote, start, end in spans)
    assert first.provenance.strategy == "decomposed"
    assert (first.provenance.usage.calls > 0) == recorded
    assert {p.id for p in first.provenance.prompts} >= {"decomposed/record_type"}


def test_the_recorded_articles_score_no_worse_than_the_baseline(tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    predictions = tmp_path / "pred"
    gold.mkdir()
    predictions.mkdir()
    pipeline = _pipeline()
    for article_id in RECORDED:
        shutil.copy(ROOT / "fixtures" / "gold" / f"{article_id}.json", gold)
        article = read_article(ROOT / "fixtures" / "articles" / f"{article_id}.txt")
        summary = pipeline.run(article)
        (predictions / f"{article_id}.json").write_text(summary.model_dump_json())
    score = evaluate(gold, predictions, ROOT / "fixtures" / "articles")
    baseline = BASELINE["strategies"]["decomposed"]
    assert baseline["articles"] == RECORDED
    assert regressions(baseline["numbers"], gate_numbers(score), BASELINE["tolerance"]) == []
