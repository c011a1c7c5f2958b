"""Errors of the HTTP API as JSON: ``{"error": {"code", "message", "type"}}`` with a 4xx/5xx status.

The shape is OpenAI's error object (``message``, ``type``, ``code``), so the ``openai`` client shows the
message too. The assistant's own errors map as: InputError 400, UnknownConversation 404, IndexError_ 503,
anything else 500 with a generic message (the exception is logged, never sent).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .errors import AssistantError, IndexBuilding, IndexError_, InputError, UnknownConversation

log = logging.getLogger(__name__)

INDEX_UNAVAILABLE = "search index unavailable; please try again shortly"
INTERNAL = "internal error; the request was not answered"
_TYPES = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error",
          413: "invalid_request_error", 415: "invalid_request_error", 422: "invalid_request_error",
          429: "rate_limit_error", 503: "service_unavailable", 500: "server_error"}


class ApiError(Exception):
    """An error answered as JSON with ``status``; ``message`` is meant for the caller."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_body(status: int, code: str, message: str) -> dict:
    """The JSON body of an error."""
    return {"error": {"code": code, "message": message, "type": _TYPES.get(status, "invalid_request_error")}}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error as a response."""
    return JSONResponse(error_body(status, code, message), status_code=status, headers=headers)


def from_assistant_error(exc: Exception) -> ApiError:
    """The API error for an exception raised while answering."""
    if isinstance(exc, UnknownConversation):
        return ApiError(404, "unknown_conversation", str(exc))
    if isinstance(exc, InputError):
        return ApiError(400, "invalid_question", str(exc))
    if isinstance(exc, IndexBuilding):  # not an error: the first start builds the index
        return ApiError(503, "index_building", f"building the index ({exc.percent} %); please try again in a minute",
                        headers={"Retry-After": "30"})
    if isinstance(exc, IndexError_):
        log.error("search index unavailable: %s", exc)
        return ApiError(503, "index_unavailable", INDEX_UNAVAILABLE)
    if isinstance(exc, AssistantError):
        log.error("assistant error: %s", exc)
    else:
        log.error("answering failed", exc_info=exc)
    return ApiError(500, "internal_error", INTERNAL)


def _validation_message(exc: RequestValidationError) -> tuple[str, str]:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return "malformed_json", "the request body is not valid JSON"
    parts = []
    for e in errors[:5]:
        where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return "invalid_request", "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    """Every error of the API routes answered in the one JSON shape."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        code, message = _validation_message(exc)
        return error_response(400 if code == "malformed_json" else 422, code, message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in message:  # FastAPI's words for bytes that are not UTF-8
            code, message = "malformed_json", "the request body is not valid JSON in UTF-8"
        return error_response(exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        err = from_assistant_error(exc)
        return error_response(err.status, err.code, err.message)
