"""A tiny OpenAI-compatible chat server for tests (stdlib only, 127.0.0.1, a free port).

    with StubOpenAI() as server:
        server.replies.append("共 3119 件[1]")
        ChatOpenAI(base_url=server.base_url, ...)
        server.requests[0]["json"]["messages"]   # also "path" and "headers" (lower-case names)

Implements POST /v1/chat/completions (plain JSON, or SSE chunks then ``data: [DONE]``
when the request says ``"stream": true``) and GET /v1/models. Each completion pops
the next entry of ``replies``: a string (the assistant's content) or a ``Canned``
(an HTTP error, a delay, chosen stream pieces). With nothing queued it answers 500.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Canned:
    """One scripted reply."""

    content: str = ""
    status: int = 200
    error: str = "stub error"
    delay_s: float = 0.0  # wait this long before answering (to provoke client timeouts)
    pieces: list[str] | None = None  # how to split ``content`` when streaming
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # send exactly this body (HTML, binary, JSON without choices)
    content_type: str = "application/json"
    cut_stream: bool = False  # stop a stream mid-event, without [DONE]


class StubOpenAI:
    """The server; use as a context manager. ``replies`` and ``requests`` are plain lists."""

    def __init__(self, model: str = "stub-model") -> None:
        self.model = model
        self.replies: list[str | Canned] = []
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="stub-openai", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> StubOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> StubOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next_reply(self) -> Canned:
        with self._lock:
            reply = self.replies.pop(0) if self.replies else None
        if reply is None:
            return Canned(status=500, error="stub: no canned reply queued")
        return Canned(content=reply) if isinstance(reply, str) else reply


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up is expected, not a failure


@pytest.fixture
def stub_openai_server() -> Iterator[StubOpenAI]:
    """A running StubOpenAI, stopped after the test."""
    with StubOpenAI() as server:
        yield server


def _handler_for(stub: StubOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "stub-openai/1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def _send_json(self, status: int, payload: dict[str, Any],
                       headers: dict[str, str] | None = None) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/v1/models":
                self._send_json(200, {"object": "list", "data": [
                    {"id": stub.model, "object": "model", "created": 0, "owned_by": "stub"}]})
            else:
                self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            stub.requests.append({"path": self.path, "json": body,
                                  "headers": {k.lower(): v for k, v in self.headers.items()}})
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            if not isinstance(body, dict):
                self._send_json(400, {"error": {"message": "body is not JSON", "type": "invalid_request"}})
                return
            reply = stub._next_reply()
            if reply.delay_s and stub._stopping.wait(reply.delay_s):
                return
            if reply.status != 200:
                # retry-after-ms keeps the client's one retry fast
                headers = {"retry-after-ms": "10", **reply.headers}
                self._send_json(reply.status, {"error": {"message": reply.error, "type": "server_error",
                                                         "code": reply.status}}, headers)
                return
            if reply.raw is not None:
                self.send_response(200)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.raw)))
                self.end_headers()
                self.wfile.write(reply.raw)
                return
            model = body.get("model") or stub.model
            if body.get("stream"):
                self._stream(reply, model, bool((body.get("stream_options") or {}).get("include_usage")))
            else:
                self._send_json(200, {
                    "id": f"chatcmpl-stub-{len(stub.requests)}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                                 "message": {"role": "assistant",
                                             "content": reply.content or "".join(reply.pieces or [])}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }, reply.headers)

        def _stream(self, reply: Canned, model: str, include_usage: bool) -> None:
            # HTTP/1.0 without Content-Length: closing the connection ends the event stream.
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            base = {"id": f"chatcmpl-stub-{len(stub.requests)}", "object": "chat.completion.chunk",
                    "created": int(time.time()), "model": model}
            content = reply.content or "".join(reply.pieces or [])
            pieces = reply.pieces or [content[i:i + 4] for i in range(0, len(content), 4)]
            deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
            deltas += [{"content": piece} for piece in pieces]
            events = [{**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
            events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            if include_usage:
                events.append({**base, "choices": [],
                               "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
            for n, event in enumerate(events):
                data = f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode()
                if reply.cut_stream and n == 2:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    return
                self.wfile.write(data)
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler
