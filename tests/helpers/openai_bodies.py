"""Builders for OpenAI-compatible JSON bodies that scripted servers answer with.

``chat_completion(content)`` is a minimal but complete ``chat.completion`` object that the
official SDK parses (and instructor reads in JSON / MD_JSON modes); pass ``tool_calls`` for
TOOLS mode, ``finish_reason="length"`` for a truncated answer. ``error_body`` is the shape of an
OpenAI error answer (429, 400, 5xx).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["chat_completion", "error_body", "tool_call"]


def tool_call(
    name: str, arguments: Mapping[str, Any] | str, *, call_id: str = "call_0"
) -> dict[str, Any]:
    """One entry of ``message.tool_calls``; ``arguments`` dicts are JSON-encoded as the API does."""
    encoded = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": encoded},
    }


def chat_completion(
    content: str | None = None,
    *,
    finish_reason: str = "stop",
    model: str = "scripted-model",
    prompt_tokens: int = 10,
    completion_tokens: int = 5,
    tool_calls: Sequence[Mapping[str, Any]] | None = None,
    completion_id: str = "chatcmpl-scripted",
    created: int = 1_700_000_000,
) -> dict[str, Any]:
    """A ``chat.completion`` body with one choice."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [dict(call) for call in tool_calls]
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def error_body(
    message: str, *, error_type: str = "invalid_request_error", code: str | None = None
) -> dict[str, Any]:
    """An OpenAI-style error answer: ``{"error": {"message", "type", "param", "code"}}``."""
    return {"error": {"message": message, "type": error_type, "param": None, "code": code}}
