"""Canonical JSON and its sha256: the one way a value becomes a hash key.

Recording keys, Batch API body keys, answer-cache keys and cache determinants all hash
`canonical_json`: `json.dumps` with sorted keys, `(",", ":")` separators and
`ensure_ascii=False`, encoded as UTF-8. Changing it changes every key (recordings would no
longer replay), so it lives here once.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["canonical_json", "canonical_sha256"]


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 JSON bytes of a value (non-JSON leaves, a Path or a date, as str)."""
    encoded = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return encoded.encode("utf-8")


def canonical_sha256(value: Any) -> str:
    """The hex sha256 of `canonical_json(value)`."""
    return hashlib.sha256(canonical_json(value)).hexdigest()
