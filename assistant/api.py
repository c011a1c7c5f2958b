"""The HTTP server: the JSON API, the OpenAI-compatible endpoint, the website widget and the Gradio UI
at ``/``, in one FastAPI app served by uvicorn. A thin shell over the service.
"""

from __future__ import annotations

import hmac
import inspect
import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.routing import Match

from .access import Gatekeeper
from .api_errors import ApiError, from_assistant_error, install_error_handlers
from .api_models import (
    AskRequest,
    AskResponse,
    ChapterOut,
    CityOut,
    ErrorResponse,
    HealthResponse,
    IndexInfo,
    ProbeResponse,
    SourcesResponse,
)
from .conversation_tokens import CarriedConversations, ConversationTokens
from .db import Database, database_url
from .feedback import FeedbackStore
from .logs import configure as configure_logs
from .metrics import HttpMetrics, Metrics
from .middleware import AccessLog, RequestId, RequestLimits
from .openai_compat import ChatCompletions, make_router
from .prefetch import prefetch_question
from .privacy import PATHS as PRIVACY_PATHS
from .privacy import PrivacyNote
from .question_log import QuestionLog
from .serial import SerialAssistant
from .statement import PATHS, Statement
from .ui_start import LateChat

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
_ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 404, 413, 415, 422, 429, 500, 503)}


_BEARER = HTTPBearer(auto_error=False, description="needed once ASSISTANT_API_KEYS lists any key")


def _guard(gatekeeper: Gatekeeper):
    """The dependency that checks the API key and the rate limit of a request."""

    async def guard(request: Request, _credentials: Annotated[HTTPAuthorizationCredentials | None,
                                                              Depends(_BEARER)]) -> None:
        client = request.client.host if request.client else "-"
        caller = gatekeeper.check(request.headers.get("authorization"), client)
        request.state.caller = caller.id

    return guard


CHANNEL_HEADER = "X-Assistant-Channel"  # the widget sends "widget"; the question log counts it apart


def _public_name(embedder: str) -> str:
    """The embedder's name without the folders of a local model ("sentence-transformers:/srv/m/x" -> "...:x")."""
    kind, _, model = embedder.rpartition(":")
    if model.startswith(("/", ".", "~")) or "\\" in model:
        model = Path(model.replace("\\", "/")).name
    return f"{kind}:{model}" if kind else model


def _api_router(assistant: SerialAssistant, guard, metrics: Metrics, carried: CarriedConversations,
                questions: QuestionLog | None = None) -> APIRouter:
    """``/api/v1``: ask, health, live, ready, sources."""
    router = APIRouter(prefix="/api/v1", tags=["API"], responses=_ERRORS)

    async def index_ready() -> bool:
        info = assistant.build_info
        return info is not None and info.chunks > 0 and await run_in_threadpool(assistant.store.ping)

    @router.get("/health", response_model=HealthResponse, summary="Is the search index open and reachable?")
    async def health() -> JSONResponse:
        # what a client needs (state, size, which embedder), never where the index lies or versions
        info = assistant.build_info
        embedder = _public_name(getattr(assistant.embedder, "name", type(assistant.embedder).__name__))
        reachable = await index_ready()
        body = HealthResponse(status="ok" if reachable else "degraded",
                              index=IndexInfo(chunks=info.chunks) if info else None,
                              embedder=embedder,
                              detail="" if reachable else "search index unavailable")
        return JSONResponse(body.model_dump(), status_code=200 if body.status == "ok" else 503)

    @router.get("/live", response_model=ProbeResponse, summary="Liveness: the process serves HTTP")
    async def live() -> ProbeResponse:
        return ProbeResponse(status="live")

    @router.get("/ready", response_model=ProbeResponse, summary="Readiness: 200 once the index is open, else 503")
    async def ready() -> JSONResponse:
        if await index_ready():
            return JSONResponse(ProbeResponse(status="ready").model_dump())
        return JSONResponse(ProbeResponse(status="not ready", detail="the search index is opening or unavailable")
                            .model_dump(), status_code=503)

    @router.get("/sources", response_model=SourcesResponse, dependencies=[Depends(guard)],
                summary="The 50 city profiles and the chapters the answers cite")
    async def sources() -> SourcesResponse:
        report = assistant.report
        if report is None:
            raise ApiError(503, "index_unavailable", "search index unavailable; please try again shortly")
        chapters: dict[str, list[str]] = {}
        for s in report.chapters:
            chapters.setdefault(s.source, [])
            if s.section not in chapters[s.source]:
                chapters[s.source].append(s.section)
        return SourcesResponse(
            cities=[CityOut(name=c.name, population=c.population, area_km2=c.area_km2,
                            sections=list(dict.fromkeys(s.section for s in c.sections)),
                            projects=[p.title for p in c.projects]) for c in report.cities],
            chapters=[ChapterOut(name=name, sections=sections) for name, sections in chapters.items()])

    @router.post("/ask", response_model=AskResponse, dependencies=[Depends(guard)],
                 summary="Answer a question with citations, in a conversation")
    async def ask(req: AskRequest, request: Request) -> AskResponse:
        started = time.perf_counter()
        if request.app.state.log_questions:
            request.state.question = req.question

        if req.conversation_id is None:  # its vector is computed on another core while it waits its turn
            prefetch_question(assistant.assistant, req.question)

        def work():
            cid = carried.open(req.conversation_id, req.language or "de")
            answer = assistant.assistant.ask(req.question, language=req.language, cities=req.cities,
                                             conversation_id=cid)
            return replace(answer, conversation_id=carried.token(cid)), cid  # the client carries the focus on

        try:
            answer, cid = await assistant.run(work)
        except Exception as exc:  # noqa: BLE001 - mapped to a JSON error (and logged) there
            raise from_assistant_error(exc) from exc
        request.state.conversation_id = cid  # the id, not the token: the token holds the last question
        request.state.refused = answer.refused
        metrics.answered(answer, "api")
        if questions is not None:  # logged under the conversation's own id, not the token the client carries
            widget = request.headers.get(CHANNEL_HEADER, "").lower() == "widget"
            questions.record_answer(replace(answer, conversation_id=cid), "widget" if widget else "api", started)
        return AskResponse.from_answer(answer, handoff=assistant.handoff.for_answer(answer))

    return router


def _widget_routes(app: FastAPI, frame_ancestors: list[str]) -> None:
    """``/widget.js`` (the script tag) and ``/embed`` (the page for a plain iframe), from assistant/static."""
    @app.get("/widget.js", include_in_schema=False)
    async def widget() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript; charset=utf-8",
                            headers={"Cache-Control": "public, max-age=300"})

    @app.get("/embed", include_in_schema=False)
    async def embed() -> FileResponse:
        headers = {"Cache-Control": "public, max-age=300"}
        if frame_ancestors:  # only the allow-listed sites may frame the chat
            headers["Content-Security-Policy"] = "frame-ancestors 'self' " + " ".join(frame_ancestors)
        return FileResponse(STATIC / "embed.html", media_type="text/html; charset=utf-8", headers=headers)


def _statement_routes(app: FastAPI, statement: Statement, privacy: PrivacyNote) -> None:
    """The accessibility statement (``/barrierefreiheit`` in German, ``/accessibility`` in English) and the
    privacy note (``/datenschutz``, ``/privacy``)."""
    def route(page: str):
        async def show() -> HTMLResponse:  # no parameters: nothing of the request reaches the page
            return HTMLResponse(page, headers={"Cache-Control": "public, max-age=300"})
        return show

    for note, paths in ((statement, PATHS), (privacy, PRIVACY_PATHS)):
        for lang, path in paths.items():
            app.add_api_route(path, route(note.render(lang)), methods=["GET"], include_in_schema=False)


def _admin_routes(app: FastAPI, serial: SerialAssistant, settings, database: Database,
                  questions: QuestionLog | None) -> None:
    """``/admin``: the insights, grouping questions with the assistant's own embedder (under its lock)."""
    from .admin import add_admin_routes
    from .insights import CachedEmbed, InsightsBuilder

    def embed(texts: list[str]):
        with serial.lock:  # the embedder is not shared between threads: between two answers
            return serial.assistant.embedder.embed_passages(texts)

    add_admin_routes(app, settings.admin_key, database,
                     InsightsBuilder(CachedEmbed(embed), settings.insights_group_distance), questions)


def create_app(assistant, settings, ui: bool = True, ui_after: Callable[[], object] | None = None) -> FastAPI:
    """The server's app. ``assistant``'s report and index may still be loading (questions then wait for
    them, health says degraded and /api/v1/sources answers 503); ``ui=False`` leaves Gradio out (tests). The chat at ``/``
    starts after the server (``app.state.chat``, a :class:`~assistant.ui_start.LateChat`, says when it is
    ready), once ``ui_after`` returns."""
    serial = assistant if isinstance(assistant, SerialAssistant) else SerialAssistant(assistant)
    gatekeeper = Gatekeeper(settings.api_keys, settings.rate_limit_per_minute)
    guard = _guard(gatekeeper)
    database = Database(database_url(settings.database_url, settings.data_dir))
    questions = QuestionLog(database, settings.log_retention_days, settings.question_log_queue).start() \
        if settings.question_log else None

    chat: LateChat | None = None

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        async with chat.running() if chat is not None else nullcontext():
            yield
        serial.close()
        if questions is not None:
            questions.close()  # every accepted record written before the process ends
        database.close()

    app = FastAPI(title="Smart-City-Atlas assistant API", version="1",
                  description="Cited answers from the Smart-City-Atlas (Bitkom / Fraunhofer IESE, 2019). "
                              "Errors are `{\"error\": {\"code\", \"message\", \"type\"}}`.",
                  docs_url="/api/docs", redoc_url=None, openapi_url="/api/v1/openapi.json", lifespan=lifespan)
    app.state.log_questions = settings.log_questions
    app.state.assistant = serial
    metrics = app.state.metrics = Metrics(index_open=lambda: serial.build_info is not None)
    carried = _carried_conversations(serial, settings.secret_key.get_secret_value())
    app.state.database = database
    app.state.question_log = questions
    install_error_handlers(app)
    app.include_router(_api_router(serial, guard, metrics, carried, questions))
    app.include_router(make_router(ChatCompletions(serial, on_answer=lambda a: metrics.answered(a, "openai"),
                                                   conversations=carried, questions=questions), guard))

    metrics_key = settings.metrics_key.get_secret_value()

    @app.get("/metrics", include_in_schema=False)
    async def prometheus(request: Request) -> Response:  # for the operator's scraper, not the public
        given = request.headers.get("authorization", "")
        if metrics_key and not hmac.compare_digest(given.encode(), f"Bearer {metrics_key}".encode()):
            raise ApiError(401, "invalid_metrics_key", "send the metrics key as Authorization: Bearer KEY")
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    _widget_routes(app, settings.cors_origins)
    _statement_routes(app, Statement(settings.accessibility_contact, settings.accessibility_operator),
                      PrivacyNote(settings.question_log, settings.log_retention_days))
    if settings.admin_key:
        _admin_routes(app, serial, settings, database, questions)

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    @app.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def unknown(request: Request, rest: str):
        # Unknown API paths answer in the API's error format, not with the mounted UI's 404 page;
        # a known path asked with another method is a 405, as it would be without this route.
        path = request.url.path
        for route in app.router.routes:
            if getattr(route, "endpoint", None) is not unknown and route.matches(request.scope)[0] == Match.PARTIAL:
                raise ApiError(405, "method_not_allowed", f"{request.method} is not allowed on {path}")
        raise ApiError(404, "not_found", f"no such endpoint: {path}")

    app.add_middleware(RequestLimits, max_bytes=settings.max_request_bytes)
    cors = {"allow_origins": settings.cors_origins, "allow_methods": ["GET", "POST"], "max_age": 600,
            "allow_headers": ["Authorization", "Content-Type", "X-Request-ID", CHANNEL_HEADER],
            "expose_headers": ["X-Request-ID"]}
    app.add_middleware(CORSMiddleware, **cors)
    app.add_middleware(AccessLog)
    app.add_middleware(HttpMetrics, metrics=metrics)
    app.add_middleware(RequestId)  # outermost: every log line of the request carries its id
    if ui:
        chat = _late_ui(serial, settings, FeedbackStore(database), questions, cors,
                        on_answer=lambda a: metrics.answered(a, "ui"), after=ui_after)
        app.mount("/", chat)
    app.state.chat = chat
    return app


def _carried_conversations(assistant: SerialAssistant, secret: str) -> CarriedConversations:
    """Conversation tokens over the assistant's conversations, signed with ``secret`` (the same on every replica),
    or with a random key of this process when there is none."""
    store = assistant.conversations
    tokens = ConversationTokens(secret, store.ttl_s) if secret else ConversationTokens.ephemeral(store.ttl_s)
    return CarriedConversations(tokens, store)


def _late_ui(assistant: SerialAssistant, settings, feedback: FeedbackStore, questions: QuestionLog | None,
             cors: dict, on_answer=None, after: Callable[[], object] | None = None) -> LateChat:
    """The Gradio chat for ``/``, sharing the API's lock (routes added before it take precedence), built
    in a thread after the server started (see assistant/ui_start.py)."""

    def build():
        os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
        import gradio as gr

        from .ui import FOOTER_LINKS, build_ui

        parameters = inspect.signature(build_ui).parameters
        if "settings" in parameters:
            extra = {"on_answer": on_answer} if "on_answer" in parameters else {}
            blocks = build_ui(assistant, settings, feedback, questions, **extra)
        else:
            blocks = build_ui(assistant)
        # Gradio adds CORS headers of its own unless the app it is mounted on declares CORS; the app that
        # serves it (create_app's) does, with these settings, so the shell declares them too (it is never served)
        shell = FastAPI()
        shell.add_middleware(CORSMiddleware, **cors)
        gr.mount_gradio_app(shell, blocks, path="/", footer_links=FOOTER_LINKS)
        return shell, shell.routes[-1].app

    return LateChat(build, after)


def _open_index(assistant, server, opened: threading.Event) -> None:
    """Open the index once the server listens (both compete for the one interpreter lock); ``opened`` is
    set when that is done, or failed."""
    while not server.started and not server.should_exit:
        time.sleep(0.05)
    try:
        info = assistant.ensure_index()
    except Exception:  # questions retry the opening and report the error themselves
        log.exception("the search index could not be opened")
        return
    finally:
        opened.set()
    log.info("index %s: %d chunks (%.1f s)", "built" if info.built else "opened", info.chunks, info.seconds)


def serve(settings) -> None:
    """Open (or build) the index, then serve UI and APIs on ``settings.host``:``settings.port``."""
    import uvicorn

    from .service import Assistant

    # JSON lines with the request's id: libraries log warnings, the assistant (its access log included) INFO up
    configure_logs(logging.INFO)
    if not settings.secret_key.get_secret_value():
        log.warning("ASSISTANT_SECRET_KEY is not set: API conversations continue only on this process "
                    "(set the same key on every replica)")
    assistant = Assistant.from_settings(settings)
    if settings.prefetch_queries and (os.cpu_count() or 1) > 1:
        from .embedding import make_embedder
        from .prefetch import PrefetchingEmbedder

        ahead = [make_embedder(settings.embedder, settings.embed_threads) for _ in range(min(os.cpu_count(), 4))]
        assistant.embedder = PrefetchingEmbedder(assistant.embedder, ahead)
    # The report is read and the index opened beside the listening server (health says "degraded" and
    # questions wait until it is open; "/" says the chat is starting), so the server answers seconds sooner.
    opened = threading.Event()

    def index_first() -> None:
        """The chat is built once the index is open (answers first: both need the one interpreter lock), or
        as soon as the index is being built (that takes minutes, in other processes)."""
        while not opened.wait(0.05) and assistant.index_progress is None:
            pass

    app = create_app(assistant, settings, ui_after=index_first)
    print(f"serving the chat on http://{settings.host}:{settings.port}/ and the API on /api/v1 and /v1",
          flush=True)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, access_log=False,
                                           server_header=False, log_level="warning"))  # no "server: uvicorn"
    threading.Thread(target=_open_index, args=(assistant, server, opened), name="open-index", daemon=True).start()
    server.run()
