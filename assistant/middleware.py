"""ASGI middleware of the API: request ids, request limits (size, content type) and structured access logs."""

from __future__ import annotations

import json
import logging
import time

from .api_errors import error_body
from .logs import accept_request_id, request_id

access_log = logging.getLogger("assistant.access")
API_PREFIXES = ("/api/", "/v1/")
PROBES = ("/api/v1/live", "/api/v1/ready")  # asked every few seconds by the orchestrator: counted, not logged


def _is_api(path: str) -> bool:
    return path.startswith(API_PREFIXES)


async def _send_error(send, status: int, code: str, message: str) -> None:
    body = json.dumps(error_body(status, code, message)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


class StatusRecorder:
    """A ``send`` that passes every message on and keeps the response's status (500 until one is sent)."""

    def __init__(self, send) -> None:
        self.status = 500
        self._send = send

    async def __call__(self, message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)


class RequestLimits:
    """API requests with a body must be JSON (415 otherwise) and at most ``max_bytes`` long (413),
    whether they declare a Content-Length or stream their body in chunks."""

    def __init__(self, app, max_bytes: int) -> None:
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH") or not _is_api(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        ctype = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        if ctype != "application/json" and not ctype.endswith("+json"):
            await _send_error(send, 415, "unsupported_media_type", "send the request body as application/json")
            return
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _send_error(send, 413, "request_too_large", self._too_large)
            return
        seen = 0
        over = False  # the body grew past the limit: whatever the app answers becomes a 413
        replaced = False

        async def counting_receive():
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    over = True
                    raise _TooLarge
            return message

        async def guarded_send(message):
            nonlocal replaced
            if not over:
                await send(message)
            elif not replaced:  # the app caught _TooLarge and answered something else (FastAPI: a 400)
                replaced = True
                await _send_error(send, 413, "request_too_large", self._too_large)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            if not replaced:
                await _send_error(send, 413, "request_too_large", self._too_large)

    @property
    def _too_large(self) -> str:
        return f"the request body exceeds {self.max_bytes} bytes"


class RequestId:
    """Every request gets an id (a sane ``X-Request-ID`` from the client or proxy, else a new one): it is in
    every log line written while the request is served and in the response's ``X-Request-ID`` header."""

    HEADER = b"x-request-id"

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(self.HEADER, b"").decode("latin-1")
        rid = accept_request_id(incoming)
        token = request_id.set(rid)

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != self.HEADER]
                message = {**message, "headers": [*headers, (self.HEADER, rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


class AccessLog:
    """One JSON log line per API request: method, path, status, duration, caller (a key's id or the
    client address, never a key). The question is included only when the endpoint put it in
    ``request.state.question``, which it does only if question logging is enabled."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (_is_api(path) or path in ("/widget.js", "/embed")) or path in PROBES:
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        recorder = StatusRecorder(send)
        try:
            await self.app(scope, receive, recorder)
        finally:
            state = scope.get("state") or {}
            client = scope.get("client") or ("-", 0)
            record = {"method": scope["method"], "path": path, "status": recorder.status,
                      "ms": round((time.perf_counter() - start) * 1000, 1),
                      "caller": state.get("caller") or f"addr:{client[0]}"}
            for key in ("conversation_id", "refused", "question"):
                if key in state:
                    record[key] = state[key]
            record["request_id"] = request_id.get()
            access_log.info(json.dumps(record, ensure_ascii=False), extra={"fields": record})
