"""The exact JSON body a chat request sends, its hash, and what a valid answer is.

Built by the official SDK itself, into a transport that keeps the body instead of sending
it, after the backend's own request preparation (its `response_format` wire form, seed,
`extra_body` options): never rebuilt by hand. The Batch API request files, the matching of
downloaded answers to requests and the store's answer cache all key on `body_key`.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import threading
from collections.abc import Mapping
from typing import Any, Protocol

import httpx
import openai
from openai.types.chat import ChatCompletion

from summarizer.canonical import canonical_sha256
from summarizer.errors import TransportError

__all__ = ["body_key", "chat_body", "check_completion"]


class _Preparing(Protocol):
    def prepare_request(self, kwargs: dict[str, Any]) -> dict[str, Any]: ...


_capture = threading.local()


def _record_body(request: httpx.Request) -> httpx.Response:
    _capture.body = json.loads(request.content)
    return httpx.Response(418, json={"error": {"message": "captured, not sent"}})


@functools.cache
def _capturing_client() -> openai.OpenAI:
    return openai.OpenAI(
        base_url="http://capture.invalid/v1",
        api_key="capture",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(_record_body)),
    )


def chat_body(backend: _Preparing, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body the backend's SDK call would send for these create() kwargs."""
    prepared = backend.prepare_request(copy.deepcopy(dict(kwargs)))
    _capture.body = None
    with contextlib.suppress(openai.APIStatusError):  # the capture always answers 418
        _capturing_client().chat.completions.create(**prepared)
    body = _capture.body
    if not isinstance(body, dict):
        raise RuntimeError("the SDK sent no JSON body")
    return body


def body_key(body: Mapping[str, Any]) -> str:
    """Requests are matched to answers by the sha256 of their canonical JSON body."""
    return canonical_sha256(dict(body))


def check_completion(value: object, server: str | None) -> ChatCompletion:
    """`value` as a chat completion with at least one choice, or a one-line `TransportError`.

    A 200 answer can still be no completion: an HTML page from a proxy or a login portal, a
    JSON body of another API, an empty `choices` list. None of them is the model's answer,
    and none is worth a validation re-ask.
    """
    where = server or "the API"
    if not isinstance(value, ChatCompletion):
        shown = " ".join(str(value).split())[:80]
        raise TransportError(f"{where} answered 200 with no chat completion ({shown!r})")
    if not value.choices:
        raise TransportError(f"{where} answered a chat completion with no choices")
    return value
