"""Shared test utilities: a scripted OpenAI-compatible server, chat.completion builders and a
page server for tests that fetch URLs.

Tests import them as ``from helpers import scripted_server, reply, chat_completion`` (pytest's
default import mode puts ``tests/`` on ``sys.path`` because ``tests/conftest.py`` lives there).
"""

from .openai_bodies import chat_completion, error_body, tool_call
from .pages import Page, PageServer, page, page_server, redirect
from .server import (
    RecordedRequest,
    Reply,
    ScriptedServer,
    Step,
    drop,
    reply,
    scripted_server,
)

__all__ = [
    "Page",
    "PageServer",
    "RecordedRequest",
    "Reply",
    "ScriptedServer",
    "Step",
    "chat_completion",
    "drop",
    "error_body",
    "page",
    "page_server",
    "redirect",
    "reply",
    "scripted_server",
    "tool_call",
]
