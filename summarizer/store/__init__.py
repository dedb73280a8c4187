"""The local SQLite store (`db`), its schema migrations (`migrations`) and prices (`prices`)."""

from summarizer.config import DEFAULT_STORE_PATH
from summarizer.store.db import (
    Job,
    LedgerEntry,
    ModelUsage,
    Store,
    StoreError,
    StoreStats,
    utc_now,
)
from summarizer.store.prices import PRICES_ENV, Price, PriceTable

__all__ = [
    "DEFAULT_STORE_PATH",
    "PRICES_ENV",
    "Job",
    "LedgerEntry",
    "ModelUsage",
    "Price",
    "PriceTable",
    "Store",
    "StoreError",
    "StoreStats",
    "utc_now",
]
