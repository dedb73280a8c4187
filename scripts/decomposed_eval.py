"""Run the `decomposed` strategy over the gold articles with one decoding, write predictions,
score them against fixtures/gold.

    python scripts/decomposed_eval.py --decoding greedy              # embedded Gemma 3 270M
    python scripts/decomposed_eval.py --decoding first               # no model (ablation)
    python scripts/decomposed_eval.py --decoding greedy --base-url http://127.0.0.1:8080/v1
    python scripts/decomposed_eval.py --decoding greedy --replay fixtures/recordings/decomposed

Predictions go to --out (one ArticleSummary JSON per article), so
`summarizer eval --gold fixtures/gold --pred OUT` scores them the same way. Prints the gate
numbers and the seconds each article took.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from summarizer.articles import Article, read_article
from summarizer.evaluation import evaluate, gate_numbers, to_markdown
from summarizer.extract.decomposed import (
    DECODINGS,
    DecomposedStrategy,
    chooser_for,
    decomposed_strategy,
)
from summarizer.extract.questions import steps as steps_of
from summarizer.schemas import ArticleSummary

ROOT = Path(__file__).resolve().parent.parent


def make_decomposed(
    decoding: str,
    *,
    base_url: str | None,
    model: str | None,
    replay: Path | None,
    record: Path | None,
    on_progress: Callable[[str], None] | None,
    steps: str | None = None,
) -> tuple[Any, DecomposedStrategy]:
    backend: Any = None
    if replay is not None:
        from summarizer.backends.openai_compat import OpenAICompatBackend

        backend = OpenAICompatBackend.for_replay(replay, model=model)
    elif base_url is not None:
        from summarizer.backends.openai_compat import OpenAICompatBackend

        backend = OpenAICompatBackend(
            model=model, base_url=base_url, recordings=record,
            record_mode="record" if record else "replay",
        )  # fmt: skip
    elif decoding != "first":
        from summarizer.backends.local import LocalBackend

        backend = LocalBackend(model_path=model, on_progress=on_progress)
    if decoding == "first":
        return backend, DecomposedStrategy(chooser_for(None, "first"), on_progress=on_progress)
    chosen = None
    if steps is not None:
        chosen = frozenset(steps_of()) if steps == "all" else frozenset(steps.split(","))
    strategy = decomposed_strategy(
        backend, decoding=decoding, steps=chosen, on_progress=on_progress
    )
    return backend, strategy


class MemoAllowed:
    """A development cache of the model's answers (same model, same prompt, same options)."""

    def __init__(self, model: Any, path: Path) -> None:
        self.model = model
        self.path = path
        self.memo: dict[str, list[list[Any]]] = (
            json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        )

    def allowed_next(self, prompt: str, rests: Any, tally: Any) -> list[tuple[str, float]]:
        key = "\1".join([prompt, *rests])
        if key not in self.memo:
            found = self.model.allowed_next(prompt, rests, tally)
            self.memo[key] = [list(pair) for pair in found]
            self.path.write_text(json.dumps(self.memo), encoding="utf-8")
        else:
            tally.add(0, 0, "cached")
        return [(str(token), float(logprob)) for token, logprob in self.memo[key]]


def assemble_article(
    article: Article, strategy: DecomposedStrategy, backend: Any
) -> ArticleSummary:
    """The shared pipeline with this strategy (the no-model baseline has no backend)."""
    from summarizer.pipeline import Pipeline

    return Pipeline(backend or _NoModel(), strategy=strategy).run(article)


class _NoModel:
    """Stands in for a backend when no model runs (the `first` decoding)."""

    name = "none"
    model = "none"
    server = None
    context_tokens = 1_000_000
    default_max_tokens = 0

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1

    def session(self, name: str, metadata: dict[str, Any]) -> Any:
        import contextlib

        return contextlib.nullcontext()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", nargs="*", type=Path)
    parser.add_argument("--decoding", choices=DECODINGS, default="greedy")
    parser.add_argument("--base-url", help="an OpenAI-compatible server instead of in-process")
    parser.add_argument("--model", help=".gguf path (local) or model name (server)")
    parser.add_argument("--replay", type=Path, help="answer from these recordings only")
    parser.add_argument("--record", type=Path, help="record the server's answers here")
    parser.add_argument("--out", type=Path, default=ROOT / ".decomposed-pred")
    parser.add_argument("--gold", type=Path, default=ROOT / "fixtures" / "gold")
    parser.add_argument("--md", type=Path, help="write the scorer's Markdown tables here")
    parser.add_argument("--verbose", action="store_true", help="progress on stderr")
    parser.add_argument("--memo", type=Path, help="development cache of next-token answers")
    parser.add_argument(
        "--steps", help="steps the model decides: all, or a comma list (default: measured)"
    )
    options = parser.parse_args()
    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    if options.articles:
        paths = options.articles
    else:
        gold = sorted(options.gold.glob("*.json"))
        paths = [ROOT / "fixtures" / "articles" / f"{g.stem}.txt" for g in gold]
    progress = (lambda message: print(message, file=sys.stderr)) if options.verbose else None
    backend, strategy = make_decomposed(
        options.decoding,
        base_url=options.base_url,
        model=options.model,
        replay=options.replay,
        record=options.record,
        on_progress=progress,
        steps=options.steps,
    )
    if options.memo is not None and options.decoding == "greedy":
        from summarizer.extract.scoring import GreedyChooser, StepsChooser

        chooser = strategy.chooser
        if isinstance(chooser, StepsChooser):
            chooser = chooser.model
        assert isinstance(chooser, GreedyChooser)
        chooser.model = MemoAllowed(chooser.model, options.memo)
    options.out.mkdir(parents=True, exist_ok=True)
    timings = {}
    try:
        for path in paths:
            article = read_article(path)
            started = time.monotonic()
            summary = assemble_article(article, strategy, backend)
            timings[article.meta.id] = round(time.monotonic() - started, 2)
            (options.out / f"{article.meta.id}.json").write_text(
                summary.model_dump_json(indent=2, exclude_none=True), encoding="utf-8"
            )
    finally:
        if backend is not None:
            backend.close()
    score = evaluate(options.gold, options.out, ROOT / "fixtures" / "articles")
    if options.md:
        options.md.write_text(to_markdown(score), encoding="utf-8")
    print(json.dumps({"decoding": options.decoding, "numbers": gate_numbers(score),
                      "seconds": timings}, indent=2))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
