"""PDF -> its text as paragraphs, with pypdf.

pypdf's layout mode keeps the vertical gaps between blocks as blank lines; a paragraph is
the lines between two gaps, joined with single spaces, so a sentence wrapped over two lines
is one string again (evidence quotes would not match across a line break otherwise). A
hyphen that ends a line is kept and joined without a space ("full-" + "scale"), because
whether it is a compound's hyphen or a break's cannot be told. Pages are paragraphs
apart. Encrypted and text-less (scanned) PDFs are refused with a clear `InputError`.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from summarizer.errors import InputError
from summarizer.inputs import Extracted, join_paragraphs

if TYPE_CHECKING:
    from pypdf import PageObject

PDF_MAGIC = b"%PDF-"

_GAP = re.compile(r"\n[ \t\f\v]*\n")
_BROKEN_WORD = re.compile(r"\w-$")


def looks_like_pdf(data: bytes) -> bool:
    return data[:1024].lstrip().startswith(PDF_MAGIC)


def extract_pdf(data: bytes, *, origin: str) -> Extracted:
    """The text of a PDF's pages as paragraphs; `InputError` when there is none to read."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(origin, "is an encrypted PDF that needs a password; decrypt it first")
        pages = [_page_text(page) for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except FileNotDecryptedError:
        raise InputError(
            origin, "is an encrypted PDF that needs a password; decrypt it first"
        ) from None
    except DependencyError as exc:
        raise InputError(origin, f"is a PDF that cannot be opened here ({exc})") from None
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise InputError(origin, f"is not a readable PDF ({type(exc).__name__}: {exc})") from None
    paragraphs = [paragraph for page in pages for paragraph in page_paragraphs(page)]
    text = join_paragraphs(paragraphs)
    if not text:
        raise InputError(
            origin,
            "is a PDF without a text layer (scanned pages?); run OCR on it first"
            if pages
            else "is a PDF without pages",
        )
    return Extracted(text=text, title=" ".join(title.split()) if title else None)


def _page_text(page: PageObject) -> str:
    """Layout text (gaps kept as blank lines); plain text where the layout pass fails."""
    try:
        return page.extract_text(extraction_mode="layout")
    except (ValueError, KeyError, TypeError, IndexError, ZeroDivisionError, AttributeError):
        # pypdf's layout pass trips on some font encodings the plain pass reads
        return page.extract_text()


def page_paragraphs(page_text: str) -> list[str]:
    """One page's layout text as paragraphs: blank lines split, line breaks join."""
    paragraphs = []
    for block in _GAP.split(page_text):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines:
            paragraphs.append(_join_lines(lines))
    return paragraphs


def _join_lines(lines: list[str]) -> str:
    joined = lines[0]
    for line in lines[1:]:
        joined += line if _BROKEN_WORD.search(joined) else " " + line
    return joined
