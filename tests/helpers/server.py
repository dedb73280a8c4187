"""A scripted OpenAI-compatible HTTP server on 127.0.0.1 for tests that drive the real SDK.

Usage::

    with scripted_server([reply(429, headers={"Retry-After": "2"}), reply(chat_completion("hi"))])
            as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test-0123456789", ...)
        ...
        assert len(server.requests) == 2
        assert server.requests[0].json()["model"] == "m"

Every request (any method, any path) takes the next step of the script, in order. A step is a
:class:`Reply` (built with :func:`reply`), a plain JSON body (a 200 answer), :func:`drop`
(close the connection without answering), or a callable ``(RecordedRequest) -> step`` for
answers that depend on the request. When the script runs out the server answers
``410 Gone`` with a message saying so (410 is never retried), unless ``repeat_last=True``.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from helpers.loopback import LoopbackServer

__all__ = [
    "RecordedRequest",
    "Reply",
    "ScriptedServer",
    "Step",
    "drop",
    "reply",
    "scripted_server",
]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    status: int = 200
    body: Any = None  # JSON value, str or bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (to provoke client timeouts)
    drop_connection: bool = False  # close the socket without any answer

    def payload(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        if self.body is None:
            return b"", "application/json"
        return json.dumps(self.body).encode(), "application/json"


Step = Reply | Mapping[str, Any] | Callable[[RecordedRequest], "Step"]


def reply(
    body_or_status: Any = None,
    body: Any = None,
    *,
    headers: Mapping[str, str] | None = None,
    delay: float = 0.0,
) -> Reply:
    """``reply(json_body)`` is a 200 answer; ``reply(429, body, headers={...})`` any other."""
    if isinstance(body_or_status, int) and not isinstance(body_or_status, bool):
        return Reply(body_or_status, body, dict(headers or {}), delay)
    return Reply(200, body_or_status, dict(headers or {}), delay)


def drop(delay: float = 0.0) -> Reply:
    """Close the connection without answering (the client sees RemoteProtocolError)."""
    return Reply(drop_connection=True, delay=delay)


def _resolve(step: Step, request: RecordedRequest) -> Reply:
    while callable(step) and not isinstance(step, Reply):
        step = step(request)
    if isinstance(step, Reply):
        return step
    return Reply(200, dict(step))


class ScriptedServer(LoopbackServer):
    """The running server: ``base_url`` (ends in ``/v1``), ``requests`` received so far."""

    def __init__(self, script: Iterable[Step], *, repeat_last: bool = False) -> None:
        self._script: list[Step] = list(script)
        self._repeat_last = repeat_last
        self._served = 0
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        super().__init__(_handler_for(self), name="scripted-openai-server")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def add(self, *steps: Step) -> None:
        """Append steps to the script (also after the server started)."""
        with self._lock:
            self._script.extend(steps)

    def _next(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._served < len(self._script):
                step = self._script[self._served]
            elif self._repeat_last and self._script:
                step = self._script[-1]
            else:
                step = Reply(
                    410,
                    {
                        "error": {
                            "message": f"scripted server: script of {len(self._script)} "
                            "steps exhausted",
                            "type": "script_exhausted",
                        }
                    },
                )
            self._served += 1
        return _resolve(step, request)


def _handler_for(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like real servers; bodies carry a length

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = RecordedRequest(
                self.command,
                self.path,
                {name.lower(): value for name, value in self.headers.items()},
                body,
            )
            step = server._next(request)
            if step.delay and server._stopping.wait(step.delay):
                return
            if step.drop_connection:
                self.close_connection = True
                return
            payload, content_type = step.payload()
            self.send_response(step.status)
            names = {name.lower() for name in step.headers}
            if "content-type" not in names:
                self.send_header("Content-Type", content_type)
            for name, value in step.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            # The client may have given up (a timeout test); there is nobody left to tell.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(payload)

        do_POST = _answer
        do_GET = _answer
        do_PUT = _answer
        do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


@contextmanager
def scripted_server(
    script: Iterable[Step] = (), *, repeat_last: bool = False
) -> Iterator[ScriptedServer]:
    """Run a :class:`ScriptedServer` for the block; it is stopped (port freed) on exit."""
    server = ScriptedServer(script, repeat_last=repeat_last)
    server.start()
    try:
        yield server
    finally:
        server.stop()
