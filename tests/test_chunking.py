"""Chunks are exact slices of the article, cut at paragraphs, then at sentence ends that are
not abbreviations (corpus phrasings: "U.S.", "Dec. 30", "Mr. Kirby")."""

from __future__ import annotations

from summarizer.chunking import chunk_article, paragraph_spans, sentence_spans


def _tokens(text: str) -> int:
    return len(text) // 4 + 1


def test_sentences_do_not_end_at_abbreviations() -> None:
    text = (
        "The U.S. announced aid on Dec. 30 in Washington. Mr. Kirby said so. Russia fired missiles!"
    )
    sentences = [text[a:b] for a, b in sentence_spans(text)]
    assert sentences == [
        "The U.S. announced aid on Dec. 30 in Washington.",
        "Mr. Kirby said so.",
        "Russia fired missiles!",
    ]


def test_paragraph_spans_are_stripped_slices() -> None:
    text = "  First paragraph.\n\n \nSecond one.  \n"
    assert [text[a:b] for a, b in paragraph_spans(text)] == ["First paragraph.", "Second one."]


def test_chunks_are_slices_within_budget_and_numbered() -> None:
    text = "\n\n".join(f"Paragraph {n} says the U.S. sent aid on Jan. {n}." for n in range(1, 30))
    chunks = chunk_article(text, 60, _tokens)
    assert len(chunks) > 3
    assert all(text[c.start : c.end] == c.text and _tokens(c.text) <= 60 for c in chunks)
    assert [c.number for c in chunks] == list(range(1, len(chunks) + 1))
    assert {c.count for c in chunks} == {len(chunks)}


def test_a_text_within_budget_is_one_chunk() -> None:
    (chunk,) = chunk_article("Short.", 100, _tokens)
    assert (chunk.start, chunk.end, chunk.number, chunk.count) == (0, 6, 1, 1)
