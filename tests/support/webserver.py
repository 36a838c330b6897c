"""A real HTTP server on 127.0.0.1 for tests and benchmarks, with routes named for behaviour."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Sent piece by piece instead of `body`, as they come (an endless or a slow answer):
    # chunked, unless `headers` gives a Content-Length. The client hanging up ends it.
    stream: Iterable[bytes] | None = None


Route = Reply | Callable[[BaseHTTPRequestHandler], Reply]


class _Server(ThreadingHTTPServer):
    # http.server queues only 5 pending connections; Scrapy's concurrency needs more.
    request_queue_size = 128
    daemon_threads = True
    routes: dict[str, Route]
    log: list[str]
    lock: threading.Lock

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hung up (a daemon killed mid-request) is no server error worth a
        # traceback on stderr; anything else is.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.log.append(self.path)
            # Routes are paths; a query string (tracking parameters, say) does not change the page.
            route = self.server.routes.get(self.path.split("?", 1)[0])
        if route is None:
            reply = Reply(404, b"not found", {"Content-Type": "text/plain"})
        else:
            reply = route(self) if callable(route) else route
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.stream is not None:
            self._stream(reply.stream, chunked="Content-Length" not in reply.headers)
            return
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def _stream(self, pieces: Iterable[bytes], chunked: bool) -> None:
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for piece in pieces:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                self.wfile.flush()
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on it, as it should
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


class WebServer:
    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.routes = {}
        self._server.log = []
        self._server.lock = threading.Lock()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, reply: Route) -> None:
        with self._server.lock:
            self._server.routes[path] = reply

    def requests(self) -> list[str]:
        with self._server.lock:
            return list(self._server.log)

    def clear_log(self) -> None:
        with self._server.lock:
            self._server.log.clear()

    def start(self) -> WebServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def serving() -> Iterator[WebServer]:
    server = WebServer().start()
    try:
        yield server
    finally:
        server.stop()


def rss(entries: list[dict[str, str]], title: str = "Test feed", link: str = "") -> bytes:
    """An RSS 2.0 document; each entry has title, link, and optionally pubDate and description."""
    from xml.sax.saxutils import escape

    items = []
    for entry in entries:
        parts = [f"<{key}>{escape(value)}</{key}>" for key, value in entry.items()]
        items.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>{escape(title)}</description>" + "".join(items) + "</channel></rss>"
    ).encode()
