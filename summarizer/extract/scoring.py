"""How the model picks one option of a small decision (the `decomposed` strategy's decoding).

A `Question` is a rendered prompt plus its options: label -> wording. A `Chooser` returns
the index of the chosen option. Three decodings, measured against each other in
docs/evaluation.md:

- `GreedyChooser` (constrained greedy choice by next-token log-probabilities): the prompt
  ends in "Answer:"; among the model's top next tokens, the most likely one that begins
  some option's wording is taken, the options that do not begin with it drop out, and so on
  until one option is left. It needs only "the top-k next tokens and their log-probs", which
  the embedded model gives in-process and any OpenAI-compatible server gives through
  `/v1/completions` with `logprobs` (llama.cpp, vLLM). Because both run the same algorithm
  on the same numbers, a recording through llama-cpp-python's server replays what the
  embedded model decides.
- `LikelihoodChooser`: the sum of the log-probabilities of each option's whole wording
  (in-process only: a server gives prompt log-probs only through `echo`, which
  llama-cpp-python computes by sorting the whole vocabulary for every prompt token).
- `EnumChooser`: a chat call whose answer is constrained by a JSON schema `enum` of the
  labels (any server with structured output, OpenAI included).
- `FirstChooser`: no model at all: the first option (the ablation baseline).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from summarizer.extract.base import CallTally

TOP_K = 20


@dataclass(frozen=True)
class Question:
    """One small decision: `prompt` ends where the answer starts; `chat` asks the same."""

    step: str
    prompt: str
    chat: str
    labels: tuple[str, ...]
    wordings: tuple[str, ...]


class NextTokens(Protocol):
    """A model that reports its most likely next tokens after a raw text prompt."""

    def next_tokens(self, prompt: str, k: int, tally: CallTally) -> list[tuple[str, float]]: ...


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


class GreedyChooser:
    name = "greedy"

    def __init__(self, model: NextTokens, k: int = TOP_K) -> None:
        self.model = model
        self.k = k

    def choose(self, question: Question, tally: CallTally) -> int:
        if len(question.labels) == 1:
            return 0
        alive = list(range(len(question.wordings)))
        consumed = ""
        while len(alive) > 1:
            top = self.model.next_tokens(question.prompt + consumed, self.k, tally)
            step = _best_step(top, [question.wordings[i][len(consumed):] for i in alive])
            if step is None:
                return alive[0]  # no option among the model's top tokens: keep the first
            piece, finished = step
            if finished is not None:
                return alive[finished]
            consumed += piece
            alive = [i for i in alive if question.wordings[i].startswith(consumed)]
        return alive[0]


def _best_step(
    top: list[tuple[str, float]], rests: list[str]
) -> tuple[str, int | None] | None:
    """The most likely token that starts some option's rest; an index if it ends one."""
    for token, _ in sorted(top, key=lambda item: -item[1]):
        if not token:
            continue
        for index, rest in enumerate(rests):
            if rest.startswith(token):
                return token, (index if rest == token else None)
            if token.startswith(rest) and rest:
                return token, index  # the token runs past the option's end: it is chosen
    return None


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
        usage = getattr(completion, "usage", None)
        choice = completion.choices[0]
        tally.add(
            getattr(usage, "prompt_tokens", 0) or 0,
            getattr(usage, "completion_tokens", 0) or 0,
            getattr(choice, "finish_reason", None),
        )
        try:
            picked = json.loads(choice.message.content or "{}").get("answer")
        except (json.JSONDecodeError, AttributeError):
            return 0
        for index, wording in enumerate(question.wordings):
            if wording.strip() == picked:
                return index
        return 0


def log_softmax_top(logits: Any, k: int) -> list[tuple[int, float]]:
    """(token id, log-prob) of the `k` most likely tokens of one row of logits (numpy)."""
    import numpy as np

    row = np.asarray(logits, dtype=np.float64)
    peak = float(row.max())
    norm = peak + math.log(float(np.exp(row - peak).sum()))
    top = np.argpartition(-row, k)[:k]
    return [(int(i), float(row[i]) - norm) for i in top]


class CompletionsNextTokens:
    """`NextTokens` from an OpenAI-compatible `/v1/completions` endpoint with `logprobs`.

    One token is generated (temperature 0); its `top_logprobs` are the model's top next
    tokens after the prompt. llama-cpp-python's server and vLLM answer this; OpenAI's own
    API no longer offers completions for current models (use `EnumChooser` there).
    """

    def __init__(self, client: Any, model: str, seed: int = 0) -> None:
        self.client = client
        self.model = model
        self.seed = seed

    def next_tokens(self, prompt: str, k: int, tally: CallTally) -> list[tuple[str, float]]:
        completion = self.client.completions.create(
            model=self.model,
            prompt=prompt,
            max_tokens=1,
            temperature=0.0,
            logprobs=k,
            seed=self.seed,
        )
        choice = completion.choices[0]
        usage = getattr(completion, "usage", None)
        tally.add(
            getattr(usage, "prompt_tokens", 0) or 0,
            getattr(usage, "completion_tokens", 0) or 0,
            getattr(choice, "finish_reason", None),
        )
        logprobs = getattr(choice, "logprobs", None)
        tops = getattr(logprobs, "top_logprobs", None) or [{}]
        first = tops[0] or {}
        return [(token, float(value)) for token, value in dict(first).items()]
