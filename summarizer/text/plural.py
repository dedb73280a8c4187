"""Plural folding: "Humvees" and "Humvee" share one key (rules in `data/plurals.json`)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

__all__ = ["singular"]


@dataclass(frozen=True)
class _Rules:
    min_length: int
    irregular: dict[str, str]
    suffixes: tuple[tuple[str, str], ...]


@functools.cache
def _rules() -> _Rules:
    raw = resources.files("summarizer").joinpath("data/plurals.json").read_text("utf-8")
    data = json.loads(raw)
    suffixes = tuple((str(a), str(b)) for a, b in data["suffixes"])
    return _Rules(int(data["min_length"]), dict(data["irregular"]), suffixes)


@functools.lru_cache(maxsize=4096)
def singular(word: str) -> str:
    """The singular key of one lower-case word ("containers" -> "container")."""
    rules = _rules()
    if word in rules.irregular:
        return rules.irregular[word]
    if len(word) < rules.min_length or not word.isalpha():
        return word
    for suffix, replacement in rules.suffixes:
        if word.endswith(suffix):
            return word[: len(word) - len(suffix)] + replacement
    return word
