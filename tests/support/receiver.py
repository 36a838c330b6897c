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
CHANNEL_ID = "C0ALERTS"


@dataclass
class Answer:
    status: int = 200
    # None: what Slack answers on success (`ok`, or the posted message's channel and ts).
    body: str | dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    accept: bool | None = None

    @property
    def accepted(self) -> bool:
        if self.accept is not None:
            return self.accept
        if self.body is None:
            return self.status == 200
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
        if answer.body is None:
            body = "ok"  # a webhook's answer
        elif isinstance(answer.body, str):
            body = answer.body
        else:
            body = json.dumps(answer.body)
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
        # Messages posted through the Web API, as Slack keeps them (with their metadata).
        self.messages: list[dict[str, Any]] = []
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

    def _api(self, request: Request, answer: Answer) -> Answer:
        """What the Web API does: post a message, or read the channel's history or a thread."""
        method = request.path.removeprefix(API).split("?", 1)[0]
        payload = request.payload
        if method == "chat.postMessage":
            if not answer.accepted:
                return answer
            self._ts += 1
            message = {
                "channel": CHANNEL_ID,
                "ts": f"{self._ts}.000100",
                "text": payload.get("text", ""),
                "metadata": payload.get("metadata"),
            }
            if payload.get("thread_ts"):
                message["thread_ts"] = payload["thread_ts"]
            self.messages.append(message)
            if answer.body is None:
                body = {"ok": True, "channel": CHANNEL_ID, "ts": message["ts"]}
                return Answer(answer.status, body, answer.headers, answer.delay)
            return answer
        if answer.body is not None:
            return answer
        if method == "conversations.history":
            found = [m for m in self.messages if "thread_ts" not in m]
        elif method == "conversations.replies":
            thread = payload.get("ts")
            found = [m for m in self.messages if thread in (m["ts"], m.get("thread_ts"))]
        else:
            return Answer(200, {"ok": False, "error": "unknown_method"})
        if payload.get("include_all_metadata") not in ("1", "true", True):
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        return Answer(200, {"ok": True, "messages": list(reversed(found))})

    def take(self, request: Request) -> Answer:
        with self._lock:
            script = self._scripts.get(request.path.split("?", 1)[0])
            answer = script.pop(0) if script else Answer()
            self.requests.append(request)
            if request.path.startswith(API):
                answer = self._api(request, answer)
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
