"""Backends: where the model runs, and how a backend is chosen.

- `base`: the typed `Backend` protocol every backend follows, and shared wire helpers.
- `factory`: `create_backend(config)`, the SPEC's selection rule.
- `openai_compat`: the OpenAI API or any OpenAI-compatible server; also `replay`, the same
  HTTP path answered from recorded fixtures, which never touches the network.
- `local`: an embedded llama.cpp model, output grammar-constrained to the schema.
"""

from summarizer.backends.base import Backend, Capabilities
from summarizer.backends.factory import create_backend

__all__ = ["Backend", "Capabilities", "create_backend"]
