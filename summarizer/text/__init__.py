"""Text utilities shared by grounding and normalization (see `summarizer.text.fold`)."""
