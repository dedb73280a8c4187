"""The `decomposed` strategy: code finds candidates, the model makes small choices only.

For each sentence of a chunk (see `candidates`), the model is asked which record type it
holds, among the types its candidates make possible (money: aid; a weapon: a transfer; an
attack word: an event; or none). For each record, code takes every value it can read off
the text (amounts, counts, dates, designations, weapon categories, mechanisms, the quoted
words), and the model chooses who fills each role among the actor candidates near the
sentence (donor, recipient, supplier, attacker, speaker) and which label fits (stage,
scope, aid_type, status, kind, certainty). A `Chooser` decides how the model chooses (see
`scoring`); `FirstChooser` runs the same code with no model at all, for the ablation.

Evidence is the sentence itself (plus the sentence naming an actor found further away),
so every record is grounded by construction; the shared grounding still checks it.
The summary is the article's lead sentences, chosen by code (docs/evaluation.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

from summarizer.drafts import (
    Draft,
    DraftAid,
    DraftAttribution,
    DraftEvent,
    DraftQuote,
    DraftTransfer,
)
from summarizer.errors import ConfigurationError
from summarizer.extract.base import CallTally, ChunkResult, PromptRef
from summarizer.extract.candidates import (
    Candidate,
    Candidates,
    Quotation,
    Sentence,
    find_candidates,
)
from summarizer.extract.questions import Ask, all_prompt_refs, steps
from summarizer.extract.scoring import (
    Chooser,
    EnumChooser,
    FirstChooser,
    GrammarChooser,
    GreedyChooser,
    LikelihoodChooser,
    Question,
    StepsChooser,
)
from summarizer.grounding import partition_draft

if TYPE_CHECKING:
    from summarizer.articles import Article
    from summarizer.chunking import Chunk

ProgressHook = Callable[[str], None]
MAX_ROLE_OPTIONS = 5
SUMMARY_SENTENCES = 3
MIN_SUMMARY_WORDS = 8


@dataclass(frozen=True)
class _Cues:
    parents: dict[str, str]
    mechanisms: list[tuple[str, re.Pattern[str]]]
    event: re.Pattern[str]
    transfer: re.Pattern[str]
    attribution: re.Pattern[str]
    killed: re.Pattern[str]
    injured: re.Pattern[str]
    bodies: re.Pattern[str]
    header_lines: frozenset[str]
    kinds: list[tuple[str, re.Pattern[str]]]
    future: re.Pattern[str]


def _words(words: Iterable[str]) -> re.Pattern[str]:
    ordered = sorted(words, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in ordered) + r")(?!\w)")


@functools.cache
def cues() -> _Cues:
    raw = resources.files("summarizer").joinpath("data/decomposed.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    mechanisms = [(name, _words(forms)) for name, forms in data["mechanisms"].items()]
    return _Cues(
        parents=data["parents"],
        mechanisms=mechanisms,
        event=re.compile(_words(data["event_cues"]).pattern, re.IGNORECASE),
        transfer=re.compile(_words(data["transfer_cues"]).pattern, re.IGNORECASE),
        attribution=_words(data["attribution_verbs"]),
        killed=_words(data["killed_cues"]),
        injured=_words(data["injured_cues"]),
        bodies=_words(data["bodies"]),
        header_lines=frozenset(data["header_lines"]),
        kinds=[
            (kind, re.compile(_words(words).pattern, re.IGNORECASE))
            for kind, words in data["kind_cues"].items()
        ],
        future=_words(data["future_cues"]),
    )


def _actor_name(candidate: Candidate) -> str:
    return cues().parents.get(candidate.value, candidate.value)


@functools.lru_cache(maxsize=8)
def _candidates(text: str, published: dt.date | None) -> Candidates:
    return find_candidates(text, published)


@dataclass
class _Context:
    """One chunk's work: the article's candidates, the chooser, the tally."""

    text: str
    found: Candidates
    chooser: Chooser
    tally: CallTally

    answers: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)

    def choose(self, question: Question) -> str:
        """The chosen label; a question asked twice in one article is answered once."""
        key = (question.prompt, question.labels)
        if key not in self.answers:
            self.answers[key] = question.labels[self.chooser.choose(question, self.tally)]
        return self.answers[key]

    def sentence_of(self, offset: int) -> Sentence | None:
        return next((s for s in self.found.sentences if s.start <= offset < s.end), None)


class DecomposedStrategy:
    """Candidates by code, choices by the model (see the module docstring)."""

    name = "decomposed"

    def __init__(self, chooser: Chooser, *, on_progress: ProgressHook | None = None) -> None:
        self.chooser = chooser
        self.on_progress = on_progress

    def prompts(self) -> list[PromptRef]:
        return all_prompt_refs()

    async def aextract(self, article: Article, chunk: Chunk, tally: CallTally) -> ChunkResult:
        return await asyncio.to_thread(self.extract, article, chunk, tally)

    def extract(self, article: Article, chunk: Chunk, tally: CallTally) -> ChunkResult:
        found = _candidates(article.text, article.meta.published)
        context = _Context(article.text, found, self.chooser, tally)
        indices = [i for i, s in enumerate(found.sentences) if chunk.start <= s.start < chunk.end]
        typed = [(i, _possible_types(found.sentences[i])) for i in indices]
        typed = [(i, types) for i, types in typed if types]
        events: list[DraftEvent] = []
        aid: list[DraftAid] = []
        transfers: list[DraftTransfer] = []
        for step, (index, types) in enumerate(typed, start=1):
            self._progress(f"{article.meta.id}: sentence {step} of {len(typed)}")
            sentence = found.sentences[index]
            ask = Ask(sentence.text)
            kind = context.choose(ask.label("record_type", order=[*types, "none"]))
            if kind == "aid":
                aid.extend(_aid_records(context, index))
            elif kind == "transfer":
                transfers.extend(_transfer_records(context, index))
            elif kind == "event":
                events.extend(_event_records(context, index))
        quotes = [
            q
            for quotation in found.quotations
            if chunk.start <= quotation.start < chunk.end
            and (q := _quote_record(context, quotation)) is not None
        ]
        draft = Draft(
            summary=lead_summary(found, cues().header_lines) if chunk.number == 1 else "",
            events=_merge_events(events),
            aid=_dedupe_aid(aid),
            transfers=_dedupe_transfers(transfers),
            quotes=quotes,
        )
        # Evidence may name an actor from another paragraph, so the whole text is the scope.
        published = article.meta.published.isoformat() if article.meta.published else None
        kept, rejected = partition_draft(draft, article.text, published=published)
        return ChunkResult(kept, rejected)

    def _progress(self, message: str) -> None:
        if self.on_progress is not None:
            self.on_progress(message)


# --------------------------------------------------------------------------- record types


def _possible_types(sentence: Sentence) -> list[str]:
    """The record types the sentence's candidates allow, the one its words point to first."""
    types = []
    if sentence.of_kind("money"):
        types.append("aid")
    weapons = [w for w in sentence.of_kind("weapon") if w.value != "other" or w.designation]
    supplied = cues().transfer.search(sentence.text) is not None
    if weapons or (sentence.of_kind("weapon") and supplied):
        types.append("transfer")
    if cues().event.search(sentence.text) and not cues().future.search(sentence.text):
        # An attack sentence that names weapons is about the attack unless they are supplied.
        types.insert(0 if not supplied and "aid" not in types else len(types), "event")
    return types


# --------------------------------------------------------------------------- roles


def _actor_options(
    context: _Context, index: int, exclude: str | None = None
) -> list[tuple[str, Candidate]]:
    """Actor candidates nearest first: this sentence, its paragraph, then the article."""
    sentences = context.found.sentences
    paragraph = sentences[index].paragraph
    earlier = range(index - 1, -1, -1)
    later = range(index + 1, len(sentences))
    order = [index]
    order += [i for i in earlier if sentences[i].paragraph == paragraph]
    order += [i for i in later if sentences[i].paragraph == paragraph]
    order += [i for i in earlier if sentences[i].paragraph != paragraph]
    order += [i for i in later if sentences[i].paragraph != paragraph]
    options: dict[str, Candidate] = {}
    for i in order:
        for candidate in sentences[i].of_kind("actor"):
            name = _actor_name(candidate)
            if name != exclude:
                options.setdefault(name, candidate)
        if len(options) >= MAX_ROLE_OPTIONS:
            break
    return list(options.items())[:MAX_ROLE_OPTIONS]


def _choose_actor(
    context: _Context, index: int, step: str, thing: str, exclude: str | None = None
) -> tuple[str, Candidate] | None:
    options = _actor_options(context, index, exclude)
    if not options:
        return None
    ask = Ask(context.found.sentences[index].text)
    picked = context.choose(ask.role(step, thing, [name for name, _ in options]))
    return next(option for option in options if option[0] == picked)


def _evidence(context: _Context, index: int, *mentions: Candidate | None) -> list[str]:
    """The sentence, plus the sentence of every chosen mention outside its paragraph."""
    sentence = context.found.sentences[index]
    quotes = [sentence.text]
    for mention in mentions:
        if mention is None or sentence.paragraph[0] <= mention.start < sentence.paragraph[1]:
            continue
        other = context.sentence_of(mention.start)
        if other is not None and other.text not in quotes:
            quotes.append(other.text)
    return quotes[:4]


def _attribution(context: _Context, index: int) -> DraftAttribution | None:
    """The nearest named person or speaking body at or before the sentence, and how sure."""
    sentences = context.found.sentences
    for i in range(index, -1, -1):
        people = sentences[i].of_kind("person")
        bodies = [m.group() for m in cues().bodies.finditer(sentences[i].text)]
        names = [p.text for p in people] + bodies
        if names:
            ask = Ask(sentences[index].text)
            certainty = context.choose(ask.label("certainty"))
            return DraftAttribution(source=names[0], certainty=certainty)
    return None


# --------------------------------------------------------------------------- aid


def _segment(sentence: Sentence, spans: list[Candidate], position: int) -> tuple[int, int]:
    """The stretch of the sentence that belongs to `spans[position]` (between its neighbours)."""
    start = spans[position - 1].end if position > 0 else sentence.start
    end = spans[position + 1].start if position + 1 < len(spans) else sentence.end
    return start, end


def _mechanism(text: str, sentence: Sentence, money: list[Candidate], position: int) -> str | None:
    start, end = _segment(sentence, money, position)
    after = (money[position].end, end)
    before = (start, money[position].start)
    for a, b in (after, before):
        for name, pattern in cues().mechanisms:
            found = pattern.search(text, a, b)
            if found:
                # The usual name when the article uses it somewhere, else the words it uses.
                return name if re.search(re.escape(name), text) else found.group()
    return None


def _date_for(sentence: Sentence, spans: list[Candidate], position: int) -> str | None:
    dates = sentence.of_kind("date")
    if not dates:
        return None
    if len(dates) == len(spans) > 1 and "respectively" in sentence.text:
        return dates[position].text
    start, end = _segment(sentence, spans, position)
    inside = [d for d in dates if start <= d.start < end]
    return (inside or dates)[0].text


def _aid_records(context: _Context, index: int) -> list[DraftAid]:
    sentence = context.found.sentences[index]
    money = sentence.of_kind("money")
    ask = Ask(sentence.text)
    records = []
    for position, amount in enumerate(money):
        donor = _choose_actor(context, index, "donor", amount.text)
        if donor is None:
            continue
        recipient = _choose_actor(context, index, "aid_recipient", amount.text, exclude=donor[0])
        if recipient is None:
            continue
        records.append(
            DraftAid(
                evidence=_evidence(context, index, donor[1], recipient[1]),
                donor=donor[0],
                recipient=recipient[0],
                amount=amount.text,
                aid_type=context.choose(ask.label("aid_type")),
                stage=context.choose(ask.label("stage", amount.text)),
                scope=context.choose(ask.label("scope", amount.text)),
                mechanism=_mechanism(context.text, sentence, money, position),
                date=_date_for(sentence, money, position),
                description=sentence.text,
                attribution=_attribution(context, index),
            )
        )
    return records


def _dedupe_aid(records: list[DraftAid]) -> list[DraftAid]:
    """The same amount said twice (a headline and the body) is one record."""
    from summarizer.normalize import parse_money

    kept: list[DraftAid] = []
    for record in records:
        money = parse_money(record.amount or "")
        twin = next(
            (
                k
                for k in kept
                if parse_money(k.amount or "").amount == money.amount
                and parse_money(k.amount or "").currency == money.currency
                and (k.date is None or record.date is None or k.date == record.date)
            ),
            None,
        )
        if twin is None:
            kept.append(record)
    return kept


# --------------------------------------------------------------------------- transfers


def _quantity_before(text: str, sentence: Sentence, weapon: Candidate) -> Candidate | None:
    for count in sentence.of_kind("count"):
        gap = text[count.end : weapon.start]
        close = re.fullmatch(r"\s*(?:[\w-]+\s+){0,3}", gap) is not None
        if count.end <= weapon.start and close and not re.search(r"[.;:]", gap):
            return count
    return None


def _transfer_records(context: _Context, index: int) -> list[DraftTransfer]:
    sentence = context.found.sentences[index]
    weapons = [w for w in sentence.of_kind("weapon") if w.text.casefold() != "weapons"]
    money = sentence.of_kind("money")
    ask = Ask(sentence.text)
    records = []
    for position, weapon in enumerate(weapons):
        supplier = _choose_actor(context, index, "supplier", weapon.text)
        if supplier is None:
            continue
        recipient = _choose_actor(
            context, index, "transfer_recipient", weapon.text, exclude=supplier[0]
        )
        if recipient is None:
            continue
        count = _quantity_before(context.text, sentence, weapon)
        designation = weapon.designation
        if designation and designation not in sentence.text:
            designation = None
        records.append(
            DraftTransfer(
                evidence=_evidence(context, index, supplier[1], recipient[1]),
                supplier=supplier[0],
                recipient=recipient[0],
                weapon=weapon.text,
                designation=designation,
                category=weapon.value,
                quantity=context.text[count.start : weapon.end] if count else None,
                value=money[0].text if money and position == 0 else None,
                status=context.choose(ask.label("status", weapon.text)),
                date=_date_for(sentence, weapons, position),
                description=sentence.text,
                attribution=_attribution(context, index),
            )
        )
    return records


def _dedupe_transfers(records: list[DraftTransfer]) -> list[DraftTransfer]:
    kept: dict[tuple[str, str, str, str], DraftTransfer] = {}
    for record in records:
        weapon = record.designation or " ".join(record.weapon.casefold().split())
        kept.setdefault((record.supplier, record.recipient, weapon, record.status), record)
    return list(kept.values())


# --------------------------------------------------------------------------- events


def _count_near(text: str, sentence: Sentence, pattern: re.Pattern[str]) -> str | None:
    """A count standing within a few words of a cue ("killed dozens", "three ... killed")."""
    for cue in pattern.finditer(text, sentence.start, sentence.end):
        for count in sentence.of_kind("count"):
            before = text[count.end : cue.start()]
            after = text[cue.end() : count.start]
            if count.end <= cue.start() and len(before.split()) <= 4 and "," not in before:
                return text[count.start : cue.start()].strip()
            if count.start >= cue.end() and len(after.split()) <= 2:
                return text[count.start : count.end + 40].split(",")[0].split(".")[0].strip()
    return None


def _event_records(context: _Context, index: int) -> list[DraftEvent]:
    """One event, or one per date when the sentence dates several strikes (guide 3.1)."""
    event = _event_record(context, index)
    if event is None:
        return []
    dates = context.found.sentences[index].of_kind("date")
    if len(dates) < 2 or event.date is None:
        return [event]
    return [event.model_copy(update={"date": date.text}) for date in dates]


def _event_record(context: _Context, index: int) -> DraftEvent | None:
    sentence = context.found.sentences[index]
    ask = Ask(sentence.text)
    attacker = _choose_actor(context, index, "attacker", "attack")
    if attacker is None:
        return None
    weapons = [w for w in sentence.of_kind("weapon") if w.value in ("missile", "drone")]
    munition = _quantity_before(context.text, sentence, weapons[0]) if weapons else None
    dates = sentence.of_kind("date")
    return DraftEvent(
        evidence=_evidence(context, index, attacker[1]),
        kind=context.choose(ask.label("kind", order=_kind_order(sentence.text))),
        date=dates[0].text if dates else None,
        attacker=attacker[0],
        weapons=list(dict.fromkeys(w.text for w in weapons)),
        munitions=context.text[munition.start : weapons[0].end] if munition else None,
        killed=_count_near(context.text, sentence, cues().killed),
        injured=_count_near(context.text, sentence, cues().injured),
        description=sentence.text,
        attribution=_attribution(context, index),
    )


def _kind_order(text: str) -> list[str]:
    """Event kinds, the one the sentence's words point to first (guide 4.4)."""
    kinds: list[str] = list(steps()["kind"]["options"])
    cued = next((kind for kind, pattern in cues().kinds if pattern.search(text)), "other")
    return [cued, *(k for k in kinds if k != cued)]


def _merge_events(events: list[DraftEvent]) -> list[DraftEvent]:
    """Sentences about one attack are one event: same attacker, and the same date or one
    of them undated (a title line, a sentence restating the attack); evidence is joined."""
    kept: list[DraftEvent] = []
    for event in events:
        twin = next(
            (
                i
                for i, k in enumerate(kept)
                if k.attacker == event.attacker
                and (k.date is None or event.date is None or k.date == event.date)
            ),
            None,
        )
        if twin is None:
            kept.append(event)
            continue
        earlier = kept[twin]
        evidence = list(dict.fromkeys([*earlier.evidence, *event.evidence]))[:4]
        dated = earlier if earlier.date is not None or event.date is None else event
        kept[twin] = dated.model_copy(update={"evidence": evidence})
    return kept


# --------------------------------------------------------------------------- quotes

_SURNAME_SAID = re.compile(r"\b([A-Z][a-z]+)\s+(?:said|says|told|added)\b")
_PRONOUN_SAID = re.compile(r"\b(?:he|she)\s+(?:said|says|added)\b")


def _quote_record(context: _Context, quotation: Quotation) -> DraftQuote | None:
    """A quotation with a speaker the text names near it (scare quotes have none)."""
    sentences = context.found.sentences
    sentence = sentences[quotation.sentence]
    text = context.text
    before = text[sentence.start : quotation.start - 1]
    outside = f"{before} {text[quotation.end + 1 : sentence.end]}"
    if not cues().attribution.search(outside):
        # A quotation resumed after '"...," Kirby said Thursday.' is still his.
        previous = sentences[quotation.sentence - 1] if quotation.sentence else None
        if previous is None or previous.paragraph != sentence.paragraph:
            return None
        if not (cues().attribution.search(previous.text) and "\u201d" in previous.text):
            return None
        outside = previous.text
    names: list[str] = []
    for match in _SURNAME_SAID.finditer(outside):
        names.append(match.group(1))
    names += [m.group() for m in cues().bodies.finditer(outside)]
    if _PRONOUN_SAID.search(outside) or not names:
        for i in range(quotation.sentence, -1, -1):
            names += [p.text for p in sentences[i].of_kind("person")]
            names += [m.group() for m in cues().bodies.finditer(sentences[i].text)]
            if len(names) >= MAX_ROLE_OPTIONS:
                break
    names = [_full_name(context, n) for n in names]
    names = list(dict.fromkeys(n for n in names if n))[:MAX_ROLE_OPTIONS]
    if not names:
        return None
    ask = Ask(sentence.text)
    speaker = context.choose(ask.role("speaker", _short(quotation.text), names))
    return DraftQuote(speaker=speaker, speaker_role=_role_of(context, speaker), text=quotation.text)


def _short(quote: str, words: int = 12) -> str:
    parts = quote.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


def _full_name(context: _Context, name: str) -> str:
    """ "Kirby" -> "John Kirby" when the article names him in full somewhere."""
    if " " in name:
        return name
    for sentence in context.found.sentences:
        for person in sentence.of_kind("person"):
            if person.text.split()[-1] == name:
                return person.text
    return name


def _role_of(context: _Context, speaker: str) -> str | None:
    """The role the article states right after the speaker's name ("John Kirby, a ... ,")."""
    pattern = re.escape(speaker) + r",\s+(?:an?\s+|the\s+)?([^,.;]{3,80}?),"
    match = re.search(pattern, context.text)
    if match is None:
        return None
    role = match.group(1)
    if re.search(r"[a-z]", role) and not cues().attribution.search(role):
        return role.strip()
    return None


# --------------------------------------------------------------------------- summary


def lead_summary(found: Candidates, header_lines: frozenset[str]) -> str:
    """The first sentences of the article that are prose, not page furniture."""
    chosen: list[str] = []
    for sentence in found.sentences:
        text = sentence.text
        if len(text.split()) < MIN_SUMMARY_WORDS or any(text.startswith(h) for h in header_lines):
            continue
        if text.endswith(":"):
            continue
        chosen.append(" ".join(text.split()))
        if len(chosen) == SUMMARY_SENTENCES:
            break
    return " ".join(chosen)


# --------------------------------------------------------------------------- choosers

DECODINGS = ("greedy", "likelihood", "enum", "first")


def chooser_for(backend: Any, decoding: str = "greedy") -> Chooser:
    """The chooser `decoding` names, on `backend` (None only for `first`: no model).

    In-process (the local backend) every decoding runs on the model's logits. On an
    OpenAI-compatible server `greedy` is `/v1/completions` under a grammar of the options
    (llama.cpp's server) and `enum` a chat completion under a JSON-schema enum (any server
    with structured output, and what `greedy` falls back to on OpenAI's own API);
    `likelihood` is in-process only.
    """
    if decoding == "first":
        return FirstChooser()
    if backend is None:
        raise ConfigurationError(f"the {decoding!r} decoding needs a model")
    if decoding == "enum":
        return EnumChooser(backend, backend.model)
    in_process = hasattr(backend, "allowed_next")
    if decoding == "likelihood":
        if not in_process:
            raise ConfigurationError("the 'likelihood' decoding needs the in-process local model")
        return LikelihoodChooser(backend)
    if decoding == "greedy":
        if in_process:
            return GreedyChooser(backend)
        if backend.name == "openai" and backend.server is None:
            return EnumChooser(backend, backend.model)  # OpenAI's API: no raw completions
        return GrammarChooser(backend.completions_client(), backend.model)
    choices = ", ".join(DECODINGS)
    raise ConfigurationError(f"unknown decoding {decoding!r}; choose one of: {choices}")


# The steps the embedded Gemma 3 270M decides better than the code's priors, measured on
# fixtures/gold (docs/evaluation.md, "Decomposed strategy"): on every other step its choice
# was worse than the first candidate / the cued label, so it is not asked there.
EMBEDDED_MODEL_STEPS = frozenset({"aid_type"})
EMBEDDED_MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"


def decomposed_strategy(
    backend: Any,
    *,
    decoding: str = "greedy",
    steps: frozenset[str] | None = None,
    on_progress: ProgressHook | None = None,
) -> DecomposedStrategy:
    """The strategy the pipeline builds for `--strategy decomposed` (and `auto` on `local`).

    `steps`: which decisions the model makes (None: all, except for the embedded default
    model, which makes only those where it measured better than code).
    """
    chooser = chooser_for(backend, decoding)
    if steps is None and getattr(backend, "model", None) == EMBEDDED_MODEL_FILE:
        steps = EMBEDDED_MODEL_STEPS
    if steps is not None and decoding != "first":
        chooser = StepsChooser(chooser, steps)
    return DecomposedStrategy(chooser, on_progress=on_progress)
