"""Text similarity used by the scorer: tokens, token F1 and ROUGE-L (pure functions)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

# --------------------------------------------------------------------------- text helpers

_WORD = re.compile(r"[^\W_]+")
_ARTICLES = frozenset({"a", "an", "the"})


def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _singular(word: str) -> str:
    # A crude plural fold: "missiles" and "missile" are the same claim for scoring purposes.
    if len(word) >= 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def text_tokens(text: str) -> list[str]:
    """Tokens for free-text comparison (see the module docstring)."""
    return [_singular(word) for word in words(text) if word not in _ARTICLES]


def token_f1(gold: str, pred: str) -> float:
    """SQuAD-style token F1 between two strings, in [0, 1]."""
    gold_tokens, pred_tokens = text_tokens(gold), text_tokens(pred)
    if not gold_tokens or not pred_tokens:
        # Strings of punctuation only: nothing to overlap, so only identity counts.
        return 1.0 if gold.strip().casefold() == pred.strip().casefold() else 0.0
    overlap = sum((Counter(gold_tokens) & Counter(pred_tokens)).values())
    if overlap == 0:
        return 0.0
    return 2 * overlap / (len(gold_tokens) + len(pred_tokens))


def rouge_l(gold: str, pred: str) -> float:
    """ROUGE-L F1: longest common subsequence of lower-cased word tokens."""
    reference, candidate = words(gold), words(pred)
    if not reference or not candidate:
        return 0.0
    lcs = _lcs_length(reference, candidate)
    if lcs == 0:
        return 0.0
    return 2 * lcs / (len(reference) + len(candidate))


def _lcs_length(left: Sequence[str], right: Sequence[str]) -> int:
    previous = [0] * (len(right) + 1)
    for token in left:
        current = [0]
        for index, other in enumerate(right):
            if token == other:
                current.append(previous[index] + 1)
            else:
                current.append(max(previous[index + 1], current[index]))
        previous = current
    return previous[-1]
