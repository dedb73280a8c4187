"""Money as written ("up to $700 million", "about 2.1 billion kroner") -> `Money`.

Amount, range, ISO 4217 currency and qualifier; the model's arithmetic is never trusted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from summarizer.normalize.numbers import NUM, as_text, clean, to_decimal, to_float, words_to_digits
from summarizer.normalize.qualifiers import (
    BETWEEN_AT_END,
    VAGUE_MAGNITUDE,
    postfix_qualifier_at_end,
    postfix_qualifier_at_start,
    prefix_qualifier,
)
from summarizer.schemas import Money

__all__ = ["parse_money"]

# Symbols and codes written before an amount. Longest first so "US$" wins over "$".
_CURRENCY_SYMBOLS: Final = {
    "US$": "USD",
    "U.S.$": "USD",
    "U.S. $": "USD",
    "C$": "CAD",
    "CA$": "CAD",
    "A$": "AUD",
    "AU$": "AUD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "NT$": "TWD",
    "S$": "SGD",
    "R$": "BRL",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₩": "KRW",
    "₽": "RUB",
    "₴": "UAH",
    "₹": "INR",
    "₪": "ILS",
    "₺": "TRY",
}
_ISO_CODES: Final = frozenset(
    {
        "USD", "EUR", "GBP", "JPY", "KRW", "KPW", "RUB", "UAH", "CNY", "INR", "ILS", "CHF",
        "PLN", "SEK", "NOK", "DKK", "CAD", "AUD", "NZD", "HKD", "TWD", "SGD", "SAR", "AED",
        "TRY", "ZAR", "BRL", "MXN", "IRR", "CZK", "HUF", "RON", "QAR", "KWD", "EGP", "JOD",
    }
)  # fmt: skip
_CODE_ALIASES: Final = {"RMB": "CNY"}
# Currency words written after an amount, most specific first.
_CURRENCY_WORDS: Final[tuple[tuple[str, str], ...]] = (
    (r"(?:u\.?s\.?|american)\s+dollars?", "USD"),
    (r"canadian\s+dollars?", "CAD"),
    (r"australian\s+dollars?", "AUD"),
    (r"new\s+zealand\s+dollars?", "NZD"),
    (r"hong\s+kong\s+dollars?", "HKD"),
    (r"(?:new\s+)?taiwan(?:ese)?\s+dollars?", "TWD"),
    (r"singapore\s+dollars?", "SGD"),
    (r"dollars?", "USD"),
    (r"euros?", "EUR"),
    (r"(?:british\s+)?pounds?(?:\s+sterling)?|sterling", "GBP"),
    (r"(?:japanese\s+)?yen", "JPY"),
    (r"(?:north\s+korean)\s+won", "KPW"),
    (r"(?:south\s+korean\s+|korean\s+)?won", "KRW"),
    (r"(?:russian\s+)?r(?:o)?ubles?", "RUB"),
    (r"(?:ukrainian\s+)?hryvn(?:i)?as?|hryvnia", "UAH"),
    (r"(?:chinese\s+)?(?:yuan|renminbi)", "CNY"),
    (r"(?:indian\s+)?rupees?", "INR"),
    (r"(?:new\s+)?(?:israeli\s+)?shekels?", "ILS"),
    (r"swiss\s+francs?", "CHF"),
    (r"(?:polish\s+)?zlot(?:y|ys|ies)", "PLN"),
    (r"(?:swedish\s+)?kronor|swedish\s+krona", "SEK"),
    (r"danish\s+kron(?:e|er)", "DKK"),
    # Bare "kroner"/"krone" is read as Norwegian (annotation guide, decisions log).
    (r"(?:norwegian\s+)?kron(?:e|er)", "NOK"),
    (r"(?:saudi\s+)?riyals?", "SAR"),
    (r"(?:uae\s+|emirati\s+)?dirhams?", "AED"),
    (r"(?:turkish\s+)?liras?", "TRY"),
)
# Words that are also ordinary English ("won", "pounds" of weight) count right after an
# amount or after "of"/"in" ("millions of pounds"), not anywhere else in the text.
_AMBIGUOUS_CURRENCY_WORDS: Final = frozenset({"KRW", "KPW", "GBP"})

_SYMBOL_ALTERNATION: Final = "|".join(
    re.escape(symbol) for symbol in sorted(_CURRENCY_SYMBOLS, key=len, reverse=True)
)
_CODE_ALTERNATION: Final = "|".join(sorted(_ISO_CODES | set(_CODE_ALIASES)))
_PREFIX_CURRENCY: Final = (
    rf"(?P<{{name}}>{_SYMBOL_ALTERNATION}|(?-i:(?<![A-Za-z])(?:{_CODE_ALTERNATION})(?![A-Za-z])))"
)
_SUFFIX_CURRENCY: Final = (
    rf"(?P<{{name}}>(?-i:(?:{_CODE_ALTERNATION})(?![A-Za-z]))"
    rf"|(?:{'|'.join(pattern for pattern, _ in _CURRENCY_WORDS)})(?![A-Za-z]))"
)
_MONEY_SCALE: Final = (
    r"(?:\s*(?P<{name}>millions?|billions?|trillions?|thousands?|milliards?|mn|mln|bn|bln|tn|trn)"
    r"|(?P<{name}a>m|b|k))(?![A-Za-z])"
)


def _amount_pattern(tag: str) -> str:
    """One amount: optional currency before, number, optional scale, optional currency after."""
    return (
        rf"(?:{_PREFIX_CURRENCY.format(name=f'pre{tag}')}\s?)?"
        rf"(?<![\w.])(?P<num{tag}>{NUM})(?![\d])"
        rf"(?:{_MONEY_SCALE.format(name=f'scale{tag}')})?"
        rf"(?:\s*{_SUFFIX_CURRENCY.format(name=f'suf{tag}')})?"
    )


_AMOUNT: Final = re.compile(_amount_pattern("1"), re.IGNORECASE)
_RANGE_TAIL: Final = re.compile(
    rf"^\s*(?P<sep>-|to|through|and)\s*{_amount_pattern('2')}", re.IGNORECASE
)
_MONEY_SCALE_VALUES: Final = {
    "thousand": Decimal(10**3),
    "k": Decimal(10**3),
    "million": Decimal(10**6),
    "m": Decimal(10**6),
    "mn": Decimal(10**6),
    "mln": Decimal(10**6),
    "billion": Decimal(10**9),
    "b": Decimal(10**9),
    "bn": Decimal(10**9),
    "bln": Decimal(10**9),
    "milliard": Decimal(10**9),
    "trillion": Decimal(10**12),
    "tn": Decimal(10**12),
    "trn": Decimal(10**12),
}
_ANYWHERE_SYMBOL: Final = re.compile(_SYMBOL_ALTERNATION)
_ANYWHERE_CODE: Final = re.compile(rf"(?<![A-Za-z])(?:{_CODE_ALTERNATION})(?![A-Za-z])")
_OF_OR_IN: Final = r"(?:of|in)\s+"
_ANYWHERE_WORDS: Final = tuple(
    (
        re.compile(
            # "millions of pounds" is money; a bare "pounds" or "won" elsewhere may not be.
            rf"(?<![\w]){_OF_OR_IN if code in _AMBIGUOUS_CURRENCY_WORDS else ''}"
            rf"(?:{pattern})(?![\w])",
            re.IGNORECASE,
        ),
        code,
    )
    for pattern, code in _CURRENCY_WORDS
)


def _code_for(token: str | None) -> str | None:
    """ISO 4217 code for a matched currency symbol, code or word."""
    if not token:
        return None
    if token.upper() in _CURRENCY_SYMBOLS:  # symbols match case-insensitively ("us$")
        return _CURRENCY_SYMBOLS[token.upper()]
    if token in _CODE_ALIASES:
        return _CODE_ALIASES[token]
    if token in _ISO_CODES:
        return token
    folded = " ".join(token.lower().split())
    for pattern, code in _CURRENCY_WORDS:
        if re.fullmatch(pattern, folded):
            return code
    return None


def _currency_anywhere(text: str) -> str | None:
    """A currency named anywhere in text that has no amount ("millions of dollars")."""
    found: list[tuple[int, str]] = []
    symbol = _ANYWHERE_SYMBOL.search(text)
    if symbol:
        found.append((symbol.start(), _CURRENCY_SYMBOLS[symbol.group()]))
    code = _ANYWHERE_CODE.search(text)
    if code:
        found.append((code.start(), _CODE_ALIASES.get(code.group(), code.group())))
    for pattern, iso in _ANYWHERE_WORDS:
        word = pattern.search(text)
        if word:
            found.append((word.start(), iso))
    return min(found)[1] if found else None


@dataclass(frozen=True)
class _Amount:
    number: Decimal
    scale: Decimal | None  # None when no scale word was written ("between $1 and ...")
    currency: str | None

    @property
    def value(self) -> Decimal:
        return self.number * (self.scale or 1)


def _read_amount(match: re.Match[str], tag: str) -> _Amount | None:
    number = to_decimal(match.group(f"num{tag}"))
    if number is None:
        return None
    scale_word = match.group(f"scale{tag}") or match.group(f"scale{tag}a")
    scale = _MONEY_SCALE_VALUES.get(scale_word.lower().rstrip("s")) if scale_word else None
    currency = _code_for(match.group(f"pre{tag}")) or _code_for(match.group(f"suf{tag}"))
    return _Amount(number, scale, currency)


def _first_amount(text: str) -> re.Match[str] | None:
    """The first amount; a figure with a currency or scale wins over a bare number."""
    bare: re.Match[str] | None = None
    for match in _AMOUNT.finditer(text):
        has_marker = any(match.group(name) for name in ("pre1", "scale1", "scale1a", "suf1"))
        if has_marker:
            return match
        if bare is None:
            bare = match
    return bare


def parse_money(text: str) -> Money:
    """Read an amount of money as written ("up to $700 million") into a `Money`.

    Never raises: text without a readable amount gives amount None, qualifier "vague".
    """
    text = as_text(text)
    try:
        return _parse_money(text)
    except Exception:  # the text is untrusted model output; a bug must not stop the pipeline
        return Money(text=text, qualifier="vague")


def _parse_money(text: str) -> Money:
    cleaned = words_to_digits(clean(text))
    match = _first_amount(cleaned)
    vague = VAGUE_MAGNITUDE.search(cleaned)
    if vague is not None and (match is None or vague.start() < match.start()):
        # "hundreds of millions of dollars": vague, with no amount (annotation guide 4.3).
        return Money(text=text, currency=_currency_anywhere(cleaned), qualifier="vague")
    if match is None:
        return Money(text=text, currency=_currency_anywhere(cleaned), qualifier="vague")
    first = _read_amount(match, "1")
    if first is None:
        return Money(text=text, qualifier="vague")
    prefix = cleaned[: match.start()]
    qualifier = prefix_qualifier(prefix)
    rest = cleaned[match.end() :]
    amount, amount_max, currency = first.value, None, first.currency

    tail = _RANGE_TAIL.match(rest)
    if tail and (tail.group("sep").lower() != "and" or BETWEEN_AT_END.search(prefix)):
        second = _read_amount(tail, "2")
        if second is not None:
            low = first.value
            # "between $1 and $2 billion": the first figure borrows the second's scale.
            borrowed = first.number * second.scale if second.scale is not None else None
            if first.scale is None and borrowed is not None and borrowed <= second.value:
                low = borrowed
            amount, amount_max = min(low, second.value), max(low, second.value)
            currency = currency or second.currency
            qualifier = "range"
            rest = rest[tail.end() :]
    if qualifier != "range":
        after, rest = postfix_qualifier_at_start(rest)
        if after is None:
            after, rest = postfix_qualifier_at_end(rest)
        if after is not None:
            qualifier = after
    return Money(
        text=text,
        amount=to_float(amount),
        amount_max=to_float(amount_max),
        currency=currency,
        qualifier=qualifier,
    )
