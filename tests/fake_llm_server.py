"""A tiny OpenAI-compatible chat server on a loopback port that plays back scripted replies.

``POST /v1/chat/completions`` (plain JSON or, with ``stream: true``, server-sent events) answers
with the next :class:`Reply` of the script and records the request body; ``GET /v1/models`` lists
the one model. A reply with ``delay_s`` sleeps before answering (a slow or hung server); one with
``status`` other than 200 is an HTTP error. An empty script is a 500 that names the problem, so a
test that asks more often than it scripted fails loudly.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "fake-atlas-llm"


@dataclass(frozen=True)
class Reply:
    text: str = ""
    delay_s: float = 0.0  # before the first byte: longer than the client's timeout means "hung"
    status: int = 200
    piece_chars: int = 7  # streamed in pieces of this many characters
    piece_delay_s: float = 0.0  # between streamed pieces
    stall_at: int = -1  # a streamed reply stops after this many characters for stall_s (a model hanging mid-answer)
    stall_s: float = 0.0


class FakeLLMServer:
    """Start with ``with FakeLLMServer() as server:``; ``server.url`` is the base URL (…/v1)."""

    def __init__(self, replies: list[Reply | str] | None = None) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict] = []
        self.authorizations: list[str | None] = []  # the Authorization header of each chat request
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-llm", daemon=True)
        self.script(*(replies or []))

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def prompts(self) -> list[str]:
        """The last user message of every chat request, in order."""
        return [r["messages"][-1]["content"] for r in self.requests if "messages" in r]

    def script(self, *replies: Reply | str) -> None:
        with self._lock:
            self.replies.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    def _next(self) -> Reply | None:
        with self._lock:
            return self.replies.popleft() if self.replies else None

    def __enter__(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._released.set()  # wake handlers that play a hung server
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    self._json(200, {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "tests"}]})
                else:
                    self._json(404, {"error": {"message": f"no route {self.path}"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._json(404, {"error": {"message": f"no route {self.path}"}})
                    return
                server.requests.append(body)
                server.authorizations.append(self.headers.get("Authorization"))
                reply = server._next()
                if reply is None:
                    self._json(500, {"error": {"message": "fake LLM server: no scripted reply left"}})
                    return
                if reply.delay_s and server._released.wait(reply.delay_s):
                    return  # the test is over
                try:
                    if reply.status != 200:
                        self._json(reply.status, {"error": {"message": f"scripted error {reply.status}"}})
                    elif body.get("stream"):
                        self._stream(reply)
                    else:
                        self._json(200, _completion(reply.text))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

            def _stream(self, reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                pieces = [reply.text[i:i + reply.piece_chars] for i in range(0, len(reply.text), reply.piece_chars)]
                first = {"role": "assistant", "content": ""}
                self._event(_chunk(first))
                sent = 0
                for piece in pieces:
                    if reply.piece_delay_s and server._released.wait(reply.piece_delay_s):
                        return
                    if sent == reply.stall_at and server._released.wait(reply.stall_s):
                        return
                    sent += len(piece)
                    self._event(_chunk({"content": piece}))
                self._event(_chunk({}, "stop"))
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _event(self, body: dict) -> None:
                self.wfile.write(f"data: {json.dumps(body)}\n\n".encode())
                self.wfile.flush()

        return Handler


def _completion(text: str) -> dict:
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": MODEL,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def _chunk(delta: dict, finish: str | None = None) -> dict:
    return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()), "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
