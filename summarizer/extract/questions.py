"""The prompts of the `decomposed` strategy: templates in prompts/decomposed/, one id per step.

`question.j2` is the cloze prompt the log-probability choosers score (it ends in
"Answer:"), `choice.j2` the same question with its options listed for a chat model
answering under a JSON-schema enum, `options.json` the question and option wordings of
every step. A step's prompt id is `decomposed/<step>`; its sha256 covers the two templates
and that step's entry of options.json, so provenance names exactly what asked.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2

from summarizer.extract.base import PromptRef
from summarizer.extract.scoring import Question

PROMPT_DIR = "decomposed"
PROMPT_VERSION = "decomposed-v1"
_TEMPLATES = ("question.j2", "choice.j2")

_environment = jinja2.Environment(
    autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=False
)


@functools.cache
def _source(name: str) -> str:
    path = resources.files("summarizer.prompts").joinpath(f"{PROMPT_DIR}/{name}")
    return path.read_text(encoding="utf-8")


@functools.cache
def _template(name: str) -> jinja2.Template:
    return _environment.from_string(_source(name))


@functools.cache
def steps() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = json.loads(_source("options.json"))["steps"]
    return loaded


@functools.cache
def prompt_ref(step: str) -> PromptRef:
    digest = hashlib.sha256()
    for name in _TEMPLATES:
        digest.update(name.encode() + b"\0" + _source(name).encode("utf-8") + b"\0")
    digest.update(json.dumps(steps()[step], sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return PromptRef(id=f"{PROMPT_DIR}/{step}", sha256=digest.hexdigest())


def all_prompt_refs() -> list[PromptRef]:
    return [prompt_ref(step) for step in steps()]


@dataclass(frozen=True)
class Ask:
    """Builds the questions of one sentence (the shared prefix of all its prompts)."""

    sentence: str

    def _question_text(self, step: str, thing: str) -> str:
        question: str = steps()[step]["question"]
        return question.replace("{thing}", " ".join(thing.split()))

    def _build(self, step: str, thing: str, labels: list[str], wordings: list[str]) -> Question:
        text = self._question_text(step, thing)
        sentence = " ".join(self.sentence.split())
        prompt = _template("question.j2").render(sentence=sentence, question=text)
        chat = _template("choice.j2").render(
            sentence=sentence, question=text, options=[w.strip() for w in wordings]
        )
        return Question(step, prompt, chat, tuple(labels), tuple(wordings))

    def label(
        self,
        step: str,
        thing: str = "",
        allowed: list[str] | None = None,
        order: list[str] | None = None,
    ) -> Question:
        """An enum decision: the step's labels (all, or `allowed`), in the step's order or
        in `order` (code's prior first: what the no-model baseline picks)."""
        options: dict[str, str] = steps()[step]["options"]
        labels = [label for label in order or options if allowed is None or label in allowed]
        return self._build(step, thing, labels, [options[label] for label in labels])

    def role(self, step: str, thing: str, names: list[str]) -> Question:
        """Which of `names` (candidates, nearest first) fills a role."""
        return self._build(step, thing, names, [f" {name}" for name in names])
