"""``/admin``: the operator's insights page and its exports, behind ``ASSISTANT_ADMIN_KEY``.

The key is sent as ``Authorization: Bearer KEY`` (scripts) or as the password of HTTP Basic
authentication (a browser asks for it; any user name), so the page needs no login form and sets no
cookie. Without a key the routes are not added at all (404)."""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import date, datetime

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from .api_errors import ApiError
from .db import Database
from .feedback import FeedbackStore
from .insights import Insights, InsightsBuilder
from .insights_report import FORMATS, MEDIA_TYPES, page, render
from .question_log import QuestionLog, read_rows

_PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def authorised(header: str | None, key: str) -> bool:
    """True if the Authorization header carries ``key`` as a bearer token or a Basic password."""
    scheme, _, value = (header or "").partition(" ")
    value = value.strip()
    if scheme.lower() == "basic":
        try:
            value = base64.b64decode(value, validate=True).decode("utf-8").partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return False
    elif scheme.lower() != "bearer":
        return False
    return secrets.compare_digest(value.encode(), key.encode())


def parse_since(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ApiError(400, "invalid_since", f"since must be a date like 2026-11-01, not {value!r}") from None


def add_admin_routes(app: FastAPI, key: str, database: Database, builder: InsightsBuilder,
                     questions: QuestionLog | None = None) -> None:
    """``GET /admin`` (the page, ``?since=YYYY-MM-DD``) and ``GET /admin/export?format=md|csv|jsonl|drafts``;
    ``questions`` is flushed first so that the page shows what was just answered."""
    if not key:
        raise ValueError("an admin key is needed for the admin routes")
    feedback = FeedbackStore(database)

    def check(request: Request) -> None:
        if not authorised(request.headers.get("authorization"), key):
            raise ApiError(401, "unauthorized", "the insights need ASSISTANT_ADMIN_KEY",
                           headers={"WWW-Authenticate": 'Basic realm="insights", charset="UTF-8"'})

    def build(since: date | None) -> Insights:
        if questions is not None:
            questions.flush(timeout_s=5)
        start = datetime.combine(since, datetime.min.time()) if since else None
        rows, rated = read_rows(database, start), feedback.rows(since=since.isoformat() if since else None)
        return builder.run(rows, rated, since)

    @app.get("/admin", include_in_schema=False)
    async def admin(request: Request, since: str | None = None) -> HTMLResponse:
        check(request)
        day = parse_since(since)
        insights = await run_in_threadpool(build, day)
        return HTMLResponse(await run_in_threadpool(page, insights, day.isoformat() if day else ""),
                            headers=_PRIVATE)

    @app.get("/admin/export", include_in_schema=False)
    async def export(request: Request, format: str = "md", since: str | None = None) -> Response:  # noqa: A002
        check(request)
        if format not in FORMATS:
            raise ApiError(400, "invalid_format", f"format must be one of {', '.join(FORMATS)}, not {format!r}")
        insights = await run_in_threadpool(build, parse_since(since))
        name = "eval-drafts.jsonl" if format == "drafts" else f"insights.{format}"
        return Response(render(insights, format), media_type=MEDIA_TYPES[format],
                        headers={**_PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'})

