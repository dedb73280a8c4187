"""The pipeline over real HTTP: the openai SDK and instructor against a scripted local server.

The answers are scripted (this file tests our code paths, not a model): grounded answers,
answers that fail validation and must be re-asked, 429s with Retry-After, server errors and
an answer cut off at the token limit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import chat_completion, reply, scripted_server

from summarizer import Summarizer
from summarizer.articles import read_article
from summarizer.chunking import chunk_article
from summarizer.drafts import Draft
from summarizer.errors import TransportError, TruncatedOutputError
from summarizer.extract.merge import merge_drafts
from summarizer.grounding import locate
from summarizer.http.retry import RetryPolicy

EXAMPLE = Path(__file__).parent.parent / "fixtures" / "articles" / "000_nk-missiles-russia.txt"

AID_EVIDENCE = (
    "The Biden administration announced a final round of $250 million in funding in late "
    "December to bolster Ukraine’s air defense capabilities"
)


def answer(**overrides: Any) -> str:
    draft: dict[str, Any] = {
        "summary": "The White House said North Korea gave Russia ballistic missiles and a "
        "launcher that Russia fired at Ukraine.",
        "events": [
            {
                "evidence": [
                    "Russia used at least one of those missiles in a Dec. 30, 2023, strike "
                    "against Ukraine"
                ],
                "kind": "missile_strike",
                "date": "Dec. 30, 2023",
                "attacker": "Russia",
                "target": None,
                "location": None,
                "country": "Ukraine",
                "weapons": ["missiles"],
                "munitions": "at least one",
                "killed": None,
                "injured": None,
                "description": "Strike with a North Korean missile.",
                "attribution": {"source": "John Kirby", "certainty": "confirmed"},
            }
        ],
        "aid": [],
        "transfers": [
            {
                "evidence": [
                    "North Korea had recently provided Russia with a ballistic missile launcher"
                ],
                "supplier": "DPRK",
                "recipient": "Russia",
                "weapon": "ballistic missile launcher",
                "designation": None,
                "category": "missile",
                "quantity": None,
                "value": None,
                "status": "delivered",
                "date": None,
                "description": "A launcher delivered to Russia.",
                "attribution": None,
            }
        ],
        "quotes": [
            {
                "speaker": "John Kirby",
                "speaker_role": None,
                "text": "This is a significant and concerning escalation in the DPRK’s "
                "support for Russia,",
            }
        ],
    }
    draft.update(overrides)
    return json.dumps(draft)


def completion(content: str, **kwargs: Any) -> dict[str, Any]:
    return chat_completion(content, **kwargs)


def summarizer_for(base_url: str, **options: Any) -> Summarizer:
    options.setdefault("retry", RetryPolicy(max_attempts=3, initial_backoff=0.01, jitter=0))
    return Summarizer(backend="openai", base_url=base_url, model="scripted-model", **options)


def test_grounded_answer_becomes_a_verified_summary() -> None:
    article = read_article(EXAMPLE)
    with scripted_server([completion(answer())]) as server, summarizer_for(server.base_url) as s:
        result = s.summarize(article)
    assert len(server.requests) == 1
    for quote, start, end in result.evidence_spans():
        assert article.text[start:end] == quote
    event = result.events[0]
    assert event.date is not None and event.date.start.isoformat() == "2023-12-30"
    assert event.munitions is not None and event.munitions.qualifier == "at_least"
    assert result.transfers[0].supplier == "North Korea"  # alias table, not the model
    assert result.provenance.usage.calls == 1
    assert result.provenance.rejected == []
    assert result.provenance.prompt_sha256 and result.provenance.backend == "openai"


def test_unsupported_record_is_reasked_with_the_validation_error() -> None:
    invented = answer(
        aid=[
            {
                "evidence": ["The United States will send $9 billion to Ukraine next week."],
                "donor": "United States",
                "recipient": "Ukraine",
                "amount": "$9 billion",
                "stage": "announced",
                "description": "Invented.",
            }
        ]
    )
    fixed = answer(
        aid=[
            {
                "evidence": [AID_EVIDENCE],
                "donor": "U.S.",
                "date": "late December",
                "recipient": "Ukraine",
                "amount": "$250 million",
                "aid_type": "military",
                "stage": "announced",
                "scope": "package",
                "description": "Final aid package.",
            }
        ]
    )
    with (
        scripted_server([completion(invented), completion(fixed)]) as server,
        summarizer_for(server.base_url) as s,
    ):
        result = s.summarize(EXAMPLE)
    assert len(server.requests) == 2
    reask_messages = server.requests[1].json()["messages"]
    assert any("$9 billion" in str(m.get("content")) for m in reask_messages)
    assert result.provenance.usage.calls == 2
    assert result.aid[0].amount is not None and result.aid[0].amount.amount == 250_000_000
    assert result.aid[0].amount.currency == "USD"
    assert result.aid[0].donor == "United States"


def test_record_failing_every_reask_is_dropped_and_listed() -> None:
    invented = answer(quotes=[{"speaker": "John Kirby", "text": "We will win this war by Friday."}])
    with (
        scripted_server([completion(invented)], repeat_last=True) as server,
        summarizer_for(server.base_url, max_reasks=1) as s,
    ):
        result = s.summarize(EXAMPLE)
    assert len(server.requests) == 2  # the ask and one re-ask
    assert result.quotes == []
    assert len(result.events) == 1 and len(result.transfers) == 1  # the rest survives
    [rejected] = result.provenance.rejected
    assert rejected.kind == "quote" and "verbatim" in rejected.reason
    assert "win this war" in rejected.raw


def test_429_with_retry_after_is_retried_below_the_sdk_not_reasked() -> None:
    script = [
        reply(429, {"error": {"message": "slow down"}}, headers={"Retry-After": "0"}),
        completion(answer()),
    ]
    with scripted_server(script) as server, summarizer_for(server.base_url) as s:
        result = s.summarize(EXAMPLE)
    assert len(server.requests) == 2
    first, second = (r.json() for r in server.requests)
    assert first == second  # the API error never reaches the prompt
    assert result.provenance.usage.calls == 1


def test_server_errors_after_retries_are_a_transport_error_without_secrets() -> None:
    script = [reply(500, {"error": {"message": "boom sk-" + "abcdefghijklmnop1234"}})]
    with (
        scripted_server(script, repeat_last=True) as server,
        summarizer_for(server.base_url, api_key="sk-" + "secret-key-1234567890") as s,
        pytest.raises(TransportError) as caught,
    ):
        s.summarize(EXAMPLE)
    assert len(server.requests) == 3
    message = str(caught.value)
    assert "000_nk-missiles-russia" in message
    assert "sk-" not in message and "\n" not in message


def test_truncated_answer_is_its_own_error_not_a_reask() -> None:
    cut = completion('{"summary": "Russia has', finish_reason="length")
    with (
        scripted_server([cut], repeat_last=True) as server,
        summarizer_for(server.base_url) as s,
        pytest.raises(TruncatedOutputError, match="max_tokens"),
    ):
        s.summarize(EXAMPLE)
    assert len(server.requests) == 1


def test_cut_off_reask_settles_on_the_last_complete_answer() -> None:
    invented = answer(quotes=[{"speaker": "John Kirby", "text": "Invented words entirely."}])
    script = [completion(invented), completion('{"summary": "cut', finish_reason="length")]
    with scripted_server(script) as server, summarizer_for(server.base_url) as s:
        result = s.summarize(EXAMPLE)
    kinds = [r.kind for r in result.provenance.rejected]
    assert kinds == ["output", "quote"]
    assert len(result.events) == 1


def test_long_article_is_split_and_offsets_refer_to_the_whole_text() -> None:
    article = read_article(EXAMPLE)
    chunks = chunk_article(article.text, 300, lambda text: len(text) // 4 + 1)
    assert len(chunks) > 1
    assert all(article.text[c.start : c.end] == c.text for c in chunks)
    assert all(len(c.text) // 4 + 1 <= 300 for c in chunks)
    assert [(c.number, c.count) for c in chunks] == [
        (n, len(chunks)) for n in range(1, 1 + len(chunks))
    ]
    late_aid = {
        "evidence": [AID_EVIDENCE],
        "donor": "United States",
        "recipient": "Ukraine",
        "amount": "$250 million",
        "stage": "announced",
        "description": "Final round.",
    }
    full = json.loads(answer(aid=[late_aid]))

    def answer_for_part(request: Any) -> dict[str, Any]:
        part = request.json()["messages"][1]["content"]
        grounded = {
            field: [r for r in full[field] if all(locate(q, part) for q in r["evidence"])]
            for field in ("events", "aid", "transfers")
        }
        quotes = [q for q in full["quotes"] if locate(q["text"], part)]
        return completion(answer(quotes=quotes, **grounded))

    with (
        scripted_server([answer_for_part], repeat_last=True) as server,
        summarizer_for(server.base_url, context_tokens=4096 + 3000 + 300, max_tokens=4096) as s,
    ):
        result = s.summarize(article)
    assert len(server.requests) == len(chunks)  # one ask per part, no re-asks
    assert "part 1 of" in server.requests[0].json()["messages"][1]["content"]
    assert [len(result.events), len(result.aid), len(result.transfers), len(result.quotes)] == [
        1, 1, 1, 1
    ]  # fmt: skip
    for quote, start, end in result.evidence_spans():
        assert article.text[start:end] == quote
    assert result.aid[0].evidence[0].start > chunks[0].end  # from a later part, whole offsets


def test_merge_drafts_joins_duplicates_across_parts() -> None:
    first = Draft.model_validate_json(answer())
    second = Draft.model_validate_json(answer(quotes=[]))
    merged = merge_drafts([first, second])
    assert len(merged.events) == 1 and len(merged.transfers) == 1 and len(merged.quotes) == 1


async def _asummarize(base_url: str) -> Any:
    with summarizer_for(base_url) as s:
        return await s.asummarize(EXAMPLE)


def test_async_path_gives_the_same_summary() -> None:
    import asyncio

    with scripted_server([completion(answer())], repeat_last=True) as server:
        with summarizer_for(server.base_url) as s:
            sync_result = s.summarize(EXAMPLE)
        async_result = asyncio.run(_asummarize(server.base_url))
    assert async_result.model_dump() == sync_result.model_dump()


def test_cli_markdown_output_has_a_table_per_record_type(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from summarizer.cli import app

    out = tmp_path / "summary.md"
    with scripted_server([completion(answer())]) as server:
        result = CliRunner().invoke(
            app,
            ["summarize", str(EXAMPLE), "--format", "md", "--out", str(out),
             "--base-url", server.base_url, "--model", "scripted-model"],
        )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    markdown = out.read_text(encoding="utf-8")
    assert markdown.startswith("# 000_nk-missiles-russia\n")
    for heading in ("## Events", "## Weapons transfers", "## Quotes"):
        assert heading in markdown
    assert "| missile_strike | Dec. 30, 2023 (2023-12-30, day) | Russia |" in markdown
    assert "## Aid" not in markdown  # no aid records, no empty table


@pytest.mark.parametrize("wire", ["json_object", "json_schema"])
def test_compatible_servers_get_the_schema_in_the_chosen_wire_form(wire: str) -> None:
    with (
        scripted_server([completion(answer())]) as server,
        summarizer_for(server.base_url, response_format=wire) as s,
    ):
        s.summarize(EXAMPLE)
    body = server.requests[0].json()
    response_format = body["response_format"]
    assert response_format["type"] == wire
    schema = response_format["schema" if wire == "json_object" else "json_schema"]
    if wire == "json_schema":
        schema = schema["schema"]
    assert schema["title"] == "Draft" and "events" in schema["required"]
    assert body["repeat_penalty"] == 1.0 and body["temperature"] == 0.0 and body["seed"] == 0
    assert "Draft" not in body["messages"][0]["content"]  # the schema is not pasted as text


def test_md_json_answer_failing_every_reask_keeps_what_the_article_supports() -> None:
    """md_json answers come fenced; when re-asks run out, the fence is not the article's loss."""
    invented = answer(quotes=[{"speaker": "John Kirby", "text": "We will win this war by Friday."}])
    fenced = f"Here is the JSON:\n```json\n{invented}\n```"
    with (
        scripted_server([completion(fenced)], repeat_last=True) as server,
        summarizer_for(server.base_url, mode="md_json", max_reasks=1) as s,
    ):
        result = s.summarize(EXAMPLE)
    assert len(server.requests) == 2
    assert len(result.events) == 1 and result.quotes == []
    assert [r.kind for r in result.provenance.rejected] == ["quote"]
