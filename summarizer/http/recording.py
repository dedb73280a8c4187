"""HTTP-level record and replay of LLM exchanges (the SPEC's ``replay`` backend), with scrubbing.

This module owns the recordings under ``fixtures/recordings/``: how a request is keyed, the file
format, which file an exchange goes to, what is scrubbed before anything is written, and the
strict replay that refuses to touch the network.

Why hand-written httpx transports and not a cassette library (checked, not assumed, against the
installed openai 2.x, which uses httpx 0.28):

* vcrpy (8.x) supports httpx by monkey-patching httpcore process-wide. That places it *under*
  our retrying transport, so it would record every failed attempt instead of the final answer;
  its cassette is one global per ``use_cassette`` block, so concurrent asyncio tasks cannot each
  write their own article's file; it matches with matcher functions but stores no key, keeps
  bodies as strings rather than parsed JSON, and its miss error cannot name our record command.
* pytest-recording is vcrpy for pytest only; the replay backend must also work from the CLI and
  the Python API.
* respx mocks httpx routes; it does not record.
* replayx (a young single-author package) has an explicit transport API, but keys and files per
  cassette, with no per-run files chosen by context and no custom keys.

A transport is the seam httpx itself offers for this (``httpx.BaseTransport`` /
``httpx.AsyncBaseTransport``), and it composes with :mod:`summarizer.http.retry` as
``Recording(Retrying(HTTPTransport))``.

The key
-------
``key = sha256(canonical_json({"method": M, "path": P, "body": B}))`` where ``M`` is the upper
case method, ``P`` the URL path without host, port or query (``/v1/chat/completions``), and ``B``
the JSON request body *after scrubbing* minus the fields that only identify or bill the caller
(:data:`KEY_IGNORED_BODY_FIELDS`). So the key covers model, messages, response_format, tools,
tool_choice, temperature, top_p, seed, max_tokens / max_completion_tokens, n, stop, stream and
any other sampling parameter a server accepts (top_k, min_p, grammar, ...), and nothing else:
not headers, the time, request ids, host or port. ``canonical_json`` is ``json.dumps`` with
sorted keys, ``(",", ":")`` separators and ``ensure_ascii=False``, encoded as UTF-8. A body that
is not JSON is keyed by its text (``{"text": ...}``) or bytes (``{"base64": ...}``).

The file format
---------------
One JSON file per article run, ``<session name>.json``, chosen by
``with recorder.session(name, metadata):`` (a context variable, so concurrent asyncio tasks each
write their own file); an exchange outside any session goes to ``<key>.json``::

    {
      "format": "summarizer-recording/1",
      "metadata": {"name": ..., "recorded_at": ..., "package_version": ...,
                   ...caller metadata (model, server, prompt_id, prompt_sha256, ...)...,
                   "response_models": [the `model` field of every JSON response, in order]},
      "exchanges": [
        {"key": "...",
         "request": {"method": "POST", "path": "/v1/chat/completions",
                     "headers": {"content-type": "application/json"}, "body": {...}},
         "response": {"status": 200, "headers": {"content-type": "application/json"},
                      "body": {...}}}
      ]
    }

Exchanges are kept in the order they happened, re-asks included. Bodies are parsed JSON when
they are JSON, else ``"text"`` (or ``"base64"``). Only allow-listed headers are stored. Files are
written atomically (temp file + ``os.replace``) after every exchange. Final answers with status
429 or 5xx are not recorded: they are transient, and replaying them would freeze an outage.

Replay loads every ``*.json`` file of the directory into ``key -> ordered responses``. A key
that occurs several times is served in order, then its last response again and again. Inside a
session, the session's own file is searched first, and each session replays its sequence from the
start, so two replays of one article are identical.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import contextvars
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, cast, get_args

import httpx
import openai

from summarizer._version import package_version
from summarizer.canonical import canonical_sha256
from summarizer.errors import ConfigurationError, SummarizerError
from summarizer.http.responses import buffered_response, unread_response
from summarizer.redaction import scrub_text, scrub_value

__all__ = [
    "FORMAT",
    "KEY_IGNORED_BODY_FIELDS",
    "RECORD_COMMAND",
    "Mode",
    "Recorder",
    "ReplayMissError",
    "find_replay_miss",
    "request_key",
]

Mode = Literal["replay", "record", "auto"]

FORMAT = "summarizer-recording/1"

#: The command that (re)records a missing exchange; named in every replay miss.
RECORD_COMMAND = "summarizer record ARTICLE --base-url URL"

#: Body fields that identify, bill or store on behalf of the caller; they never change the answer.
KEY_IGNORED_BODY_FIELDS = frozenset(
    {"user", "metadata", "store", "safety_identifier", "prompt_cache_key", "service_tier"}
)

#: The only request headers written to a fixture.
_REQUEST_HEADERS = ("content-type",)
#: The only response headers written to a fixture (org and project ids are not among them).
_RESPONSE_HEADERS = ("content-type", "retry-after", "retry-after-ms", "server")

# --------------------------------------------------------------------------------------------
# Keys and representations


def request_key(method: str, path: str, body: Any) -> str:
    """The recording key of a request whose (already scrubbed) JSON body is ``body``."""
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in KEY_IGNORED_BODY_FIELDS}
    payload = {"method": method.upper(), "path": path, "body": body}
    return canonical_sha256(payload)


def _body_fields(content: bytes, content_type: str) -> dict[str, Any]:
    """``{"body": json}``, ``{"text": str}``, ``{"base64": str}`` or ``{}`` for no body."""
    if not content:
        return {}
    if "json" in content_type or content[:1] in (b"{", b"["):
        try:
            return {"body": json.loads(content)}
        except ValueError:
            pass
    try:
        return {"text": content.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(content).decode("ascii")}


def _scrubbed_fields(fields: dict[str, Any]) -> dict[str, Any]:
    if "base64" in fields:
        return fields  # opaque bytes; nothing we can scrub
    return {name: scrub_value(value) for name, value in fields.items()}


def _body_bytes(fields: Mapping[str, Any]) -> bytes:
    if "body" in fields:
        return json.dumps(fields["body"], ensure_ascii=False).encode()
    if "text" in fields:
        return str(fields["text"]).encode()
    if "base64" in fields:
        return base64.b64decode(str(fields["base64"]))
    return b""


def _allowed_headers(headers: httpx.Headers, allowed: tuple[str, ...]) -> dict[str, str]:
    return {name: scrub_text(headers[name]) for name in allowed if name in headers}


@dataclass(frozen=True)
class _Prepared:
    """What the recorder knows about one outgoing request."""

    key: str
    method: str
    path: str
    model: str | None
    record: dict[str, Any]


def _prepare(request: httpx.Request) -> _Prepared:
    method = request.method.upper()
    path = scrub_text(request.url.path)
    content_type = request.headers.get("content-type", "")
    fields = _scrubbed_fields(_body_fields(request.content, content_type))
    body = fields.get("body", dict(fields))  # a non-JSON body is keyed by its text or bytes
    key = request_key(method, path, body)
    model = body.get("model") if isinstance(body, dict) else None
    record: dict[str, Any] = {"method": method, "path": path}
    if request.url.query:
        record["query"] = scrub_text(request.url.query.decode("ascii", "replace"))
    record["headers"] = _allowed_headers(request.headers, _REQUEST_HEADERS)
    record.update(fields)
    return _Prepared(key, method, path, model if isinstance(model, str) else None, record)


def _response_record(response: httpx.Response, content: bytes) -> dict[str, Any]:
    record: dict[str, Any] = {
        "status": response.status_code,
        "headers": _allowed_headers(response.headers, _RESPONSE_HEADERS),
    }
    record.update(_scrubbed_fields(_body_fields(content, response.headers.get("content-type", ""))))
    return record


def _to_response(record: Mapping[str, Any]) -> httpx.Response:
    headers = {str(k): str(v) for k, v in dict(record.get("headers", {})).items()}
    return unread_response(int(record["status"]), headers, _body_bytes(record))


def _worth_recording(status: int) -> bool:
    return status != 429 and status < 500


# --------------------------------------------------------------------------------------------
# Errors


class ReplayMissError(SummarizerError, openai.OpenAIError):
    """A replay found no recording for a request.

    It is also an ``openai.OpenAIError`` so the SDK lets it through unwrapped; instructor still
    wraps it (``InstructorRetryException``), which is what :func:`find_replay_miss` is for.
    """

    def __init__(
        self,
        key: str,
        *,
        model: str | None,
        method: str,
        path: str,
        directory: str,
        session: str | None = None,
    ) -> None:
        self.key = key
        self.model = model
        self.session = session
        where = f"{directory}" + (f" (session {session!r})" if session else "")
        super().__init__(
            f"no recording of {method} {path} for model {model or 'unknown'} "
            f"(key {key}) in {where}; record it with: {RECORD_COMMAND}"
        )


def find_replay_miss(error: BaseException) -> ReplayMissError | None:
    """The :class:`ReplayMissError` behind ``error`` (itself, or in its cause/context chain)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, ReplayMissError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


# --------------------------------------------------------------------------------------------
# Files


@dataclass
class _RecordingFile:
    """One fixture file this recorder is writing."""

    path: Path
    metadata: dict[str, Any]
    exchanges: list[dict[str, Any]] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        return {"format": FORMAT, "metadata": self.metadata, "exchanges": self.exchanges}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_atomically(path: Path, document: Mapping[str, Any]) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def _load_document(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigurationError(f"{path}: not a readable recording ({error})") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ConfigurationError(f"{path}: not a recording (expected format {FORMAT!r})")
    exchanges = document.get("exchanges")
    if not isinstance(exchanges, list) or not all(
        isinstance(item, dict) and isinstance(item.get("key"), str) and "response" in item
        for item in exchanges
    ):
        raise ConfigurationError(f"{path}: malformed exchanges")
    return document


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _file_stem(name: str) -> str:
    stem = _SAFE_NAME.sub("_", name).strip("._")
    if not stem:
        raise ConfigurationError(f"recording session name {name!r} gives no usable file name")
    return stem


# --------------------------------------------------------------------------------------------
# Sessions


@dataclass(eq=False)
class _Session:
    recorder: Recorder
    name: str
    stem: str
    metadata: dict[str, Any]
    #: (file stem or "*", key) -> how many responses of that key this session was served
    cursors: dict[tuple[str, str], int] = field(default_factory=dict)


_CURRENT_SESSION: contextvars.ContextVar[_Session | None] = contextvars.ContextVar(
    "summarizer_recording_session", default=None
)

_ANY_FILE = "*"


# --------------------------------------------------------------------------------------------
# The recorder


class Recorder:
    """Records and replays HTTP exchanges in ``directory``.

    ``mode``: ``"replay"`` answers only from recordings and raises :class:`ReplayMissError` on a
    miss (the inner transport is never called); ``"record"`` calls the inner transport and writes
    every exchange (a session's file is started afresh the first time this recorder sees its
    name); ``"auto"`` replays what is recorded and records what is not, appending to existing
    files. ``metadata`` goes into every file this recorder writes (say which model and server
    answer: ``{"model": ..., "server": ...}``); a session's metadata is added on top.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        mode: Mode = "replay",
        *,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        if mode not in get_args(Mode):
            raise ConfigurationError(f"recording mode {mode!r}: use one of {get_args(Mode)}")
        self._directory = Path(directory)
        self._mode: Mode = mode
        self._metadata = dict(metadata or {})
        self._lock = threading.Lock()
        self._by_file: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self._by_key: dict[str, list[dict[str, Any]]] = {}
        self._cursors: dict[tuple[str, str], int] = {}
        self._files: dict[str, _RecordingFile] = {}
        self._request_values: dict[str, collections.Counter[str]] = {}
        if mode == "replay" and not self._directory.is_dir():
            raise ConfigurationError(f"{self._directory}: no such recordings directory")
        if mode != "record":
            self._load()

    @property
    def directory(self) -> Path:
        return self._directory

    @property
    def mode(self) -> Mode:
        return self._mode

    def default_model(self) -> str | None:
        """The model the loaded recordings asked for most (ties: alphabetical), or None.

        A replay must send the same ``model`` as the recording did: it is part of the key.
        """
        value = self.request_default("model")
        return value if isinstance(value, str) else None

    def request_default(self, field_name: str) -> Any:
        """The value of a request body field the loaded recordings used most, or None.

        Replays must send what the recordings sent (``model``, ``max_tokens``...): the body
        is the key.
        """
        with self._lock:
            counts = self._request_values.get(field_name)
            if not counts:
                return None
            encoded = min(counts.items(), key=lambda item: (-item[1], item[0]))[0]
            return json.loads(encoded)

    def keys(self) -> frozenset[str]:
        """Every key this recorder can replay."""
        with self._lock:
            return frozenset(self._by_key)

    # ---- transports

    def transport(self, inner: httpx.BaseTransport | None = None) -> httpx.BaseTransport:
        """A sync transport recording/replaying over ``inner`` (unused, may be None, in replay)."""
        return _RecordingTransport(self, self._checked_inner(inner))

    def async_transport(
        self, inner: httpx.AsyncBaseTransport | None = None
    ) -> httpx.AsyncBaseTransport:
        """The asyncio twin of :meth:`transport`."""
        return _AsyncRecordingTransport(self, self._checked_inner(inner))

    def _checked_inner(self, inner: Any) -> Any:
        if self._mode == "replay":
            return None  # replay must not be able to reach the network, even by mistake
        if inner is None:
            raise ConfigurationError(f"recording mode {self._mode!r} needs a live transport")
        return inner

    # ---- sessions

    @contextlib.contextmanager
    def session(self, name: str, metadata: Mapping[str, Any] | None = None) -> Iterator[None]:
        """Send the exchanges made inside this block (in this context) to ``<name>.json``.

        Uses a context variable, so each asyncio task (and thread) has its own session.
        """
        current = _Session(self, name, _file_stem(name), dict(metadata or {}))
        token = _CURRENT_SESSION.set(current)
        try:
            yield
        finally:
            _CURRENT_SESSION.reset(token)

    def _current_session(self) -> _Session | None:
        current = _CURRENT_SESSION.get()
        return current if current is not None and current.recorder is self else None

    # ---- replay

    def _load(self) -> None:
        if not self._directory.is_dir():
            return
        for path in sorted(self._directory.glob("*.json")):
            document = _load_document(path)
            per_key = self._by_file.setdefault(path.stem, {})
            for exchange in document["exchanges"]:
                self._count_request_model(exchange.get("request"))
                response = cast(dict[str, Any], exchange["response"])
                per_key.setdefault(exchange["key"], []).append(response)
                self._by_key.setdefault(exchange["key"], []).append(response)

    def _count_request_model(self, request: Any) -> None:
        body = request.get("body") if isinstance(request, dict) else None
        if not isinstance(body, dict):
            return
        for field_name in (
            "model",
            "max_tokens",
            "max_completion_tokens",
            "temperature",
            "seed",
            "repeat_penalty",
        ):
            if field_name in body:
                counts = self._request_values.setdefault(field_name, collections.Counter())
                counts[json.dumps(body[field_name])] += 1

    def _lookup(self, key: str, session: _Session | None) -> dict[str, Any] | None:
        with self._lock:
            if session is not None:
                own = self._by_file.get(session.stem, {}).get(key)
                if own:
                    return _serve(session.cursors, (session.stem, key), own)
            anywhere = self._by_key.get(key)
            if anywhere:
                cursors = session.cursors if session is not None else self._cursors
                return _serve(cursors, (_ANY_FILE, key), anywhere)
            return None

    def _replayed(self, prepared: _Prepared, session: _Session | None) -> httpx.Response | None:
        """The recorded answer to this request, unless recording afresh or there is none."""
        if self.mode == "record":
            return None
        recorded = self._lookup(prepared.key, session)
        return None if recorded is None else _to_response(recorded)

    def _miss(self, prepared: _Prepared, session: _Session | None) -> ReplayMissError:
        return ReplayMissError(
            prepared.key,
            model=prepared.model,
            method=prepared.method,
            path=prepared.path,
            directory=str(self._directory),
            session=session.name if session is not None else None,
        )

    # ---- record

    def _keep(
        self,
        prepared: _Prepared,
        response: httpx.Response,
        content: bytes,
        session: _Session | None,
    ) -> httpx.Response:
        """Record a live answer and return what the caller gets (what replay will serve)."""
        if not _worth_recording(response.status_code):
            return buffered_response(response, content)
        record = _response_record(response, content)
        exchange = {"key": prepared.key, "request": prepared.record, "response": record}
        with self._lock:
            stem = session.stem if session is not None else prepared.key
            recording = self._files.get(stem) or self._open_file(stem, session)
            recording.exchanges.append(exchange)
            _note_model(recording.metadata, record)
            _write_atomically(recording.path, recording.document())
            if self._mode == "auto":
                self._index_new(stem, prepared.key, record, session)
                self._count_request_model(prepared.record)
        # The caller sees exactly what a later replay will serve: same status, headers, body.
        return _to_response(record)

    def _open_file(self, stem: str, session: _Session | None) -> _RecordingFile:
        path = self._directory / f"{stem}.json"
        metadata: dict[str, Any] = {
            "name": session.name if session is not None else None,
            "recorded_at": _now(),
            "package_version": package_version(),
        }
        metadata.update(scrub_value(self._metadata))
        if session is not None:
            metadata.update(scrub_value(session.metadata))
        metadata["response_models"] = []
        recording = _RecordingFile(path, metadata)
        if self._mode == "auto" and path.is_file():
            # Appending to an earlier run's file: keep its exchanges and when it was made.
            earlier = _load_document(path)
            recording.exchanges = list(earlier["exchanges"])
            old = dict(earlier.get("metadata", {}))
            metadata.update(
                recorded_at=old.get("recorded_at", metadata["recorded_at"]),
                updated_at=_now(),
                response_models=list(old.get("response_models", [])),
            )
        self._files[stem] = recording
        return recording

    def _index_new(
        self, stem: str, key: str, record: dict[str, Any], session: _Session | None
    ) -> None:
        """In auto mode a fresh recording is replayable at once, like one found on disk."""
        own = self._by_file.setdefault(stem, {}).setdefault(key, [])
        own.append(record)
        anywhere = self._by_key.setdefault(key, [])
        anywhere.append(record)
        cursors = session.cursors if session is not None else self._cursors
        cursors[(stem, key)] = len(own)
        cursors[(_ANY_FILE, key)] = len(anywhere)


def _serve(
    cursors: dict[tuple[str, str], int], slot: tuple[str, str], responses: list[dict[str, Any]]
) -> dict[str, Any]:
    """The next response of a key, in recorded order; past the end, the last one again."""
    index = cursors.get(slot, 0)
    cursors[slot] = index + 1
    return responses[min(index, len(responses) - 1)]


def _note_model(metadata: dict[str, Any], record: Mapping[str, Any]) -> None:
    body = record.get("body")
    model = body.get("model") if isinstance(body, dict) else None
    if isinstance(model, str):
        metadata.setdefault("response_models", []).append(model)


# --------------------------------------------------------------------------------------------
# Transports


class _RecordingTransport(httpx.BaseTransport):
    def __init__(self, recorder: Recorder, inner: httpx.BaseTransport | None) -> None:
        self._recorder = recorder
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        prepared, session = _prepare(request), self._recorder._current_session()
        if (replayed := self._recorder._replayed(prepared, session)) is not None:
            return replayed
        if self._inner is None:
            raise self._recorder._miss(prepared, session)
        response = self._inner.handle_request(request)
        try:
            content = response.read()
        finally:
            response.close()
        return self._recorder._keep(prepared, response, content, session)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()


class _AsyncRecordingTransport(httpx.AsyncBaseTransport):
    def __init__(self, recorder: Recorder, inner: httpx.AsyncBaseTransport | None) -> None:
        self._recorder = recorder
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        prepared, session = _prepare(request), self._recorder._current_session()
        if (replayed := self._recorder._replayed(prepared, session)) is not None:
            return replayed
        if self._inner is None:
            raise self._recorder._miss(prepared, session)
        response = await self._inner.handle_async_request(request)
        try:
            content = await response.aread()
        finally:
            await response.aclose()
        # Small files, written between awaits: a blocking write here is cheaper than a thread.
        return self._recorder._keep(prepared, response, content, session)

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()
