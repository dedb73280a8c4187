"""The gate: no change may make the recorded model's extraction worse than the baseline.

The recorded model is the embedded 270M one, which grounds almost nothing: its record F1s
are a floor. The share of articles summarized and the summaries' ROUGE-L still move when a
change breaks the pipeline. The baseline (fixtures/evaluation-baseline.json) is written by
`python scripts/evaluate_baseline.py` from a replay of fixtures/recordings/.
"""

from __future__ import annotations

import json
from pathlib import Path

from summarizer import Summarizer
from summarizer.evaluation import evaluate_model, gate_numbers, regressions

ROOT = Path(__file__).parent.parent
BASELINE = json.loads((ROOT / "fixtures" / "evaluation-baseline.json").read_text())


def test_no_f1_falls_below_the_committed_baseline() -> None:
    with Summarizer(backend="replay", recordings=ROOT / "fixtures" / "recordings") as summarizer:
        assert summarizer.backend.model == BASELINE["model"]
        score = evaluate_model(
            ROOT / "fixtures" / "gold", ROOT / "fixtures" / "articles", summarizer.summarize
        )
    assert regressions(BASELINE["numbers"], gate_numbers(score), BASELINE["tolerance"]) == []


def test_the_gate_trips_on_a_drop() -> None:
    baseline = {"events.fields.f1": 0.5, "events.records.f1": None}
    current = {"events.fields.f1": 0.47, "events.records.f1": 0.1}
    assert regressions(baseline, current, 0.02) == ["events.fields.f1 fell from 0.500 to 0.470"]
    assert regressions(baseline, {"events.fields.f1": 0.49}, 0.02) == []
    assert regressions(baseline, {}, 0.02) == ["events.fields.f1 fell from 0.500 to 0.000"]
