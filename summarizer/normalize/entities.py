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

__all__ = [
    "body_forms",
    "canonical_entity",
    "canonical_mechanism",
    "entity_names",
    "mechanism_forms",
    "same_entity",
]


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


# --- mechanisms and bodies: names with the textual forms that stand for them -------------


@functools.cache
def _forms_table(file: str, section: str) -> dict[str, tuple[str, ...]]:
    """canonical name -> its textual forms, from `data/<file>`."""
    raw = resources.files("summarizer").joinpath(f"data/{file}").read_text("utf-8")
    entries: dict[str, list[str] | dict[str, list[str]]] = json.loads(raw)[section]
    return {
        canonical: (canonical, *(forms["forms"] if isinstance(forms, dict) else forms))
        for canonical, forms in entries.items()
    }


@functools.cache
def _bodies_of() -> dict[str, tuple[str, ...]]:
    """state -> the bodies that stand for it in actor fields (`of` in data/bodies.json)."""
    raw = resources.files("summarizer").joinpath("data/bodies.json").read_text("utf-8")
    found: dict[str, list[str]] = {}
    for body, entry in json.loads(raw)["bodies"].items():
        if entry.get("of"):
            found.setdefault(canonical_entity(entry["of"]), []).append(body)
    return {state: tuple(bodies) for state, bodies in found.items()}


@functools.cache
def _form_index(file: str, section: str) -> dict[str, str]:
    """key of a form -> canonical name; a form claimed by two names is a data error."""
    index: dict[str, str] = {}
    for canonical, forms in _forms_table(file, section).items():
        for form in forms:
            owner = index.setdefault(_entity_key(form), canonical)
            if owner != canonical:
                raise ValueError(f"{file}: {form!r} belongs to both {owner!r} and {canonical!r}")
    return index


def canonical_mechanism(text: str) -> str:
    """The guide's name for an aid mechanism ("drawdown" -> "Presidential Drawdown Authority",
    "Foreign Military Financing" -> "FMF"); unknown mechanisms come back stripped."""
    stripped = text.strip()
    return _form_index("mechanisms.json", "mechanisms").get(_entity_key(stripped), stripped)


def mechanism_forms(text: str) -> set[str]:
    """Every textual form that names this mechanism in an article (itself included)."""
    canonical = canonical_mechanism(text)
    return {text.strip(), *_forms_table("mechanisms.json", "mechanisms").get(canonical, ())}


def body_forms(name: str, *, actor: bool = False) -> set[str]:
    """Every textual form of a body ("Council of the European Union": "the Council", ...);
    for an actor, also the forms of the bodies that stand for it ("United States": "DoD",
    "White House", ...)."""
    stripped = name.strip()
    table = _forms_table("bodies.json", "bodies")
    canonical = _form_index("bodies.json", "bodies").get(_entity_key(stripped))
    forms = {stripped, *table.get(canonical, ())} if canonical else {stripped}
    if actor:
        for body in _bodies_of().get(canonical_entity(stripped, actor=True), ()):
            forms.update(table[body])
    return forms
