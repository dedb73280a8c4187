"""Normalization: turns values the model reported as written text into normalized values.

This package owns four things, all computed in code (the model's arithmetic is never trusted):

* money (`parse_money`): amount, range, ISO 4217 currency and qualifier;
* counts (`parse_quantity`): value, range, counted unit and qualifier;
* dates (`parse_date`): an ISO interval at a stated precision, resolved against the
  article's publication date;
* entity names (`canonical_entity`, `entity_names`, `same_entity`) through the alias
  table in `summarizer/data/aliases.json`.

Every function is pure; the only I/O is reading the alias table once. Modules: `numbers`
(number words, figures), `qualifiers`, `money`, `quantity`, `dates/`, `entities`. `parse_money`,
`parse_quantity` and `parse_date` never raise: text they cannot read gives a value of
`None` (qualifier "vague") or, for dates, `None`.

Documented rules
----------------
Qualifiers (money and counts), from the words next to the number:
  "more than", "over", "in excess of", "upwards of" -> more_than; "at least",
  "no fewer than", "or more", "+" -> at_least; "up to", "as many as", "no more than",
  "or fewer" -> up_to; "fewer than", "less than", "under", "below" -> less_than;
  "about", "around", "approximately", "roughly", "some", "an estimated", "nearly",
  "almost", "close to", "or so" -> approximately ("nearly $424 million" is reported at
  $424 million: the writer rounded up, the figure is still the best estimate);
  "between A and B", "A to B", "A-B" (and "A or B" for counts) -> range (value_max set);
  otherwise exact. A range's first figure borrows the second's scale ("$1-2 billion").

Vague words (annotation guide 4.3): "dozens", "several dozen", "scores", "hundreds",
"thousands", "tens of thousands", "hundreds of millions of dollars" ... give qualifier
"vague" and no value (money keeps its currency: "hundreds of millions of dollars" -> USD).
Words that name no magnitude ("several", "multiple", "a few", "many", "some", "numerous",
"a number of") give value None, qualifier "vague". "a couple of" -> 2 (approximately);
"a pair of", "both" -> 2; "a"/"an"/"a single" before a noun -> 1; "no"/"none" -> 0.
Number words count ("two", "twenty-two", "a dozen", "a hundred", "half a million",
"eighty-two (82)": the digits in parentheses win).

Several counted units in one phrase ("122 missiles and 36 drones") are summed: value 158,
unit "missiles and drones". Only parts joined by "and" are summed; a comma aside
("three service members, one critically") is not a second count.

Money takes the first amount in the text (and its range partner); a bare "$" is USD; an
amount without any currency word or symbol ("1.2bn") has currency None.

Dates: the rules are in `summarizer.normalize.dates`.

Entities: see `summarizer.normalize.entities`.
"""

from summarizer.normalize.dates import parse_date
from summarizer.normalize.entities import canonical_entity, entity_names, same_entity
from summarizer.normalize.money import parse_money
from summarizer.normalize.quantity import parse_quantity

__all__ = [
    "canonical_entity",
    "entity_names",
    "parse_date",
    "parse_money",
    "parse_quantity",
    "same_entity",
]
