"""Evaluation: predicted `ArticleSummary` objects scored against hand-made gold ones.

This package owns the scorer behind `summarizer eval`, one concern a module: `text` (tokens,
token F1, ROUGE-L), `compare` (field credit and the scored fields of each record type),
`models` (the score models), `score` (alignment and counting, pure functions over pydantic
objects), `load` (gold and predictions from files, a backend over the gold articles),
`report` (rich table, text, Markdown, JSON) and `gate` (the baseline gate).

How every number is counted
===========================

Inputs. Gold is a directory of `ArticleSummary` JSON files; predictions are a directory of
such files or a JSONL file of them. Articles are matched by `article.id` (a prediction file
without a readable id falls back to its file stem; a JSONL line without one is listed as
unreadable). Article texts, for grounding, are `<id>.txt` (or `<id>.*`) in the articles
directory, read with `articles.read_article`. A prediction line or file that is an
error record (`{"id": ..., "error": ...}`) or does not validate counts as an *empty
prediction* and is listed; a gold article with no prediction also counts as an empty
prediction and is listed; predictions without gold are listed and ignored.

Fields. Each record type has a fixed list of scored fields (`RECORD_SPECS`); nested values
are split into sub-fields (`amount.value`, `amount.currency`, `amount.qualifier`,
`attribution.source`, ...). Not scored: evidence and quote offsets (see grounding), the
`text` of money, quantities and dates (kept as written), quantity `unit`. A field is
*empty* when it is None, blank, an empty list, or the enum value `unspecified` (aid_type,
scope: "nothing said" is no claim). For every field of every record:

- empty in gold and prediction: not counted at all;
- filled in the prediction only: predicted += 1 (a false positive);
- filled in gold only: gold += 1 (a false negative);
- filled in both: predicted += 1, gold += 1, correct += credit, a number in [0, 1].

A predicted record without a gold partner adds all its filled fields to `predicted`; a gold
record without a partner adds all its filled fields to `gold`. So `predicted` and `gold`
never depend on the alignment, only `correct` does. Precision = correct / predicted,
recall = correct / gold, F1 = 2 * correct / (predicted + gold) (the harmonic mean when both
are defined). A ratio whose denominator is 0 is undefined (None, shown as "-"), never 0 or 1.

Credit of a field filled in both (gold first; comparisons are not symmetric for dates):

- actor names (attacker, donor, recipient, supplier): 1 if
  `normalization.same_entity(gold, pred, actor=True)` (alias table with metonyms), else 0;
- other names (country): `same_entity(actor=False)`, 1 or 0;
- people (speaker, attribution.source): 1 if `same_entity` or the word set of one name
  contains the other's ("Kirby" = "John Kirby"), else 0;
- place-like text (target, location, designation, mechanism): 1 if `same_entity`, else the
  token F1 below (partial credit);
- free text (description, weapon, speaker_role, quote text): token F1 as partial credit.
  Tokens are case-folded NFKC letter/digit runs, without the articles a/an/the, with a
  trailing plural "s" dropped from words of four letters or more; F1 over the token
  multisets (as in SQuAD);
- lists (weapons, items): sets; elements are paired one-to-one by optimal assignment on
  token F1 and the credit is 2 * sum(pair F1) / (|gold| + |pred|), the set F1 when
  elements match exactly;
- money and quantity values (`*.value`): 1 if value and value_max both equal (relative
  tolerance 1e-6; None equals None), else 0; currency and qualifier: exact, 1 or 0;
- dates: 1 if the prediction is at least as precise as gold (day < week < month < quarter <
  year) and its start falls in the same day / ISO week / month / quarter / year as gold's
  start at gold's precision (and, when gold has an end, the prediction's end, or its start
  if it has none, falls in gold's end period), else 0;
- enums (kind, aid_type, stage, scope, category, status, certainty, qualifiers): exact.

Key fields and alignment (document-level, as in MUC and GRIT). Key fields: events date,
kind, attacker, location; aid donor, recipient, amount.value; transfers supplier,
recipient, weapon; quotes speaker, text. The key similarity of a gold/predicted pair is the
mean credit over the key fields not empty in both (a key filled on one side only gives 0).
A pair is *admissible* when its key similarity is at least `MIN_KEY_SIMILARITY` (0.5);
other pairs are never aligned. Among admissible pairs, records are aligned one-to-one by
optimal assignment (scipy `linear_sum_assignment`) maximizing the summed field credit of
the aligned pairs (key fields count there like every other field). Key similarity decides
who may be partners; the objective is exactly what field-level recall counts, so removing
a predicted record can never raise recall (maximizing key similarity alone could pair a
record with a worse partner and break that). Records are put in a canonical order (by
their JSON) first, so the order in which records are listed never changes a score.

Record level. A gold/predicted pair *key-matches* when every key field is empty in both or
has credit above `MATCH_THRESHOLD` (0.5): an exact match for names, values, enums and
dates, a token F1 above 0.5 for place-like and free text (so "missile launcher" does not
match "ballistic missile", F1 0.5). Correct records = the size of the largest one-to-one
matching of key-matching pairs, computed by its own assignment so it never depends on the
field alignment (and a duplicate counts once); record precision = correct / predicted
records, recall = correct / gold records. Per-article JSON lists the field alignment
(`pairs`, with `key_match` for each pair), the unaligned gold and predicted indices.

Micro and macro. Micro sums the counts over articles (per record type, and over all types
as "all"). Macro averages the per-article precision, recall and F1 over the articles where
each is defined (an article with nothing in gold and prediction for a type is skipped).

Grounding rate: over predicted records, the share of evidence spans and quote spans with
`article_text[start:end] == quote`; articles whose text is not found are listed and left
out. Unsupported-record rate: predicted records with no aligned gold partner / predicted
records. ROUGE-L: F1 of the longest common subsequence of lower-cased word tokens between
the gold and predicted summary (an empty prediction scores 0), information only.
"""

from summarizer.evaluation.compare import RECORD_SPECS, RECORD_TYPES
from summarizer.evaluation.gate import gate_numbers, regressions
from summarizer.evaluation.load import (
    Predictions,
    evaluate,
    evaluate_model,
    load_gold,
    load_predictions,
    load_texts,
    predict,
)
from summarizer.evaluation.models import (
    ArticleScore,
    ArticleTypeScore,
    CorpusScore,
    Counts,
    Grounding,
    MacroScore,
    TypeScore,
)
from summarizer.evaluation.report import render_table, to_json, to_markdown, to_text
from summarizer.evaluation.score import grounding_counts, score_article, score_corpus, score_records
from summarizer.evaluation.text import rouge_l, text_tokens, token_f1

__all__ = [
    "RECORD_SPECS",
    "RECORD_TYPES",
    "ArticleScore",
    "ArticleTypeScore",
    "CorpusScore",
    "Counts",
    "Grounding",
    "MacroScore",
    "Predictions",
    "TypeScore",
    "evaluate",
    "evaluate_model",
    "gate_numbers",
    "grounding_counts",
    "load_gold",
    "load_predictions",
    "load_texts",
    "predict",
    "regressions",
    "render_table",
    "rouge_l",
    "score_article",
    "score_corpus",
    "score_records",
    "text_tokens",
    "to_json",
    "to_markdown",
    "to_text",
    "token_f1",
]
