"""Record/replay at the HTTP layer, driven through the real openai SDK (and instructor)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import httpx
import instructor
import openai
import pydantic
import pytest
from helpers import RecordedRequest, Reply, chat_completion, reply, scripted_server

from summarizer.errors import ConfigurationError, SummarizerError
from summarizer.http.client import build_async_http_client, build_http_client
from summarizer.http.recording import (
    FORMAT,
    RECORD_COMMAND,
    Recorder,
    ReplayMissError,
    find_replay_miss,
    request_key,
)
from summarizer.http.retry import RetryPolicy
from summarizer.redaction import scrub_text

API_KEY = "sk-" + "test-recording-0123456789abcdef"
#: Fast retries that never really sleep.
POLICY = RetryPolicy(max_attempts=3, jitter=0.0)
#: A base URL nobody listens on; replay must not care.
NOWHERE = "http://127.0.0.2:9/v1"


def no_sleep(seconds: float) -> None:
    pass


async def no_async_sleep(seconds: float) -> None:
    pass


def client_for(
    recorder: Recorder | None,
    base_url: str,
    *,
    api_key: str = API_KEY,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key,
        default_headers=headers,
        default_query=query,
        max_retries=0,
        http_client=build_http_client(policy=POLICY, recorder=recorder, sleep=no_sleep),
    )


def async_client_for(recorder: Recorder, base_url: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        base_url=base_url,
        api_key=API_KEY,
        max_retries=0,
        http_client=build_async_http_client(policy=POLICY, recorder=recorder, sleep=no_async_sleep),
    )


def ask(client: openai.OpenAI, text: str, **params: Any) -> Any:
    return client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": text}], **params
    )


def echo(request: RecordedRequest) -> Reply:
    """Answer with the last user message, so each exchange can be told apart."""
    said = request.json()["messages"][-1]["content"]
    return reply(chat_completion(f"echo: {said}", model="echo-model-v1"))


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def all_text(directory: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(directory.rglob("*")))


# --------------------------------------------------------------------------------------------
# Round trip and format


def test_record_then_replay_gives_identical_answers_with_the_server_stopped(
    tmp_path: Path,
) -> None:
    recorder = Recorder(tmp_path, "record", metadata={"model": "echo-model-v1", "server": "test"})
    with scripted_server([echo], repeat_last=True) as server:
        client = client_for(recorder, server.base_url)
        with recorder.session("article-1", {"prompt_id": "p1", "prompt_sha256": "ab" * 32}):
            recorded = [ask(client, "first"), ask(client, "second", temperature=0.0, seed=7)]
    assert len(server.requests) == 2

    replayer = Recorder(tmp_path, "replay")
    client = client_for(replayer, NOWHERE)
    with replayer.session("article-1"):
        replayed = [ask(client, "first"), ask(client, "second", temperature=0.0, seed=7)]
    assert [c.model_dump() for c in replayed] == [c.model_dump() for c in recorded]
    assert replayed[1].choices[0].message.content == "echo: second"
    assert replayer.default_model() == "m"  # what the requests asked for: part of the key


def test_fixture_file_format(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, "record", metadata={"model": "echo-model-v1", "server": "x"})
    with scripted_server([echo], repeat_last=True) as server:
        client = client_for(recorder, server.base_url)
        with recorder.session("000_nk-missiles-russia", {"prompt_id": "p1", "prompt_sha256": "f0"}):
            ask(client, "one")
            ask(client, "two", max_tokens=50)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["000_nk-missiles-russia.json"]
    path = tmp_path / "000_nk-missiles-russia.json"
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and "\n  " in text  # indented, diffable
    document = load(path)
    assert document["format"] == FORMAT
    metadata = document["metadata"]
    assert metadata["name"] == "000_nk-missiles-russia"
    assert metadata["model"] == "echo-model-v1" and metadata["server"] == "x"
    assert metadata["prompt_id"] == "p1" and metadata["prompt_sha256"] == "f0"
    assert metadata["response_models"] == ["echo-model-v1", "echo-model-v1"]
    assert metadata["recorded_at"].endswith("+00:00")
    assert isinstance(metadata["package_version"], str)

    first, second = document["exchanges"]
    assert first["request"]["method"] == "POST"
    assert first["request"]["path"] == "/v1/chat/completions"
    assert first["request"]["headers"] == {"content-type": "application/json"}
    assert first["request"]["body"]["messages"] == [{"role": "user", "content": "one"}]
    assert second["request"]["body"]["max_tokens"] == 50
    assert first["response"]["status"] == 200
    assert first["response"]["headers"]["content-type"] == "application/json"
    assert first["response"]["body"]["choices"][0]["message"]["content"] == "echo: one"
    body = first["request"]["body"]
    assert first["key"] == request_key("POST", "/v1/chat/completions", body)


def test_key_is_stable_and_covers_what_determines_the_answer() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 0}
    key = request_key("post", "/v1/chat/completions", body)
    # Pinned: changing the key format silently orphans every recording. It is the documented
    # sha256 of {"method", "path", "body"} as sorted, compact, UTF-8 JSON.
    assert key == "72f8ac4bc9f3944d18228053c20365f340ab4b0773f19e080c5383c808602ebf"
    canonical = json.dumps(
        {"method": "POST", "path": "/v1/chat/completions", "body": body},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert key == hashlib.sha256(canonical.encode()).hexdigest()
    assert key == request_key("POST", "/v1/chat/completions", dict(reversed(body.items())))
    assert key == request_key("POST", "/v1/chat/completions", {**body, "user": "someone"})
    assert key == request_key("POST", "/v1/chat/completions", {**body, "metadata": {"a": "b"}})
    for changed in (
        {**body, "temperature": 0.5},
        {**body, "model": "other"},
        {**body, "seed": 1},
        {**body, "max_tokens": 10},
        {**body, "top_k": 40},
        {**body, "response_format": {"type": "json_object"}},
        {**body, "messages": [{"role": "user", "content": "y"}]},
    ):
        assert request_key("POST", "/v1/chat/completions", changed) != key
    assert request_key("POST", "/v1/completions", body) != key


def test_keys_ignore_headers_host_port_and_api_key(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, "record")
    with scripted_server([echo], repeat_last=True) as server:
        ask(client_for(recorder, server.base_url, headers={"X-Trace": "1"}), "hello", user="a")

    replayer = Recorder(tmp_path, "replay")
    other = client_for(
        replayer,
        "http://localhost:1/v1",
        api_key="sk-" + "another-key-99999999",
        headers={"X-T": "2"},
    )
    assert ask(other, "hello", user="b").choices[0].message.content == "echo: hello"


# --------------------------------------------------------------------------------------------
# Replay


def test_replay_miss_names_the_key_model_and_command(tmp_path: Path) -> None:
    replayer = Recorder(tmp_path, "replay")
    # The SDK lets the error through unwrapped.
    with pytest.raises(ReplayMissError) as caught, replayer.session("article-9"):
        ask(client_for(replayer, NOWHERE), "never recorded")
    error = caught.value
    message = str(error)
    assert "\n" not in message
    assert error.key in message and len(error.key) == 64
    assert "model m" in message and error.model == "m"
    assert RECORD_COMMAND in message and "summarizer record" in message
    assert "article-9" in message
    assert isinstance(error, SummarizerError)


def test_replay_miss_is_found_behind_instructor(tmp_path: Path) -> None:
    class Answer(pydantic.BaseModel):
        text: str

    replayer = Recorder(tmp_path, "replay")
    client = instructor.from_openai(client_for(replayer, NOWHERE), mode=instructor.Mode.JSON)
    with pytest.raises(Exception) as caught:
        client.chat.completions.create(
            model="m",
            response_model=Answer,
            messages=[{"role": "user", "content": "x"}],
            max_retries=2,
        )
    miss = find_replay_miss(caught.value)
    assert miss is not None and miss.model == "m"


def test_repeated_key_is_served_in_order_then_the_last_again(tmp_path: Path) -> None:
    answers = [reply(chat_completion(f"answer {n}")) for n in (1, 2, 3)]
    recorder = Recorder(tmp_path, "record")
    with scripted_server(answers) as server:
        client = client_for(recorder, server.base_url)
        with recorder.session("same"):
            for _ in answers:
                ask(client, "same question")
    assert len(load(tmp_path / "same.json")["exchanges"]) == 3

    replayer = Recorder(tmp_path, "replay")
    client = client_for(replayer, NOWHERE)
    for _ in range(2):  # each session replays from the start: replays are deterministic
        with replayer.session("same"):
            got = [ask(client, "same question").choices[0].message.content for _ in range(4)]
        assert got == ["answer 1", "answer 2", "answer 3", "answer 3"]


def test_exchanges_outside_a_session_go_to_a_file_named_by_the_key(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, "record")
    with scripted_server([echo], repeat_last=True) as server:
        ask(client_for(recorder, server.base_url), "loose")
    (path,) = tmp_path.iterdir()
    document = load(path)
    assert path.name == f"{document['exchanges'][0]['key']}.json"
    assert document["metadata"]["name"] is None
    replayer = Recorder(tmp_path, "replay")
    assert ask(client_for(replayer, NOWHERE), "loose").choices[0].message.content == "echo: loose"


def test_replay_never_touches_the_inner_transport(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, "record")
    with scripted_server([echo], repeat_last=True) as server:
        ask(client_for(recorder, server.base_url), "hi")

    def explode(request: httpx.Request) -> httpx.Response:
        raise AssertionError("replay reached the inner transport")

    replayer = Recorder(tmp_path, "replay")
    transport = replayer.transport(httpx.MockTransport(explode))
    client = openai.OpenAI(
        base_url=NOWHERE,
        api_key=API_KEY,
        max_retries=0,
        http_client=httpx.Client(transport=transport),
    )
    assert ask(client, "hi").choices[0].message.content == "echo: hi"
    with pytest.raises(ReplayMissError):
        ask(client, "not recorded")


def test_replay_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no such recordings directory"):
        Recorder(tmp_path / "missing", "replay")
    with pytest.raises(ConfigurationError, match="recording mode"):
        Recorder(tmp_path, "live")  # type: ignore[arg-type]
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"broken\.json"):
        Recorder(tmp_path, "replay")
    with pytest.raises(ConfigurationError, match="live transport"):
        Recorder(tmp_path / "new", "record").transport(None)


def test_session_names_cannot_escape_the_directory(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "rec", "record")
    with scripted_server([echo], repeat_last=True) as server, recorder.session("../../etc/passwd"):
        ask(client_for(recorder, server.base_url), "x")
    assert [p.name for p in (tmp_path / "rec").iterdir()] == ["etc_passwd.json"]


# --------------------------------------------------------------------------------------------
# Modes and composition with retries


def test_auto_mode_replays_what_it_has_and_records_what_it_lacks(tmp_path: Path) -> None:
    with scripted_server([echo], repeat_last=True) as server:
        recorder = Recorder(tmp_path, "auto", metadata={"model": "echo-model-v1"})
        with recorder.session("article"):
            ask(client_for(recorder, server.base_url), "first")
    recorded_at = load(tmp_path / "article.json")["metadata"]["recorded_at"]

    # Server gone: what is recorded replays, what is not is tried live and fails.
    offline = Recorder(tmp_path, "auto")
    client = client_for(offline, server.base_url)
    with offline.session("article"):
        assert ask(client, "first").choices[0].message.content == "echo: first"
        with pytest.raises(openai.APIConnectionError):
            ask(client, "second")

    with scripted_server([echo], repeat_last=True) as server:
        online = Recorder(tmp_path, "auto")
        client = client_for(online, server.base_url)
        with online.session("article"):
            assert ask(client, "first").choices[0].message.content == "echo: first"
            assert ask(client, "second").choices[0].message.content == "echo: second"
    assert len(server.requests) == 1  # only the missing one went to the server
    document = load(tmp_path / "article.json")
    assert [e["request"]["body"]["messages"][0]["content"] for e in document["exchanges"]] == [
        "first",
        "second",
    ]
    assert document["metadata"]["recorded_at"] == recorded_at
    assert "updated_at" in document["metadata"]


def test_record_sees_only_the_final_answer_after_retries(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, "record")
    script = [reply(429, headers={"Retry-After": "0"}), reply(503), reply(chat_completion("ok"))]
    with scripted_server(script) as server, recorder.session("retried"):
        assert ask(client_for(recorder, server.base_url), "q").choices[0].message.content == "ok"
    assert len(server.requests) == 3
    (exchange,) = load(tmp_path / "retried.json")["exchanges"]
    assert exchange["response"]["status"] == 200


def test_transient_failures_are_not_recorded(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, "record")
    with (
        scripted_server([reply(500)], repeat_last=True) as server,
        recorder.session("down"),
        pytest.raises(openai.InternalServerError),
    ):
        ask(client_for(recorder, server.base_url), "q")
    assert list(tmp_path.iterdir()) == []


def test_deterministic_client_errors_are_recorded_and_replayed(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, "record")
    bad = reply(400, {"error": {"message": "context too long", "type": "invalid_request_error"}})
    with scripted_server([bad]) as server, pytest.raises(openai.BadRequestError):
        ask(client_for(recorder, server.base_url), "too long")
    with pytest.raises(openai.BadRequestError, match="context too long"):
        ask(client_for(Recorder(tmp_path, "replay"), NOWHERE), "too long")


def test_streamed_answers_record_and_replay(tmp_path: Path) -> None:
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": "streamed"}, "finish_reason": None}],
    }
    events = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n"
    answer = reply(events, headers={"Content-Type": "text/event-stream"})
    recorder = Recorder(tmp_path, "record")
    with scripted_server([answer]) as server:
        stream = ask(client_for(recorder, server.base_url), "s", stream=True)
        assert [c.choices[0].delta.content for c in stream] == ["streamed"]
    (path,) = tmp_path.iterdir()
    assert "text" in load(path)["exchanges"][0]["response"]
    stream = ask(client_for(Recorder(tmp_path, "replay"), NOWHERE), "s", stream=True)
    assert [c.choices[0].delta.content for c in stream] == ["streamed"]


# --------------------------------------------------------------------------------------------
# Scrubbing


def test_secrets_and_machine_paths_never_reach_the_files(tmp_path: Path) -> None:
    home = os.path.expanduser("~")
    organization, project = "org-AAAAbbbbCCCCdddd1234", "proj_EEEEffffGGGGhhhh5678"
    body_key, bearer, query_key = (
        "sk-" + "live-BODYSECRET0123456789",
        "abcDEF0123456789xyz",
        "q7s3cr3t",
    )
    leaked = f"Please use {body_key} with header Bearer {bearer}; notes in {home}/private/x.txt"
    answer = reply(
        chat_completion(f"I saw {body_key} and {home}/private"),
        headers={
            "openai-organization": organization,
            "openai-project": project,
            "x-request-id": "req_123",
            "set-cookie": "session=abc",
        },
    )
    recorder = Recorder(tmp_path / "rec", "record", metadata={"base": f"{home}/models"})
    with scripted_server([answer]) as server, recorder.session("scrub"):
        client = client_for(
            recorder,
            server.base_url,
            headers={
                "OpenAI-Organization": organization,
                "OpenAI-Project": project,
                "x-api-key": "sk-" + "xapikey-0123456789abcdef",
                "api-key": "azure-style-key-value",
            },
            query={"api-key": query_key},
        )
        ask(client, leaked)
    # The server did get the secrets: the recorder scrubs what it writes, not what it sends.
    assert server.requests[0].headers["authorization"] == f"Bearer {API_KEY}"

    written = all_text(tmp_path / "rec")
    for secret in (
        API_KEY,
        body_key,
        bearer,
        query_key,
        organization,
        project,
        "sk-xapikey",
        "azure-style-key-value",
        "req_123",
        "session=abc",
        home + "/",
        "sk-",
        "Bearer ",
        "authorization",
    ):
        assert secret.lower() not in written.lower(), secret
    document = load(tmp_path / "rec" / "scrub.json")
    (exchange,) = document["exchanges"]
    assert exchange["request"]["headers"] == {"content-type": "application/json"}
    assert set(exchange["response"]["headers"]) <= {"content-type", "server"}
    assert "<redacted-key>" in exchange["request"]["body"]["messages"][0]["content"]
    assert "<home>/private/x.txt" in exchange["request"]["body"]["messages"][0]["content"]
    assert document["metadata"]["base"] == "<home>/models"

    # The scrubbed recording still replays: the key is computed after scrubbing.
    replayed = ask(client_for(Recorder(tmp_path / "rec", "replay"), NOWHERE), leaked)
    assert replayed.choices[0].message.content == "I saw <redacted-key> and <home>/private"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key sk-" + "proj-abcDEF123456789_xyz end", "key <redacted-key> end"),
        ("Authorization: Bearer " + "eyJhbGciOi.J9x1y2", "Authorization: <redacted-bearer-token>"),
        ("/v1/x?api-key=abc123&model=m", "/v1/x?api-key=<redacted>&model=m"),
        ("org org-abcdefghijklmnop1 here", "org <redacted-organization> here"),
        # Ordinary prose survives.
        ("the task-force commander, standard-bearer Ukraine", None),
        ("Minsk-based units and a risk-averse ministry", None),
    ],
)
def test_scrub_text(text: str, expected: str | None) -> None:
    assert scrub_text(text) == (text if expected is None else expected)


# --------------------------------------------------------------------------------------------
# Async and concurrent sessions


def test_async_concurrent_sessions_write_the_right_files(tmp_path: Path) -> None:
    articles = [f"article-{n}" for n in range(6)]

    def slow_echo(request: RecordedRequest) -> Reply:
        said = request.json()["messages"][-1]["content"]
        # Uneven delays interleave the tasks' exchanges on the wire.
        delay = 0.02 * (hash(said) % 3)
        return Reply(200, chat_completion(f"echo: {said}", model="echo-model-v1"), {}, delay)

    async def run_article(recorder: Recorder, client: openai.AsyncOpenAI, name: str) -> list[str]:
        with recorder.session(name, {"article": name}):
            answers = []
            for turn in ("first", "second"):
                completion = await client.chat.completions.create(
                    model="m", messages=[{"role": "user", "content": f"{name} {turn}"}]
                )
                answers.append(completion.choices[0].message.content or "")
                await asyncio.sleep(0)
            return answers

    async def run_all(recorder: Recorder, base_url: str) -> list[list[str]]:
        client = async_client_for(recorder, base_url)
        try:
            return list(await asyncio.gather(*(run_article(recorder, client, a) for a in articles)))
        finally:
            await client.close()

    recorder = Recorder(tmp_path, "record")
    with scripted_server([slow_echo], repeat_last=True) as server:
        recorded = asyncio.run(run_all(recorder, server.base_url))
    assert len(server.requests) == 12

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{a}.json" for a in articles)
    for name in articles:
        document = load(tmp_path / f"{name}.json")
        assert document["metadata"]["article"] == name
        asked = [e["request"]["body"]["messages"][0]["content"] for e in document["exchanges"]]
        assert asked == [f"{name} first", f"{name} second"]

    replayed = asyncio.run(run_all(Recorder(tmp_path, "replay"), NOWHERE))
    assert replayed == recorded
    assert recorded[0] == ["echo: article-0 first", "echo: article-0 second"]
    assert not [p for p in tmp_path.iterdir() if p.suffix != ".json"]  # no temp files left


def test_async_replay_miss(tmp_path: Path) -> None:
    async def call() -> None:
        client = async_client_for(Recorder(tmp_path, "replay"), NOWHERE)
        try:
            await client.chat.completions.create(model="m", messages=[])
        finally:
            await client.close()

    with pytest.raises(ReplayMissError):
        asyncio.run(call())
