"""Extraction strategies: how the model's reading of one chunk becomes a `Draft`.

- `single`: one call per chunk with the whole `Draft` schema (strong models).
- `decomposed`: code finds candidate spans; the model makes small constrained choices
  (small local models).

Everything after a strategy (merging chunks, grounding, normalization, provenance) is shared
by the pipeline. See `base.py` for the protocol every strategy follows.
"""
