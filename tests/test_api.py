"""The JSON API (/api/v1), its settings (keys, rate limit, CORS, size limits, logs) and the server wiring."""

from __future__ import annotations

import json
import logging
import threading

import pytest
from fastapi.testclient import TestClient

from assistant import cli
from assistant.access import Gatekeeper, key_id
from assistant.api import create_app
from assistant.errors import IndexError_
from assistant.settings import Settings

AACHEN = "Wie viele Einwohner hat Aachen?"


def settings(**overrides) -> Settings:
    base = {"api_keys": [], "rate_limit_per_minute": 0, "cors_origins": [], "log_questions": False}
    return Settings(**{**base, **overrides})


def client_for(assistant, **overrides) -> TestClient:
    return TestClient(create_app(assistant, settings(**overrides), ui=False))


@pytest.fixture(scope="module")
def client(mini_assistant):
    with client_for(mini_assistant) as c:
        yield c


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"] and body["error"]["code"], body
    return body["error"]


# -- endpoints ---------------------------------------------------------------------------------------
def test_ask_returns_answer_citations_and_conversation(client):
    r = client.post("/api/v1/ask", json={"question": AACHEN})
    assert r.status_code == 200
    body = r.json()
    assert "246.272" in body["answer"] and "[1]" in body["answer"]
    assert body["language"] == "de" and body["refused"] is False
    assert body["citations"][0]["source"] == "Aachen"
    assert body["citations"][0]["section"] and "246.272" in body["citations"][0]["quote"]
    assert body["conversation_id"]


def test_follow_up_in_the_same_conversation(client):
    first = client.post("/api/v1/ask", json={"question": AACHEN}).json()
    follow = client.post("/api/v1/ask", json={"question": "Und Bamberg?",
                                              "conversation_id": first["conversation_id"]}).json()
    assert "77.179" in follow["answer"]
    # the id is a token of the conversation's focus: each answer gives the one to send with the next question
    assert follow["conversation_id"] != first["conversation_id"]
    area = client.post("/api/v1/ask", json={"question": "Und die Fläche?",
                                            "conversation_id": follow["conversation_id"]}).json()
    assert "Bamberg" in area["answer"] and "Aachen" not in area["answer"]
    alone = client.post("/api/v1/ask", json={"question": "Und Bamberg?"}).json()
    assert alone["conversation_id"] != first["conversation_id"]


def test_language_and_city_filter(client):
    question = "Welche Chancen und Herausforderungen gibt es?"
    free = client.post("/api/v1/ask", json={"question": question}).json()
    body = client.post("/api/v1/ask", json={"question": question, "language": "en",
                                            "cities": ["Freiburg im Breisgau"]}).json()
    assert free["language"] == "de" and free["citations"] and not free["refused"]
    assert body["language"] == "en" and body["answer"].startswith("According to")
    assert body["citations"] and "Aachen" not in [c["source"] for c in body["citations"]]


def test_not_in_the_report_is_a_refusal_not_an_error(client):
    r = client.post("/api/v1/ask", json={"question": "Wer ist der Bürgermeister von Hamburg?"})
    assert r.status_code == 200 and r.json()["refused"] is True and r.json()["citations"] == []


def test_health_reports_index_and_embedder(client, mini_assistant):
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["embedder"] == "fake-bow"
    assert body["index"]["chunks"] == mini_assistant.build_info.chunks > 0


def test_health_is_degraded_when_the_store_does_not_answer(mini_assistant, monkeypatch):
    monkeypatch.setattr(mini_assistant.store, "ping", lambda: False)
    with client_for(mini_assistant) as c:
        r = c.get("/api/v1/health")
    assert r.status_code == 503 and r.json()["status"] == "degraded"


def test_sources_lists_cities_and_chapters(client):
    body = client.get("/api/v1/sources").json()
    assert [c["name"] for c in body["cities"]] == ["Aachen", "Bamberg", "Freiburg im Breisgau"]
    aachen = body["cities"][0]
    assert aachen["population"] == 246272 and aachen["sections"] and aachen["projects"]
    assert "1 Einleitung" in [c["name"] for c in body["chapters"]]


def test_openapi_documents_the_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/ask", "/api/v1/health", "/api/v1/sources", "/v1/chat/completions", "/v1/models"} <= set(
        schema["paths"])
    ask = schema["paths"]["/api/v1/ask"]["post"]
    assert "429" in ask["responses"] and "AskRequest" in json.dumps(ask["requestBody"])


# -- bad input: 4xx with a JSON error, nothing half-written ------------------------------------------
@pytest.mark.parametrize(("kwargs", "status", "code"), [
    ({"json": {"question": ""}}, 400, "invalid_question"),
    ({"json": {"question": "   ?!  "}}, 400, "invalid_question"),
    ({"json": {"question": "x" * 2001}}, 400, "invalid_question"),
    ({"json": {}}, 422, "invalid_request"),
    ({"json": {"question": 5}}, 422, "invalid_request"),
    ({"json": {"question": "Hallo", "language": "fr"}}, 422, "invalid_request"),
    ({"json": {"question": "Hallo", "surprise": 1}}, 422, "invalid_request"),
    ({"content": b'{"question": "Aachen', "headers": {"Content-Type": "application/json"}}, 400, "malformed_json"),
    ({"content": b"question=Aachen", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
     415, "unsupported_media_type"),
    ({"content": b'{"question": "Aachen"}'}, 415, "unsupported_media_type"),
    ({"json": {"question": "Aachen?", "conversation_id": "never-issued"}}, 404, "unknown_conversation"),
])
def test_bad_requests_get_a_clear_json_error(client, kwargs, status, code):
    r = client.post("/api/v1/ask", **kwargs)
    assert r.status_code == status, r.text
    assert error_of(r)["code"] == code


def test_oversized_body_is_refused_before_it_is_read(mini_assistant):
    with client_for(mini_assistant, max_request_bytes=2048) as c:
        big = c.post("/api/v1/ask", json={"question": "Aachen " * 400})
        chunked = c.post("/api/v1/ask", content=iter([b'{"question": "', b"a" * 3000, b'"}']),
                         headers={"Content-Type": "application/json"})
        ok = c.post("/api/v1/ask", json={"question": AACHEN})
    assert big.status_code == 413 and error_of(big)["code"] == "request_too_large"
    assert chunked.status_code == 413 and error_of(chunked)["code"] == "request_too_large"
    assert ok.status_code == 200


def test_index_failure_is_503_and_other_failures_500_without_details(mini_assistant, monkeypatch, caplog):
    with client_for(mini_assistant) as c:
        def broken_index(*args, **kwargs):
            raise IndexError_("Chroma at /secret/path is gone")

        monkeypatch.setattr(mini_assistant, "ask", broken_index)
        r = c.post("/api/v1/ask", json={"question": AACHEN})
        assert r.status_code == 503 and error_of(r)["code"] == "index_unavailable"
        assert "/secret/path" not in r.text

        def bug(*args, **kwargs):
            raise KeyError("internal detail")

        monkeypatch.setattr(mini_assistant, "ask", bug)
        with caplog.at_level(logging.ERROR):
            r = c.post("/api/v1/ask", json={"question": AACHEN})
        assert r.status_code == 500 and error_of(r)["code"] == "internal_error"
        assert "internal detail" not in r.text
        assert "internal detail" in caplog.text  # logged for the operator


def test_wrong_method_is_a_json_error(client):
    r = client.get("/api/v1/ask")
    assert r.status_code == 405 and error_of(r)["code"] == "method_not_allowed"


# -- keys and rate limits ----------------------------------------------------------------------------
def test_keys_are_optional_by_default_and_required_once_configured(mini_assistant):
    with client_for(mini_assistant, api_keys=["k-one", "k-two"]) as c:
        missing = c.post("/api/v1/ask", json={"question": AACHEN})
        wrong = c.post("/api/v1/ask", json={"question": AACHEN}, headers={"Authorization": "Bearer nope"})
        basic = c.post("/api/v1/ask", json={"question": AACHEN}, headers={"Authorization": "Basic k-one"})
        good = c.post("/api/v1/ask", json={"question": AACHEN}, headers={"Authorization": "Bearer k-two"})
        sources = c.get("/api/v1/sources")
        health = c.get("/api/v1/health")
    assert missing.status_code == 401 and error_of(missing)["code"] == "missing_api_key"
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert wrong.status_code == 401 and error_of(wrong)["code"] == "invalid_api_key"
    assert basic.status_code == 401
    assert good.status_code == 200
    assert sources.status_code == 401
    assert health.status_code == 200  # for load balancers


def test_rate_limit_is_per_key_with_a_clear_429(mini_assistant):
    with client_for(mini_assistant, api_keys=["k-one", "k-two"], rate_limit_per_minute=2) as c:
        one = {"Authorization": "Bearer k-one"}
        statuses = [c.post("/api/v1/ask", json={"question": AACHEN}, headers=one).status_code for _ in range(3)]
        limited = c.post("/api/v1/ask", json={"question": AACHEN}, headers=one)
        other = c.post("/api/v1/ask", json={"question": AACHEN}, headers={"Authorization": "Bearer k-two"})
    assert statuses == [200, 200, 429]
    assert limited.status_code == 429 and error_of(limited)["code"] == "rate_limited"
    assert "2 requests per minute" in error_of(limited)["message"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert other.status_code == 200


def test_without_keys_the_limit_applies_per_client_address(mini_assistant):
    with client_for(mini_assistant, rate_limit_per_minute=1) as c:
        assert c.get("/api/v1/sources").status_code == 200
        assert c.get("/api/v1/sources").status_code == 429


def test_gatekeeper_checks_its_arguments():
    with pytest.raises(ValueError, match="-1"):
        Gatekeeper([], per_minute=-1)
    with pytest.raises(ValueError, match="whitespace"):
        Gatekeeper(["has space"])
    assert key_id("secret") == key_id("secret") != key_id("other")
    assert "secret" not in key_id("secret")


def test_settings_read_comma_separated_lists(monkeypatch):
    monkeypatch.setenv("ASSISTANT_API_KEYS", " k1, k2 ,,")
    monkeypatch.setenv("ASSISTANT_CORS_ORIGINS", "https://www.stadt.example")
    monkeypatch.setenv("ASSISTANT_RATE_LIMIT_PER_MINUTE", "30")
    s = Settings()
    assert s.api_keys == ["k1", "k2"] and s.cors_origins == ["https://www.stadt.example"]
    assert s.rate_limit_per_minute == 30 and s.log_questions is False


# -- CORS ----------------------------------------------------------------------------------------------
def test_cors_allows_only_the_listed_origins(mini_assistant):
    allowed, other = "https://www.stadt.example", "https://evil.example"
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    with client_for(mini_assistant, cors_origins=[allowed]) as c:
        ok = c.options("/api/v1/ask", headers={"Origin": allowed, **preflight})
        bad = c.options("/api/v1/ask", headers={"Origin": other, **preflight})
        simple = c.post("/api/v1/ask", json={"question": AACHEN}, headers={"Origin": allowed})
        foreign = c.post("/api/v1/ask", json={"question": AACHEN}, headers={"Origin": other})
        error = c.post("/api/v1/ask", json={"question": ""}, headers={"Origin": allowed})
        embed = c.get("/embed")
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == allowed
    assert "authorization" in ok.headers["access-control-allow-headers"].lower()
    assert bad.status_code == 400 and "access-control-allow-origin" not in bad.headers
    assert simple.headers["access-control-allow-origin"] == allowed
    assert "access-control-allow-origin" not in foreign.headers
    assert error.status_code == 400 and error.headers["access-control-allow-origin"] == allowed
    assert embed.headers["content-security-policy"] == f"frame-ancestors 'self' {allowed}"


# -- access logs -------------------------------------------------------------------------------------
def access_records(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "assistant.access"]


def test_access_log_is_structured_and_leaves_out_the_question_by_default(mini_assistant, caplog):
    with client_for(mini_assistant, api_keys=["k-secret"]) as c, caplog.at_level(logging.INFO, "assistant.access"):
        c.post("/api/v1/ask", json={"question": AACHEN}, headers={"Authorization": "Bearer k-secret"})
        c.post("/api/v1/ask", json={"question": AACHEN})
    ok, denied = access_records(caplog)
    assert ok["path"] == "/api/v1/ask" and ok["status"] == 200 and ok["ms"] >= 0
    assert ok["caller"] == key_id("k-secret") and ok["conversation_id"] and ok["refused"] is False
    assert denied["status"] == 401
    assert "Aachen" not in caplog.text and "k-secret" not in caplog.text


def test_access_log_has_the_question_when_enabled(mini_assistant, caplog):
    with client_for(mini_assistant, log_questions=True) as c, caplog.at_level(logging.INFO, "assistant.access"):
        c.post("/api/v1/ask", json={"question": AACHEN})
    assert access_records(caplog)[0]["question"] == AACHEN


# -- the widget files and the one-process server -------------------------------------------------------
def test_widget_script_and_embed_page_are_served(client):
    js = client.get("/widget.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in js.text and "/api/v1/ask" in js.text
    page = client.get("/embed")
    assert page.status_code == 200 and 'src="/widget.js"' in page.text and 'data-mode="inline"' in page.text
    assert "content-security-policy" not in page.headers  # no allow-list: any site may frame it


def test_app_serves_a_starting_page_then_the_gradio_ui_at_the_root(mini_assistant):
    go = threading.Event()
    app = create_app(mini_assistant, settings(), ui_after=go.wait)
    with TestClient(app) as c:
        starting = c.get("/", headers={"Accept-Language": "en-GB,en;q=0.9,de;q=0.8"})
        german = c.get("/", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"})
        head = c.head("/")
        health = c.get("/api/v1/health")  # the API answers before Gradio is even imported
        assert not app.state.chat.ready.is_set()
        go.set()
        assert app.state.chat.ready.wait(120) and app.state.chat.failed is None
        root = c.get("/")
        config = c.get("/config").json()
    assert starting.status_code == 503 and starting.headers["retry-after"] and "no-store" in starting.headers["cache-control"]
    assert '<html lang="en">' in starting.text and "The chat is starting" in starting.text
    assert 'role="status"' in starting.text and "<noscript>" in starting.text
    assert '<html lang="de">' in german.text and "Der Chat startet" in german.text
    assert head.status_code == 503 and head.content == b""
    assert health.json()["status"] == "ok"
    assert root.status_code == 200 and "gradio" in root.text.lower() and "chat-starting" not in root.text
    assert config["footer_links"] == []  # Gradio's developer footer is off; the chat links the statement


@pytest.mark.parametrize("header, lang", [("", "de"), ("en", "en"), ("fr-FR,fr;q=0.9,en;q=0.5,de;q=0.4", "en"),
                                          ("de;q=0.9,en;q=0.8", "de"), ("en;q=0.5,de", "de"), ("en;q=x", "de"),
                                          ("de-AT, en", "de")])
def test_the_starting_page_speaks_the_language_the_browser_prefers(header, lang):
    from assistant.ui_start import preferred_language

    assert preferred_language(header) == lang


def test_a_chat_that_cannot_start_says_so_and_the_api_goes_on(mini_assistant, monkeypatch):
    import assistant.ui as ui

    monkeypatch.setattr(ui, "build_ui", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("broken")))
    app = create_app(mini_assistant, settings())
    with TestClient(app) as c:
        assert app.state.chat.ready.wait(120) and isinstance(app.state.chat.failed, RuntimeError)
        page = c.get("/", headers={"Accept-Language": "en"})
        health = c.get("/api/v1/health")
    assert page.status_code == 503 and "The chat could not start" in page.text and "broken" not in page.text
    assert health.json()["status"] == "ok"


def test_accessibility_statement_in_german_and_english(mini_assistant):
    with client_for(mini_assistant, accessibility_contact="barrierefreiheit@stadt.example",
                    accessibility_operator="Stadt <Muster>") as c:
        german, english = c.get("/barrierefreiheit"), c.get("/accessibility")
        probe = c.get("/barrierefreiheit?page=<script>alert(1)</script>")
    assert german.status_code == english.status_code == 200
    assert german.headers["content-type"].startswith("text/html")
    assert '<html lang="de">' in german.text and "<h1>Erklärung zur Barrierefreiheit</h1>" in german.text
    assert '<html lang="en">' in english.text and "<h1>Accessibility statement</h1>" in english.text
    for page in (german, english):
        assert '<a href="mailto:barrierefreiheit@stadt.example">barrierefreiheit@stadt.example</a>' in page.text
        assert "Stadt &lt;Muster&gt;" in page.text and "<Muster>" not in page.text
        assert "$" not in page.text  # every placeholder filled
    assert 'href="accessibility"' in german.text and 'href="barrierefreiheit"' in english.text
    assert probe.text == german.text  # nothing of the request reaches the page


def test_cli_serve_starts_the_api_server(monkeypatch):
    from assistant import api

    seen = {}
    monkeypatch.setattr(api, "serve", lambda s: seen.setdefault("settings", s))
    monkeypatch.setenv("ASSISTANT_PORT", "8123")
    assert cli.main(["serve"]) == 0
    assert seen["settings"].port == 8123


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v2/ask", "/v1/embeddings"])
def test_unknown_api_paths_get_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found" and path in response.json()["error"]["message"]
    assert client.post(path, json={}).status_code == 404
