"""Entity names: canonical names, aliases and metonyms from `summarizer/data/aliases.json`.

Names match case-insensitively, ignoring a leading "the", curly vs straight apostrophes,
full stops ("U.S." = "US") and a trailing possessive "'s". Metonyms (a capital standing
for the state: "Pyongyang", "Moscow") count only for actor fields.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources

from summarizer.text.fold import fold_chars

__all__ = ["canonical_entity", "entity_names", "same_entity"]


@dataclass(frozen=True)
class _AliasTable:
    names: dict[str, str]  # key of a canonical name or alias -> canonical name
    metonyms: dict[str, str]  # key of a metonym -> canonical name (actors only)
    aliases_of: dict[str, tuple[str, ...]]
    metonyms_of: dict[str, tuple[str, ...]]


def _entity_key(name: str) -> str:
    """Matching key: case, a leading "the", apostrophe style, full stops, a possessive."""
    key = " ".join(fold_chars(name).casefold().split())
    key = re.sub(r"^the\s+", "", key)
    key = re.sub(r"(?:'s|(?<=s)')$", "", key)
    return key.replace(".", "").strip(" ,;:")


@functools.cache
def _alias_table() -> _AliasTable:
    """Load `data/aliases.json` once; a name claimed by two entities is a data error."""
    raw = resources.files("summarizer").joinpath("data/aliases.json").read_text("utf-8")
    entities: dict[str, dict[str, list[str]]] = json.loads(raw)["entities"]
    names: dict[str, str] = {}
    metonyms: dict[str, str] = {}
    aliases_of: dict[str, tuple[str, ...]] = {}
    metonyms_of: dict[str, tuple[str, ...]] = {}

    def claim(table: dict[str, str], name: str, canonical: str) -> None:
        key = _entity_key(name)
        owner = names.get(key) or metonyms.get(key)
        if owner is not None and owner != canonical:
            raise ValueError(f"aliases.json: {name!r} belongs to both {owner!r} and {canonical!r}")
        table[key] = canonical

    for canonical, entry in entities.items():
        aliases_of[canonical] = tuple(entry.get("aliases", []))
        metonyms_of[canonical] = tuple(entry.get("metonyms", []))
        claim(names, canonical, canonical)
        for alias in aliases_of[canonical]:
            claim(names, alias, canonical)
    for canonical, found in metonyms_of.items():
        for metonym in found:
            claim(metonyms, metonym, canonical)
    return _AliasTable(names, metonyms, aliases_of, metonyms_of)


def canonical_entity(name: str, *, actor: bool = False) -> str:
    """The canonical name of an entity ("DPRK" -> "North Korea").

    Metonyms ("Pyongyang" for North Korea) count only when `actor` is True (attacker,
    donor, recipient, supplier), never for places. Unknown names come back stripped.
    """
    stripped = name.strip()
    table = _alias_table()
    key = _entity_key(stripped)
    canonical = table.names.get(key)
    if canonical is None and actor:
        canonical = table.metonyms.get(key)
    return stripped if canonical is None else canonical


def entity_names(name: str, *, actor: bool = False) -> set[str]:
    """Every known name of the entity (canonical, aliases, metonyms if `actor`).

    Names with an apostrophe come in both straight and curly form, so grounding finds
    the curly "People\u2019s" as well as "People's". Unknown names give just {name},
    stripped.
    """
    stripped = name.strip()
    canonical = canonical_entity(stripped, actor=actor)
    table = _alias_table()
    if canonical not in table.aliases_of:
        return {stripped}
    names = {stripped, canonical, *table.aliases_of[canonical]}
    if actor:
        names.update(table.metonyms_of[canonical])
    for known in list(names):
        names.add(known.replace("'", "\u2019"))
        names.add(known.replace("\u2019", "'"))
    return names


def same_entity(a: str, b: str, *, actor: bool = False) -> bool:
    """Whether two names denote the same entity (unknown names: same matching key)."""
    return _entity_key(canonical_entity(a, actor=actor)) == _entity_key(
        canonical_entity(b, actor=actor)
    )
