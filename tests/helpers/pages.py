"""A web server on 127.0.0.1 that serves pages by path, for tests that fetch URLs.

Usage::

    with page_server({"/news/a.html": page(html, "text/html; charset=utf-8")}) as pages:
        article = fetch_article(pages.url("/news/a.html"))

A route is a :class:`Page`: status, body, content type, extra headers, a delay before the
answer (to provoke timeouts) and whether to state a Content-Length (without one the body is
sent until the connection closes, as servers streaming a large file do). An unknown path is a
404. Every request's path is kept in ``requests``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from helpers.loopback import LoopbackServer

__all__ = ["Page", "PageServer", "page", "page_server", "redirect"]


@dataclass(frozen=True)
class Page:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    send_length: bool = True


def page(
    body: str | bytes,
    content_type: str | None = "text/html; charset=utf-8",
    *,
    status: int = 200,
    delay: float = 0.0,
    send_length: bool = True,
) -> Page:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return Page(status, data, content_type, {}, delay, send_length)


def redirect(location: str, status: int = 302) -> Page:
    return Page(status, b"", None, {"Location": location})


class PageServer(LoopbackServer):
    def __init__(self, routes: Mapping[str, Page]) -> None:
        self.routes = dict(routes)
        self.requests: list[str] = []
        super().__init__(_handler_for(self), name="page-server")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler_for(server: PageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # a body without Content-Length ends when we close

        def do_GET(self) -> None:
            server.requests.append(self.path)
            route = server.routes.get(self.path, Page(404, b"<h1>Not Found</h1>"))
            if route.delay and server._stopping.wait(route.delay):
                return
            self.send_response(route.status)
            if route.content_type is not None:
                self.send_header("Content-Type", route.content_type)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.send_length:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            # The client may stop reading (a size limit): nobody is left to tell.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(route.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def page_server(routes: Mapping[str, Page]) -> Iterator[PageServer]:
    server = PageServer(routes)
    server.start()
    try:
        yield server
    finally:
        server.stop()
