"""How the model picks one option of a small decision (the `decomposed` strategy's decoding).

A `Question` is a rendered prompt plus its options: label -> wording. A `Chooser` returns
the index of the chosen option. The decodings, measured against each other in
docs/evaluation.md:

- `GreedyChooser` (grammar-constrained greedy choice): the prompt ends in "Answer:"; of
  every token that keeps the answer a prefix of some option's wording, the most likely is
  taken, the options it rules out drop, and so on until one option is complete. In-process
  it reads the embedded model's whole next-token distribution.
- `GrammarChooser`: the same decoding done by an OpenAI-compatible server: `/v1/completions`
  with a GBNF grammar that allows exactly the wordings (llama.cpp's server), temperature 0.
  Greedy decoding under that grammar is what `GreedyChooser` computes in-process, so a
  recording through llama-cpp-python's server replays the embedded model's choices.
- `LikelihoodChooser`: the option whose whole wording has the highest summed
  log-probability (in-process only: llama-cpp-python's server gives prompt log-probs only
  through `echo`, and computes them by sorting the vocabulary for every token).
- `EnumChooser`: a chat call whose answer is constrained by a JSON-schema `enum` of the
  wordings (any server with structured output, OpenAI included).
- `FirstChooser`: no model at all: the first option (the ablation baseline).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from summarizer.extract.base import CallTally

MAX_CHOICE_TOKENS = 32


@dataclass(frozen=True)
class Question:
    """One small decision: `prompt` ends where the answer starts; `chat` asks the same."""

    step: str
    prompt: str
    chat: str
    labels: tuple[str, ...]
    wordings: tuple[str, ...]


class AllowedTokens(Protocol):
    """A model that scores the next tokens that would begin one of `rests`."""

    def allowed_next(
        self, prompt: str, rests: Sequence[str], tally: CallTally
    ) -> list[tuple[str, float]]: ...


class ContinuationScores(Protocol):
    def continuation_logprobs(
        self, prompt: str, continuations: Sequence[str], tally: CallTally
    ) -> list[float]: ...


class ChatCreate(Protocol):
    def create(self, **kwargs: Any) -> Any: ...


class Chooser(Protocol):
    name: str

    def choose(self, question: Question, tally: CallTally) -> int: ...


class FirstChooser:
    """No model: the first option (candidates come nearest first, labels most frequent first)."""

    name = "first"

    def choose(self, question: Question, tally: CallTally) -> int:
        return 0


class StepsChooser:
    """The model decides only `steps`; every other step takes the code's first option.

    Which steps a model decides better than the code's priors is measured (docs/evaluation.md,
    the ablation): a weak model is asked only where it helps.
    """

    def __init__(self, model: Chooser, steps: frozenset[str]) -> None:
        self.model = model
        self.steps = steps
        self.name = f"{model.name}[{','.join(sorted(steps))}]"

    def choose(self, question: Question, tally: CallTally) -> int:
        if question.step not in self.steps:
            return 0
        return self.model.choose(question, tally)


class GreedyChooser:
    name = "greedy"

    def __init__(self, model: AllowedTokens) -> None:
        self.model = model

    def choose(self, question: Question, tally: CallTally) -> int:
        if len(question.labels) == 1:
            return 0
        alive = list(range(len(question.wordings)))
        consumed = ""
        while True:
            rests = [question.wordings[i][len(consumed) :] for i in alive]
            allowed = self.model.allowed_next(question.prompt + consumed, rests, tally)
            if not allowed:
                return alive[0]  # no token begins any option: keep the first
            consumed += max(allowed, key=lambda item: item[1])[0]
            done = [i for i in alive if question.wordings[i] == consumed]
            if done:
                return done[0]
            alive = [i for i in alive if question.wordings[i].startswith(consumed)]
            if len(alive) <= 1:
                return alive[0] if alive else 0


def gbnf_choice(wordings: Sequence[str]) -> str:
    """A GBNF grammar whose only sentences are `wordings`."""

    def literal(text: str) -> str:
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'

    return "root ::= " + " | ".join(literal(w) for w in dict.fromkeys(wordings))


def _count(tally: CallTally, completion: Any) -> Any:
    choice = completion.choices[0]
    usage = getattr(completion, "usage", None)
    created = getattr(completion, "created", None)
    tally.add(
        getattr(usage, "prompt_tokens", 0) or 0,
        getattr(usage, "completion_tokens", 0) or 0,
        getattr(choice, "finish_reason", None),
        created if isinstance(created, int) else None,
    )
    return choice


class GrammarChooser:
    """Greedy decoding under a grammar of the wordings, by an OpenAI-compatible server."""

    name = "greedy"

    def __init__(self, client: Any, model: str, seed: int = 0) -> None:
        self.client = client
        self.model = model
        self.seed = seed

    def choose(self, question: Question, tally: CallTally) -> int:
        if len(question.labels) == 1:
            return 0
        completion = self.client.completions.create(
            model=self.model,
            prompt=question.prompt,
            max_tokens=MAX_CHOICE_TOKENS,
            temperature=0.0,
            seed=self.seed,
            extra_body={"grammar": gbnf_choice(question.wordings)},
        )
        answer = _count(tally, completion).text or ""
        for index, wording in enumerate(question.wordings):
            if wording == answer:
                return index
        started = [i for i, w in enumerate(question.wordings) if answer and w.startswith(answer)]
        return started[0] if started else 0


class LikelihoodChooser:
    name = "likelihood"

    def __init__(self, model: ContinuationScores) -> None:
        self.model = model

    def choose(self, question: Question, tally: CallTally) -> int:
        if len(question.labels) == 1:
            return 0
        scores = self.model.continuation_logprobs(question.prompt, question.wordings, tally)
        return max(range(len(scores)), key=lambda i: (scores[i], -i))


class EnumChooser:
    """Structured output: the answer is one of the labels, by JSON schema."""

    name = "enum"

    def __init__(self, backend: ChatCreate, model: str) -> None:
        self.backend = backend
        self.model = model

    def choose(self, question: Question, tally: CallTally) -> int:
        if len(question.labels) == 1:
            return 0
        answers = list(dict.fromkeys(w.strip() for w in question.wordings))
        schema = {
            "type": "object",
            "properties": {"answer": {"type": "string", "enum": answers}},
            "required": ["answer"],
            "additionalProperties": False,
        }
        completion = self.backend.create(
            model=self.model,
            messages=[{"role": "user", "content": question.chat}],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema, "strict": True},
            },
            temperature=0.0,
            max_tokens=48,
        )
        choice = _count(tally, completion)
        try:
            picked = json.loads(choice.message.content or "{}").get("answer")
        except (json.JSONDecodeError, AttributeError):
            return 0
        for index, wording in enumerate(question.wordings):
            if wording.strip() == picked:
                return index
        return 0


def log_softmax(logits: Any) -> Any:
    """Log-probabilities of one row of logits (numpy, float64)."""
    import numpy as np

    row = np.asarray(logits, dtype=np.float64)
    peak = float(row.max())
    return row - (peak + math.log(float(np.exp(row - peak).sum())))
