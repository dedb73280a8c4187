"""Pin the decomposed strategy's recorded scores: replay fixtures/recordings/decomposed/ through
the shared pipeline, score the recorded gold articles, and write the numbers to
fixtures/evaluation-baseline.json under "strategies" -> "decomposed" (the single strategy's
numbers there are left as they are). tests/test_decomposed_replay.py holds every change to them.

    python scripts/decomposed_baseline.py
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from summarizer.articles import read_article
from summarizer.backends.openai_compat import OpenAICompatBackend
from summarizer.evaluation import evaluate, gate_numbers, to_markdown
from summarizer.extract.decomposed import decomposed_strategy
from summarizer.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ROOT / "fixtures" / "recordings" / "decomposed"
BASELINE = ROOT / "fixtures" / "evaluation-baseline.json"
COMMAND = "python scripts/decomposed_baseline.py"


def main() -> int:
    # Every gold article: one whose choices the model never had to make has no recording.
    recorded = sorted(p.stem for p in (ROOT / "fixtures" / "gold").glob("*.json"))
    backend = OpenAICompatBackend.for_replay(RECORDINGS)
    pipeline = Pipeline(backend, strategy=decomposed_strategy(backend))
    with tempfile.TemporaryDirectory() as work:
        gold, predictions = Path(work) / "gold", Path(work) / "pred"
        gold.mkdir()
        predictions.mkdir()
        for article_id in recorded:
            shutil.copy(ROOT / "fixtures" / "gold" / f"{article_id}.json", gold)
            article = read_article(ROOT / "fixtures" / "articles" / f"{article_id}.txt")
            summary = pipeline.run(article)
            (predictions / f"{article_id}.json").write_text(summary.model_dump_json())
        score = evaluate(gold, predictions, ROOT / "fixtures" / "articles")
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    baseline.setdefault("strategies", {})["decomposed"] = {
        "model": backend.model,
        "backend": "replay of fixtures/recordings/decomposed (llama-cpp-python's server)",
        "command": COMMAND,
        "articles": recorded,
        "numbers": gate_numbers(score),
    }
    BASELINE.write_text(json.dumps(baseline, indent=2) + "\n", encoding="utf-8")
    print(to_markdown(score))
    return 0


if __name__ == "__main__":
    sys.exit(main())
