"""A real HTTP receiver on 127.0.0.1 that answers like Slack's webhooks and Web API, and like a
generic JSON webhook (what Apprise's `json://` posts to).

Each path answers from a script of `Answer`s (then 200 `ok`); every request is logged, and a
message counts as *accepted* when the answer says so (by default when it is a 200), at the
moment it arrives, before any delay: a slow answer after acceptance is exactly the case in
which a client cannot know that its message got through.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

WEBHOOK = "/services/T0TEST/B0TEST/s3cr3tW3bh00kT0k3n"
API = "/api/"
JSON_HOOK = "/notify"


@dataclass
class Answer:
    status: int = 200
    body: str | dict[str, Any] = "ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    accept: bool | None = None

    @property
    def accepted(self) -> bool:
        if self.accept is not None:
            return self.accept
        if isinstance(self.body, dict):
            return self.status == 200 and bool(self.body.get("ok", True))
        return self.status == 200


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    payload: dict[str, Any]


class _Server(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True
    receiver: Receiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8")
        if self.headers.get("Content-Type", "").startswith("application/json"):
            payload = json.loads(raw) if raw else {}
        else:
            payload = {k: v[0] for k, v in parse_qs(raw).items()}
        answer = self.server.receiver.take(Request(self.path, dict(self.headers.items()), payload))
        if answer.delay:
            time.sleep(answer.delay)
        body = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
        data = body.encode()
        try:
            self.send_response(answer.status)
            content = "application/json" if isinstance(answer.body, dict) else "text/plain"
            self.send_header("Content-Type", content)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up waiting

    def log_message(self, format: str, *args: object) -> None:
        pass


class Receiver:
    """Slack-like endpoints: the webhook, `chat.postMessage`, and a JSON webhook."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        self._lock = threading.Lock()
        self._scripts: dict[str, list[Answer]] = {}
        self.requests: list[Request] = []
        self.accepted: list[Request] = []
        self._ts = 1_700_000_000
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def webhook_url(self) -> str:
        return self.base + WEBHOOK

    @property
    def api_url(self) -> str:
        return self.base + API

    @property
    def json_url(self) -> str:
        """The Apprise URL of the JSON webhook."""
        return self.base.replace("http://", "json://") + JSON_HOOK

    def script(self, path: str, *answers: Answer) -> None:
        with self._lock:
            self._scripts.setdefault(path, []).extend(answers)

    def _default(self, request: Request) -> Answer:
        if request.path.startswith(API + "chat.postMessage"):
            self._ts += 1
            return Answer(body={"ok": True, "channel": "C0ALERTS", "ts": f"{self._ts}.000100"})
        return Answer()

    def take(self, request: Request) -> Answer:
        with self._lock:
            script = self._scripts.get(request.path.split("?", 1)[0])
            answer = script.pop(0) if script else self._default(request)
            self.requests.append(request)
            if answer.accepted:
                self.accepted.append(request)
            return answer

    def on(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path)]

    def accepted_on(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.accepted if r.path.startswith(path)]

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()
