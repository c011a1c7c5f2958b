"""The question log behind the real app: every channel's answers logged, none lost under 32 concurrent
clients, nothing logged when it is off."""

from __future__ import annotations

import sqlite3
import threading

import httpx
from conftest import free_port
from fastapi.testclient import TestClient
from live_server import running

from assistant.api import create_app
from assistant.settings import Settings


def settings_for(tmp_path, **kw) -> Settings:
    return Settings(**{"data_dir": tmp_path / "data", "api_keys": [], "rate_limit_per_minute": 0,
                       "cors_origins": [], **kw})


def logged(tmp_path) -> list[tuple]:
    db = sqlite3.connect(tmp_path / "data" / "feedback.sqlite3")
    return db.execute("SELECT channel, question, refused, language, latency_ms, conversation_id, citations"
                      " FROM questions ORDER BY id").fetchall()


def test_32_concurrent_clients_questions_are_all_logged_none_lost(mini_assistant, tmp_path):
    clients, per_client = 32, 2
    asked: list[tuple[str, str]] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client(c: int, url: str) -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            start.wait()
            for i in range(per_client):
                question = f"Wie viele Einwohner hat Aachen laut Bericht {c} {i}?"
                if (c + i) % 3 == 0:
                    r = http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": question}]})
                    channel = "openai"
                else:
                    widget = (c + i) % 3 == 1
                    r = http.post("/api/v1/ask", json={"question": question},
                                  headers={"X-Assistant-Channel": "widget"} if widget else {})
                    channel = "widget" if widget else "api"
                with lock:
                    (asked.append((channel, question)) if r.status_code == 200
                     else failures.append(f"{r.status_code} {r.text[:200]}"))

    with running(create_app(mini_assistant, settings_for(tmp_path), ui=False), free_port()) as url:
        threads = [threading.Thread(target=client, args=(c, url)) for c in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    # the server has stopped: its shutdown drained the queue, no flush was asked for
    assert failures == [] and len(asked) == clients * per_client
    rows = logged(tmp_path)
    assert sorted((channel, question) for channel, question, *_ in rows) == sorted(asked)
    assert {r[0] for r in rows} == {"api", "widget", "openai"}
    assert all(r[3] == "de" and r[4] > 0 and r[5] for r in rows)  # language, latency, conversation id
    assert any('"source": "Aachen"' in r[6] for r in rows)


def test_a_refused_question_is_logged_as_refused(mini_assistant, tmp_path):
    app = create_app(mini_assistant, settings_for(tmp_path), ui=False)
    with TestClient(app) as client:
        r = client.post("/api/v1/ask", json={"question": "Wie hoch ist der Eiffelturm in Paris?"})
        assert r.status_code == 200 and r.json()["refused"] is True
    [row] = logged(tmp_path)
    assert row[:3] == ("api", "Wie hoch ist der Eiffelturm in Paris?", 1)


def test_nothing_is_logged_when_the_log_is_off(mini_assistant, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_QUESTION_LOG", "off")
    app = create_app(mini_assistant, settings_for(tmp_path), ui=False)
    assert app.state.question_log is None
    with TestClient(app) as client:
        assert client.post("/api/v1/ask", json={"question": "Wie viele Einwohner hat Aachen?"}).status_code == 200
    assert logged(tmp_path) == []


def test_the_widget_sends_its_channel_and_cors_allows_it(mini_assistant, tmp_path):
    from assistant.api import STATIC

    assert '"X-Assistant-Channel": "widget"' in (STATIC / "widget.js").read_text(encoding="utf-8")
    app = create_app(mini_assistant, settings_for(tmp_path, cors_origins=["https://www.stadt.example"]), ui=False)
    r = TestClient(app).options("/api/v1/ask", headers={
        "Origin": "https://www.stadt.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-assistant-channel"})
    assert r.status_code == 200 and "x-assistant-channel" in r.headers["access-control-allow-headers"].lower()
