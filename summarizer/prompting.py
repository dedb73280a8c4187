"""Prompt rendering: the Jinja templates in `prompts/` become chat messages.

Templates are data, not code: they ship as the package `summarizer.prompts`. A prompt has
an id and the sha256 of its template files, and both go into every summary's provenance,
so a result always says which prompt made it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import jinja2

from summarizer.schemas import ArticleMeta

PROMPT_ID = "extract-v1"
_TEMPLATE_FILES = ("extract.system.j2", "extract.user.j2", "extract.example.json")

# Articles are inserted as values, never parsed as templates; autoescape is for HTML.
_environment = jinja2.Environment(
    autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
)


@dataclass(frozen=True)
class Prompt:
    id: str
    sha256: str
    system: str


@cache
def _template_source(name: str) -> str:
    return resources.files("summarizer.prompts").joinpath(name).read_text(encoding="utf-8")


@cache
def _template(name: str) -> jinja2.Template:
    return _environment.from_string(_template_source(name))


@cache
def load_prompt() -> Prompt:
    """The extraction prompt: its id, the sha256 of its files, and the rendered system text."""
    digest = hashlib.sha256()
    for name in _TEMPLATE_FILES:
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(_template_source(name).encode("utf-8"))
        digest.update(b"\0")
    example = json.loads(_template_source("extract.example.json"))
    system = _template("extract.system.j2").render(
        example_answer=json.dumps(example, ensure_ascii=False)
    )
    return Prompt(id=PROMPT_ID, sha256=digest.hexdigest(), system=system.strip())


def build_messages(
    text: str, meta: ArticleMeta, *, part_number: int = 1, part_count: int = 1
) -> list[dict[str, str]]:
    """The chat messages asking the model to extract records from `text`."""
    user = _template("extract.user.j2").render(
        text=text, meta=meta, part_number=part_number, part_count=part_count
    )
    return [
        {"role": "system", "content": load_prompt().system},
        {"role": "user", "content": user.strip()},
    ]
