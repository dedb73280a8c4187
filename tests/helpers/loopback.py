"""An HTTP server on 127.0.0.1 with its own thread: the base of the tests' fake servers."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["LoopbackServer"]


class LoopbackServer:
    """Listens on a free port at once; `start()` serves, `stop()` frees the port (later
    requests get connection refused). `_stopping` is set first, so a handler waiting out a
    delay can give up."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], *, name: str) -> None:
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},  # shutdown() waits for one poll; keep tests quick
            name=name,
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
