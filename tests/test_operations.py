"""Operations: Prometheus metrics, liveness and readiness, request ids in headers and JSON log lines, and
public endpoints that reveal no filesystem paths."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from conftest import make_mini_assistant
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.logs import JsonFormatter
from assistant.settings import ROOT, Settings

AACHEN = "Wie viele Einwohner hat Aachen?"
REFUSED = "Wer ist der Bürgermeister von Hamburg?"


def client_for(assistant) -> TestClient:
    settings = Settings(api_keys=[], rate_limit_per_minute=0, cors_origins=[], log_questions=False)
    return TestClient(create_app(assistant, settings, ui=False))


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format (0 if absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_answers_refusals_and_languages(mini_assistant):
    with client_for(mini_assistant) as c:
        before = c.get("/metrics").text
        assert c.get("/api/v1/health").status_code == 200
        c.post("/api/v1/ask", json={"question": AACHEN})
        c.post("/api/v1/ask", json={"question": "What is the population of Bamberg?"})
        c.post("/api/v1/ask", json={"question": REFUSED})
        c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": AACHEN}]})
        c.get("/api/v1/no-such-thing")
        after = c.get("/metrics")
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    text = after.text
    health = {"route": "/api/v1/health", "method": "GET", "status": "200"}
    assert sample(text, "atlas_http_requests_total", **health) == sample(before, "atlas_http_requests_total",
                                                                         **health) + 1 == 1
    assert sample(text, "atlas_http_requests_total", route="/api/v1/ask", method="POST", status="200") == 3
    assert sample(text, "atlas_http_requests_total", route="/api/{rest:path}", status="404") == 1  # not the raw path
    assert sample(text, "atlas_questions_total", language="de", channel="api") == 2
    assert sample(text, "atlas_questions_total", language="en", channel="api") == 1
    assert sample(text, "atlas_questions_total", language="de", channel="openai") == 1
    assert sample(text, "atlas_refusals_total", channel="api") == 1
    assert sample(text, "atlas_answer_duration_seconds_count", channel="api") == 3
    assert sample(text, "atlas_answer_duration_seconds_bucket", channel="api", le="+Inf") == 3
    assert sample(text, "atlas_index_open") == 1
    assert "python_info" not in text and "no-such-thing" not in text


def test_live_at_once_ready_only_with_the_index_open(mini_assistant):
    opening = make_mini_assistant(mini_assistant.store.index_dir)  # the built index, not yet opened
    with client_for(opening) as c:
        live, ready, health = c.get("/api/v1/live"), c.get("/api/v1/ready"), c.get("/api/v1/health")
        gauge = sample(c.get("/metrics").text, "atlas_index_open")
        opening.ensure_index()
        ready_after, live_after = c.get("/api/v1/ready"), c.get("/api/v1/live")
        gauge_after = sample(c.get("/metrics").text, "atlas_index_open")
    assert live.status_code == 200 and live.json()["status"] == "live"
    assert ready.status_code == 503 and ready.json()["status"] == "not ready" and health.status_code == 503
    assert gauge == 0 and gauge_after == 1
    assert ready_after.status_code == 200 and ready_after.json()["status"] == "ready"
    assert live_after.status_code == 200


def test_the_request_id_is_in_the_header_and_the_json_log_line(mini_assistant, caplog):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("assistant.access")
    access.addHandler(handler)
    try:
        with client_for(mini_assistant) as c, caplog.at_level(logging.INFO, "assistant.access"):
            given = c.post("/api/v1/ask", json={"question": AACHEN}, headers={"X-Request-ID": "trace-42.a"})
            fresh = c.post("/api/v1/ask", json={"question": AACHEN})
            hostile = c.get("/api/v1/health", headers={"X-Request-ID": "<script>" + "x" * 100})
            probe = c.get("/api/v1/ready", headers={"X-Request-ID": "probe-1"})
    finally:
        access.removeHandler(handler)
    assert given.headers["x-request-id"] == "trace-42.a"
    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["x-request-id"])
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["x-request-id"])  # replaced, not echoed
    assert probe.headers["x-request-id"] == "probe-1"  # probes get an id, but no log line
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == ["trace-42.a", fresh.headers["x-request-id"],
                                                      hostile.headers["x-request-id"]]
    first = lines[0]
    assert first["logger"] == "assistant.access" and first["level"] == "INFO" and first["time"].endswith("Z")
    assert first["path"] == "/api/v1/ask" and first["status"] == 200 and "message" not in first
    # the conversation's id, not the token the client carries (it holds the asker's last question)
    assert first["conversation_id"] and first["conversation_id"] != given.json()["conversation_id"]
    assert "Aachen" not in json.dumps(first) and len(first["conversation_id"]) <= 64


def test_log_lines_written_on_the_answering_thread_carry_the_request_id(mini_assistant, caplog, monkeypatch):
    def failing(*args, **kwargs):
        logging.getLogger("assistant.service").error("answering failed")
        raise RuntimeError("boom")

    monkeypatch.setattr(mini_assistant, "ask", failing)
    seen = []

    class Capture(logging.Handler):
        def emit(self, record):
            seen.append(json.loads(JsonFormatter().format(record)))

    capture = Capture()
    logging.getLogger("assistant.service").addHandler(capture)
    try:
        with client_for(mini_assistant) as c:
            response = c.post("/api/v1/ask", json={"question": AACHEN}, headers={"X-Request-ID": "worker-7"})
    finally:
        logging.getLogger("assistant.service").removeHandler(capture)
    assert response.status_code == 500 and response.headers["x-request-id"] == "worker-7"
    assert {"request_id": "worker-7", "message": "answering failed"}.items() <= seen[0].items()


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/live", "/api/v1/ready", "/metrics"])
def test_public_endpoints_reveal_no_paths(mini_assistant, path):
    with client_for(mini_assistant) as c:
        response = c.get(path)
    text = response.text
    assert response.status_code == 200
    for secret in (str(ROOT), str(mini_assistant.store.index_dir), "/tmp", "/home", "location"):
        assert secret not in text
    assert "server" not in response.headers or "uvicorn" not in response.headers["server"]


def test_health_keeps_what_clients_use(mini_assistant):
    with client_for(mini_assistant) as c:
        body = c.get("/api/v1/health").json()
    assert body == {"status": "ok", "index": {"chunks": mini_assistant.build_info.chunks},
                    "embedder": mini_assistant.embedder.name, "detail": ""}


def test_the_chat_counts_its_answers_as_the_ui_channel(mini_assistant):
    from assistant.metrics import Metrics
    from assistant.ui import ChatHandlers

    metrics = Metrics()
    handlers = ChatHandlers(mini_assistant, on_answer=lambda answer: metrics.answered(answer, "ui"))
    list(handlers.respond(AACHEN, [], None, None, None))
    text = metrics.render()[0].decode()
    assert sample(text, "atlas_questions_total", language="de", channel="ui") == 1
    with pytest.raises(ValueError, match="unknown channel"):
        metrics.answered(mini_assistant.ask(AACHEN), "fax")


def test_a_local_models_folders_are_not_shown(mini_assistant, monkeypatch):
    monkeypatch.setattr(mini_assistant.embedder, "name", "sentence-transformers:/srv/models/gte-small", raising=False)
    with client_for(mini_assistant) as c:
        body = c.get("/api/v1/health").json()
    assert body["embedder"] == "sentence-transformers:gte-small"


def test_a_page_on_an_allowed_site_can_read_the_request_id(mini_assistant):
    site = "https://www.stadt.example"
    settings = Settings(api_keys=[], rate_limit_per_minute=0, cors_origins=[site])
    with TestClient(create_app(mini_assistant, settings, ui=False)) as c:
        r = c.post("/api/v1/ask", json={"question": AACHEN}, headers={"Origin": site, "X-Request-ID": "page-1"})
    assert r.headers["x-request-id"] == "page-1"
    assert "x-request-id" in r.headers["access-control-expose-headers"].lower()


def test_metrics_can_ask_for_a_key(mini_assistant):
    settings = Settings(api_keys=[], rate_limit_per_minute=0, metrics_key="scrape-key-1")
    with TestClient(create_app(mini_assistant, settings, ui=False)) as c:
        without = c.get("/metrics")
        wrong = c.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = c.get("/metrics", headers={"Authorization": "Bearer scrape-key-1"})
    assert without.status_code == wrong.status_code == 401 and without.json()["error"]["code"] == "invalid_metrics_key"
    assert right.status_code == 200 and "atlas_http_requests_total" in right.text
