"""The per-model price table that gives each call its cost (USD per 1M tokens).

Prices are data (`summarizer/data/prices.json`, or `--prices FILE` / $SUMMARIZER_PRICES);
free backends (local, replay) cost 0, an unknown model costs None (unknown, not zero).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["PRICES_ENV", "Price", "PriceTable"]

PRICES_ENV = "SUMMARIZER_PRICES"


@dataclass(frozen=True)
class Price:
    """USD per 1M input (prompt) and output (completion) tokens."""

    input: float
    output: float


@dataclass(frozen=True)
class PriceTable:
    """Per-model prices; `cost` is 0 for free backends and None for unknown models."""

    models: dict[str, Price]
    batch_discount: float = 0.5
    free_backends: frozenset[str] = frozenset({"local", "replay"})
    unit_tokens: int = 1_000_000

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PriceTable:
        models = {
            name: Price(float(p["input"]), float(p["output"]))
            for name, p in data.get("models", {}).items()
        }
        return cls(
            models=models,
            batch_discount=float(data.get("batch_discount", 0.5)),
            free_backends=frozenset(data.get("free_backends", ("local", "replay"))),
            unit_tokens=int(data.get("unit_tokens", 1_000_000)),
        )

    @classmethod
    def load(cls, path: str | Path | None = None) -> PriceTable:
        """The packaged table, or `path` / $SUMMARIZER_PRICES when given."""
        override = path or os.environ.get(PRICES_ENV)
        if override:
            text = Path(override).read_text(encoding="utf-8")
        else:
            text = resources.files("summarizer").joinpath("data/prices.json").read_text("utf-8")
        return cls.from_json(json.loads(text))

    def price(self, model: str) -> Price | None:
        """Exact name, else the longest listed base of a dated/suffixed name."""
        if model in self.models:
            return self.models[model]
        bases = [name for name in self.models if model.startswith(name + "-")]
        return self.models[max(bases, key=len)] if bases else None

    def cost(
        self,
        backend: str,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        *,
        batch: bool = False,
    ) -> float | None:
        if backend in self.free_backends:
            return 0.0
        price = self.price(model)
        if price is None:
            return None
        usd = (prompt_tokens * price.input + completion_tokens * price.output) / self.unit_tokens
        return usd * self.batch_discount if batch else usd
