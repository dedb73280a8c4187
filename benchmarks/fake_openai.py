"""A local OpenAI-compatible server for benchmarks and batch tests (127.0.0.1 only).

It implements what the batch runner and the Batch API flow use, as the OpenAI API reference
documents them:

- `POST /v1/chat/completions`: answers after a fixed latency, in JSON mode, with a `Draft`
  built from the article in the user message (its first sentence as summary and evidence).
  A server-side token bucket enforces `--rpm` and answers `429` with `Retry-After` and
  `retry-after-ms`, as OpenAI does.
- `POST /v1/files` (multipart upload, purpose `batch`), `GET /v1/files/{id}`,
  `GET /v1/files/{id}/content`.
- `POST /v1/batches`, `GET /v1/batches/{id}`, `POST /v1/batches/{id}/cancel`: a batch moves
  validating -> in_progress -> completed over successive polls; each input line's body is
  answered like a chat request, into an output file (and an error file for failed lines).
- `GET /stats` (counters and a request log), `POST /reset`.

Markers in an article steer the answer, for failure tests: `FAKE-500` (always HTTP 500),
`FAKE-NOT-JSON` (an answer that is not JSON), `FAKE-UNGROUNDED` (evidence that is not in the
article, so the client must re-ask).

Run: `python benchmarks/fake_openai.py --latency 0.2 --rpm 600` (prints its base URL), or
in-process with `serve(...)`, which returns a running `FakeOpenAI`.
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import hashlib
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ARTICLE = re.compile(r"\n---\n(.*)\n---\n", re.DOTALL)
_FIRST_SENTENCE = re.compile(r"\S.*?[.!?](?=\s|$)", re.DOTALL)
_AID_SENTENCE = re.compile(r"The United States announced (\$\d+ million) in aid for (\w+)\.")


@dataclass
class Config:
    latency: float = 0.0
    rpm: float = 0.0  # 0: no limit
    batch_polls: int = 2  # GETs of a batch before it completes
    answer: str = "event"  # "event": one grounded record; "minimal": summary only
    keep_bodies: bool = False  # keep every realtime chat request body (for tests)
    ratelimit_headers: bool = False  # send OpenAI's x-ratelimit-* headers with every answer


@dataclass
class Stats:
    requests: int = 0  # realtime chat requests (batch lines are not counted)
    rate_limited: int = 0
    errors: int = 0
    # (arrival time, article key, status) per realtime request
    log: list[tuple[float, str, int]] = field(default_factory=list)


class _Bucket:
    """The server's token bucket: rpm/60 per second, one second of burst."""

    def __init__(self, rpm: float) -> None:
        self.rate = rpm / 60.0
        self.capacity = max(1.0, self.rate)
        self.level = self.capacity
        self.last = time.monotonic()
        self.lock = threading.Lock()

    def try_take(self) -> float:
        """0 when a request may pass, else the seconds until one may."""
        with self.lock:
            now = time.monotonic()
            self.level = min(self.capacity, self.level + (now - self.last) * self.rate)
            self.last = now
            if self.level >= 1.0:
                self.level -= 1.0
                return 0.0
            return (1.0 - self.level) / self.rate

    def headers(self, rpm: float) -> dict[str, str]:
        """OpenAI's request headers: the limit per minute, what is left, when it is full."""
        with self.lock:
            refill = (self.capacity - self.level) / self.rate
            return {
                "x-ratelimit-limit-requests": f"{rpm:g}",
                "x-ratelimit-remaining-requests": str(int(self.level)),
                "x-ratelimit-reset-requests": f"{refill:.3f}s",
            }


def article_of(body: dict[str, Any]) -> str:
    """The article text inside a chat request (between the `---` lines of the user turn)."""
    for message in body.get("messages", []):
        if message.get("role") == "user":
            match = _ARTICLE.search("\n" + str(message.get("content", "")) + "\n")
            if match:
                return match.group(1)
    return ""


def article_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def draft_answer(article: str, style: str) -> str:
    if "FAKE-NOT-JSON" in article:
        return "Sorry, I cannot help with that."
    match = _FIRST_SENTENCE.search(article)
    sentence = match.group(0) if match else article.strip()[:200]
    answer: dict[str, Any] = {
        "summary": sentence,
        "events": [],
        "aid": [],
        "transfers": [],
        "quotes": [],
    }
    if style == "event":
        evidence = (
            "This sentence is not in the article at all."
            if "FAKE-UNGROUNDED" in article
            else sentence
        )
        answer["events"] = [
            {"kind": "other", "description": "What happened.", "evidence": [evidence]}
        ]
    if (aid := _AID_SENTENCE.search(article)) is not None:  # an aid record to normalize
        answer["aid"] = [
            {
                "donor": "United States",
                "recipient": aid.group(2),
                "amount": aid.group(1),
                "aid_type": "military",
                "stage": "announced",
                "scope": "package",
                "description": "An aid package.",
                "evidence": [aid.group(0)],
            }
        ]
    return json.dumps(answer)


def completion(body: dict[str, Any], content: str) -> dict[str, Any]:
    prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex[:12],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake-model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_chars // 4 + 1,
            "completion_tokens": len(content) // 4 + 1,
            "total_tokens": prompt_chars // 4 + len(content) // 4 + 2,
        },
    }


def answer_request(
    body: dict[str, Any], style: str = "event"
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """The answer to one chat request: (status, JSON body, headers)."""
    article = article_of(body)
    if "FAKE-500" in article:
        return 500, {"error": {"message": "fake server error", "type": "server_error"}}, {}
    return 200, completion(body, draft_answer(article, style)), {}


def answer_batch_lines(lines: list[str], style: str = "event") -> tuple[list[str], list[str]]:
    """Output and error lines for Batch API / run_batch request lines (what vLLM writes)."""
    outputs: list[str] = []
    errors: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        request = json.loads(line)
        status, body, _ = answer_request(request["body"], style)
        row = {
            "id": "batch_req_" + uuid.uuid4().hex[:12],
            "custom_id": request["custom_id"],
            "response": {"status_code": status, "request_id": uuid.uuid4().hex, "body": body},
            "error": None,
        }
        (outputs if status == 200 else errors).append(json.dumps(row))
    return outputs, errors


class FakeOpenAI:
    """The server state: config, counters, files and batches."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.stats = Stats()
        self.lock = threading.Lock()
        self.bucket = _Bucket(config.rpm) if config.rpm else None
        self.files: dict[str, tuple[dict[str, Any], bytes]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.polls: dict[str, int] = {}
        self.bodies: list[dict[str, Any]] = []
        self.httpd: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    # -- chat

    def chat(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        """A realtime chat request: rate-limited, delayed, counted (logged at arrival)."""
        arrived = time.time()
        article = article_of(body)
        key = article_key(article)
        if self.config.keep_bodies:
            with self.lock:
                self.bodies.append(body)
        if self.bucket is not None:
            wait = self.bucket.try_take()
            if wait > 0:
                self._log(arrived, key, 429, rate_limited=True)
                headers = {
                    "Retry-After": f"{wait:.3f}",
                    "retry-after-ms": str(int(wait * 1000) + 1),
                }
                error = {
                    "error": {
                        "message": "Rate limit reached",
                        "type": "requests",
                        "code": "rate_limit_exceeded",
                    }
                }
                return 429, error, {**headers, **self._limit_headers()}
        if self.config.latency:
            time.sleep(self.config.latency)
        status, payload, headers = answer_request(body, self.config.answer)
        self._log(arrived, key, status)
        return status, payload, {**headers, **self._limit_headers()}

    def _limit_headers(self) -> dict[str, str]:
        if self.bucket is None or not self.config.ratelimit_headers:
            return {}
        return self.bucket.headers(self.config.rpm)

    def _log(self, arrived: float, key: str, status: int, *, rate_limited: bool = False) -> None:
        with self.lock:
            self.stats.requests += 1
            self.stats.rate_limited += rate_limited
            self.stats.errors += status >= 500
            self.stats.log.append((arrived, key, status))

    # -- files

    def add_file(self, data: bytes, filename: str, purpose: str) -> dict[str, Any]:
        file_id = "file-" + uuid.uuid4().hex[:16]
        meta = {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
        }
        with self.lock:
            self.files[file_id] = (meta, data)
        return meta

    # -- batches

    def create_batch(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("input_file_id") not in self.files:
            return 400, {
                "error": {"message": "input file not found", "type": "invalid_request_error"}
            }
        batch_id = "batch_" + uuid.uuid4().hex[:16]
        batch = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body.get("endpoint", "/v1/chat/completions"),
            "input_file_id": body["input_file_id"],
            "completion_window": body.get("completion_window", "24h"),
            "status": "validating",
            "created_at": int(time.time()),
            "metadata": body.get("metadata"),
            "output_file_id": None,
            "error_file_id": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
        }
        with self.lock:
            self.batches[batch_id] = batch
            self.polls[batch_id] = 0
        return 200, batch

    def list_batches(self) -> dict[str, Any]:
        with self.lock:
            data = sorted(self.batches.values(), key=lambda b: -int(b["created_at"]))
        return {"object": "list", "data": data, "has_more": False}

    def poll_batch(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        with self.lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return 404, {"error": {"message": "no such batch", "type": "invalid_request_error"}}
            self.polls[batch_id] += 1
            polls = self.polls[batch_id]
        if batch["status"] == "validating" and polls >= 1:
            batch["status"] = "in_progress"
            batch["in_progress_at"] = int(time.time())
        if batch["status"] == "in_progress" and polls >= self.config.batch_polls:
            self._run_batch(batch)
        return 200, batch

    def _run_batch(self, batch: dict[str, Any]) -> None:
        _, data = self.files[batch["input_file_id"]]
        outputs, errors = answer_batch_lines(data.decode("utf-8").splitlines(), self.config.answer)
        counts = {
            "total": len(outputs) + len(errors),
            "completed": len(outputs),
            "failed": len(errors),
        }
        batch["request_counts"] = counts
        if outputs:
            batch["output_file_id"] = self.add_file(
                ("\n".join(outputs) + "\n").encode(), "out.jsonl", "batch_output"
            )["id"]
        if errors:
            batch["error_file_id"] = self.add_file(
                ("\n".join(errors) + "\n").encode(), "err.jsonl", "batch_output"
            )["id"]
        batch["status"] = "completed"
        batch["completed_at"] = int(time.time())

    def cancel_batch(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        batch = self.batches.get(batch_id)
        if batch is None:
            return 404, {"error": {"message": "no such batch"}}
        batch["status"] = "cancelled"
        batch["cancelled_at"] = int(time.time())
        return 200, batch

    def stats_json(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.stats.requests,
                "rate_limited": self.stats.rate_limited,
                "errors": self.stats.errors,
                "log": list(self.stats.log),
            }

    def reset(self) -> None:
        with self.lock:
            self.stats = Stats()


def _parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        fields[str(name)] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
    return fields


def _handler(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real API servers
        # Headers and body go out in two writes; without TCP_NODELAY the second waits for
        # the client's delayed ACK (~40 ms), which would swamp a 200 ms latency.
        disable_nagle_algorithm = True

        def _body(self) -> bytes:
            length = int(self.headers.get("content-length", "0") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            ctype = "application/octet-stream" if isinstance(payload, bytes) else "application/json"
            self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = self._body()
            path = self.path.split("?")[0].rstrip("/")
            if path.endswith("/chat/completions"):
                status, payload, headers = server.chat(json.loads(body))
                self._send(status, payload, headers)
            elif path.endswith("/files"):
                fields = _parse_multipart(self.headers.get("content-type", ""), body)
                filename, data = fields.get("file", (None, b""))
                purpose = fields.get("purpose", (None, b"batch"))[1].decode()
                self._send(200, server.add_file(data, filename or "upload.jsonl", purpose))
            elif path.endswith("/batches"):
                self._send(*server.create_batch(json.loads(body)))
            elif path.endswith("/cancel"):
                self._send(*server.cancel_batch(path.split("/")[-2]))
            elif path == "/reset":
                server.reset()
                self._send(200, {"ok": True})
            else:
                self._send(404, {"error": {"message": f"no route {path}"}})

        def do_GET(self) -> None:
            path = self.path.split("?")[0].rstrip("/")
            parts = path.split("/")
            if path == "/stats":
                self._send(200, server.stats_json())
            elif path.endswith("/batches"):
                self._send(200, server.list_batches())
            elif "/batches/" in path:
                self._send(*server.poll_batch(parts[-1]))
            elif path.endswith("/content") and parts[-2] in server.files:
                self._send(200, server.files[parts[-2]][1])
            elif "/files/" in path and parts[-1] in server.files:
                self._send(200, server.files[parts[-1]][0])
            else:
                self._send(404, {"error": {"message": f"no route {path}"}})

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: benchmarks print their own numbers

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default backlog of 5 resets bursts of new connections


def start(config: Config, port: int = 0) -> FakeOpenAI:
    fake = FakeOpenAI(config)
    httpd = _Server(("127.0.0.1", port), _handler(fake))
    fake.httpd = httpd
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    return fake


def stop(fake: FakeOpenAI) -> None:
    if fake.httpd is not None:
        fake.httpd.shutdown()
        fake.httpd.server_close()


@contextmanager
def serve(**config: Any) -> Iterator[FakeOpenAI]:
    """`with serve(latency=0.2) as fake:` -> a running server at `fake.base_url`."""
    fake = start(Config(**config))
    try:
        yield fake
    finally:
        stop(fake)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--rpm", type=float, default=0.0)
    parser.add_argument("--batch-polls", type=int, default=2)
    parser.add_argument("--answer", choices=("event", "minimal"), default="event")
    parser.add_argument("--ratelimit-headers", action="store_true")
    args = parser.parse_args()
    config = Config(
        args.latency, args.rpm, args.batch_polls, args.answer,
        ratelimit_headers=args.ratelimit_headers,
    )  # fmt: skip
    fake = start(config, args.port)
    print(fake.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        stop(fake)


if __name__ == "__main__":
    main()
