"""A stdlib HTTP server on a free loopback port, in a thread, for the length of a block: the
app pages, callbacks and receivers the tests stand up beside talksocial (an app's callback page,
a page to scrap, a receiver of the unlink callback, an origin of a browser's page)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up mid-answer (what several tests do on purpose)


@contextmanager
def serving_handler(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Yields the server's base URL (`http://127.0.0.1:PORT`); stopped afterwards, also when
    the block fails."""
    httpd = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
