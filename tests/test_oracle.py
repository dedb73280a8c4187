"""The oracle ceiling, as part of the suite: a perfect model's answers, through the real CLI.

For every gold file a scripted OpenAI-compatible server on 127.0.0.1 answers with the Draft
the gold implies; `summarizer summarize` (the real pipeline, openai SDK and instructor) and
`summarizer eval` score the result. Whatever is lost is lost by our own grounding and
normalization. Also with every article split into at least three parts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers.oracle import load_oracle

oracle = load_oracle()
TYPES = ("events", "aid", "transfers", "quotes")


def ceiling(tmp_path: Path, split: int) -> tuple[dict[str, Any], Any]:
    script = oracle.gold_script()
    with oracle.serve(script) as base_url:
        oracle.run_cli(base_url, tmp_path / "pred", split=split)
    report = oracle.evaluate_cli(tmp_path / "pred", tmp_path / "eval.json", markdown=False)
    return json.loads(report), script


def test_gold_draft_round_trips_through_the_draft_schema() -> None:
    from summarizer.drafts import Draft

    for path in sorted(oracle.GOLD.glob("*.json")):
        draft = oracle.draft_of(json.loads(path.read_text(encoding="utf-8")))
        Draft.model_validate(draft)  # the answer the oracle serves is a valid Draft


def test_oracle_ceiling_on_whole_articles(tmp_path: Path) -> None:
    score, script = ceiling(tmp_path, split=0)
    assert not script.unknown
    for kind in TYPES:
        micro = score["micro"][kind]
        assert micro["records"]["f1"] >= 0.98, (kind, micro["records"])
        assert micro["fields"]["f1"] >= 0.97, (kind, micro["fields"])


@pytest.mark.parametrize("parts", [3])
def test_oracle_ceiling_with_every_article_split(tmp_path: Path, parts: int) -> None:
    score, script = ceiling(tmp_path, split=parts)
    assert not script.unknown
    assert min(len(asked) for asked in script.parts.values()) >= parts
    assert len(script.parts) == len(list(oracle.GOLD.glob("*.json")))
    for kind in TYPES:
        micro = score["micro"][kind]
        assert micro["records"]["f1"] >= 0.95, (kind, micro["records"])
        assert micro["fields"]["f1"] >= 0.95, (kind, micro["fields"])
