"""Score the recorded embedded-model predictions against the gold fixtures and write the
baseline: docs/evaluation.md (the tables) and fixtures/evaluation-baseline.json (the F1s
that tests/test_evaluation_baseline.py holds every change to).

    python scripts/evaluate_baseline.py

Predictions come from replaying fixtures/recordings/, so this costs no model call and gives
the same numbers on every machine.
"""

from __future__ import annotations

import json
from pathlib import Path

from summarizer import Summarizer
from summarizer.evaluation import evaluate_model, f1_table, to_markdown

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "fixtures" / "gold"
ARTICLES = ROOT / "fixtures" / "articles"
RECORDINGS = ROOT / "fixtures" / "recordings"
TOLERANCE = 0.02
COMMAND = "python scripts/evaluate_baseline.py"


def main() -> None:
    with Summarizer(backend="replay", recordings=RECORDINGS) as summarizer:
        model = summarizer.backend.model
        score = evaluate_model(GOLD, ARTICLES, summarizer.summarize)
    baseline = {
        "model": model,
        "backend": "replay of fixtures/recordings (recorded from llama-cpp-python's server)",
        "tolerance": TOLERANCE,
        "command": COMMAND,
        "f1": f1_table(score),
    }
    (ROOT / "fixtures" / "evaluation-baseline.json").write_text(
        json.dumps(baseline, indent=2) + "\n", encoding="utf-8"
    )
    header = (
        "# Evaluation\n\n"
        f"Model: **{model}** (the embedded Gemma 3 270M, Q4_K_M), scored on the "
        f"{len(score.articles)} gold articles of `fixtures/gold/` from its recorded answers in "
        "`fixtures/recordings/` (made through llama-cpp-python's OpenAI-compatible server, "
        "temperature 0, seed 0, max 1024 answer tokens, 2 re-asks).\n\n"
        f"Reproduce: `{COMMAND}` (replays the recordings; no model call). "
        "Score any other model the same way: "
        "`summarizer eval --gold fixtures/gold --backend openai --model MODEL`.\n\n"
        "This is a floor, not a target: a 270M model is far too small for this task. "
        "Errors (answers cut off at the token limit) count as empty predictions. "
        f"A test fails when a change lowers any of these F1s by more than {TOLERANCE}.\n\n"
    )
    (ROOT / "docs" / "evaluation.md").write_text(header + to_markdown(score), encoding="utf-8")
    print(json.dumps(baseline["f1"], indent=2))


if __name__ == "__main__":
    main()
