"""Inputs that are not plain text: web pages (`url`), HTML files (`html`) and PDFs (`pdf`).

Each module turns one kind of input into an `Extracted`: the main text that evidence offsets
will refer to, and what the document states about itself (title, site, publication date).
`summarizer.articles` decides which kind an input is and builds the `Article`; a problem
raises `InputError` naming the input. The heavy libraries (trafilatura, pypdf) are imported
only when an input of their kind arrives.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Extracted:
    """The main text of a document and the metadata it states about itself."""

    text: str
    title: str | None = None
    source: str | None = None
    published: dt.date | None = None
    language: str | None = None
    url: str | None = None


def join_paragraphs(paragraphs: list[str]) -> str:
    """Paragraphs separated by a blank line: the form chunking splits long articles at."""
    return "\n\n".join(p for p in (" ".join(part.split()) for part in paragraphs) if p)
