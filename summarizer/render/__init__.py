"""Rendering summaries for people: `markdown` (one summary as tables) and `html` (one
self-contained report over many summaries, with the evidence highlighted in the text).

Nothing is imported here, so loading `summarizer.render.markdown` does not pull in the HTML
templates.
"""
