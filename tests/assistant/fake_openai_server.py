"""A tiny OpenAI-compatible chat server for tests (stdlib only, runs in a thread).

``POST /v1/chat/completions`` answers with a scripted reply, as one JSON object or, when the
request says ``"stream": true``, as server-sent events (``data: {...}`` chunks, then
``data: [DONE]``). Every request is recorded (path, headers, JSON body). ``GET /v1/models`` lists
the model.

    with FakeOpenAIServer(reply="Svaret er 9,3 prosent [1].") as server:
        settings = load_settings(openai_base_url=server.base_url)
        ...
        server.requests[0].body["messages"]
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: dict[str, Any] = field(default_factory=dict)


def split_pieces(text: str) -> list[str]:
    """``text`` in word-sized pieces whose concatenation is ``text`` (like a token stream)."""
    return re.findall(r"\s*\S+|\s+$", text) or [text]


class FakeOpenAIServer:
    """Start with ``start()`` or a ``with`` block; ``base_url`` ends in ``/v1``."""

    def __init__(
        self,
        reply: str = "Sykefraværet var 9,3 prosent i 2024 [1].",
        *,
        pieces: list[str] | None = None,
        status: int = 200,
        model: str = "fake-model",
        delay_s: float = 0.0,
    ) -> None:
        self.reply = reply
        self.pieces = pieces
        self.status = status
        self.model = model
        self.delay_s = delay_s
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAIServer:
        server = self
        handler = type("Handler", (_Handler,), {"fake": server})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- used by the handler ---------------------------------------------------------------------
    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def reply_pieces(self) -> list[str]:
        return list(self.pieces) if self.pieces is not None else split_pieces(self.reply)

    @property
    def last_body(self) -> dict[str, Any]:
        with self._lock:
            return self.requests[-1].body if self.requests else {}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAIServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
            self.close_connection = True

    def do_GET(self) -> None:
        self.fake.record(
            RecordedRequest("GET", self.path, {k.lower(): v for k, v in self.headers.items()})
        )
        if self.path.rstrip("/").endswith("/models"):
            self._send_json(
                200, {"object": "list", "data": [{"id": self.fake.model, "object": "model"}]}
            )
        else:
            self._send_json(404, {"error": {"message": "not found", "type": "not_found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        self.fake.record(
            RecordedRequest(
                "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body
            )
        )
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(404, {"error": {"message": "not found", "type": "not_found"}})
            return
        if self.fake.status != 200:
            self._send_json(
                self.fake.status,
                {"error": {"message": f"scripted error {self.fake.status}", "type": "server"}},
            )
            return
        model = str(body.get("model") or self.fake.model)
        created = int(time.time())
        if body.get("stream"):
            self._stream(model, created)
            return
        text = "".join(self.fake.reply_pieces())
        if self.fake.delay_s:
            time.sleep(self.fake.delay_s)
        self._send_json(
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            },
        )

    def _stream(self, model: str, created: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

        def event(delta: dict[str, Any], finish: str | None = None) -> None:
            chunk = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()

        try:
            event({"role": "assistant", "content": ""})
            for piece in self.fake.reply_pieces():
                if self.fake.delay_s:
                    time.sleep(self.fake.delay_s)
                event({"content": piece})
            event({}, "stop")
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up
            pass
