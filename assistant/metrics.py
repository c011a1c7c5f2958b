"""Prometheus metrics of the server (``/metrics``): requests, answers, refusals, languages, the index's state.

Each app has a registry of its own (no process-wide default registry: no Python or platform version is exposed,
and tests can build many apps)."""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

from .handoff import MODE as HANDOFF_MODE
from .middleware import StatusRecorder
from .types import Answer

CHANNELS = ("api", "openai", "ui")
# An answer takes ~35 ms alone and up to about a second under 32 clients (docs/operations.md).
ANSWER_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The server's metrics; ``index_open`` tells whether the search index is open (read at every scrape)."""

    def __init__(self, index_open: Callable[[], bool] = lambda: False) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("atlas_http_requests", "HTTP requests by route, method and status code",
                                ["route", "method", "status"], registry=r)
        self.request_seconds = Histogram("atlas_http_request_duration_seconds", "HTTP request duration by route",
                                         ["route"], buckets=ANSWER_BUCKETS, registry=r)
        self.answer_seconds = Histogram("atlas_answer_duration_seconds",
                                        "time to answer a question, as the assistant measured it",
                                        ["channel"], buckets=ANSWER_BUCKETS, registry=r)
        self.questions = Counter("atlas_questions", "questions answered, by answer language and channel",
                                 ["language", "channel"], registry=r)
        self.refusals = Counter("atlas_refusals", "answers that say the report does not hold the answer",
                                ["channel"], registry=r)
        self.handoffs = Counter("atlas_handoff_requests", "questions that asked for a person", ["channel"],
                                registry=r)
        self.index = Gauge("atlas_index_open", "1 while the search index is open, 0 before or if it failed",
                           registry=r)
        self.index.set_function(lambda: 1.0 if index_open() else 0.0)
        ProcessCollector(registry=r)  # memory, CPU time, open files of this process

    def answered(self, answer: Answer, channel: str) -> None:
        """Count one answered question of ``channel`` (api, openai, ui)."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}: use one of {CHANNELS}")
        self.questions.labels(answer.language or "unknown", channel).inc()
        if answer.refused:
            self.refusals.labels(channel).inc()
        if answer.mode == HANDOFF_MODE:
            self.handoffs.labels(channel).inc()
        total_ms = answer.timings_ms.get("total_ms")
        if total_ms is not None:
            self.answer_seconds.labels(channel).observe(total_ms / 1000)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def _route_of(scope) -> str:
    """The route's template ("/api/v1/ask"), never the raw path, so that the labels stay few."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path:
        return path
    return "unmatched" if scope.get("path", "").startswith(("/api/", "/v1/")) else "ui"


class HttpMetrics:
    """ASGI middleware: counts every HTTP request by route, method and status, and times it."""

    def __init__(self, app, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        recorder = StatusRecorder(send)
        try:
            await self.app(scope, receive, recorder)
        finally:
            route = _route_of(scope)
            self.metrics.requests.labels(route, scope["method"], str(recorder.status)).inc()
            self.metrics.request_seconds.labels(route).observe(time.perf_counter() - start)
