"""The assistant on a real Chroma server (``chroma run`` on loopback): same answers as the embedded store,
several clients on one server, and the server stopped, frozen and started again under a running API."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from chroma_server import ChromaServer
from conftest import (
    FAKE_MIN_SIMILARITY,
    MINI_REPORT,
    OFFLINE_ENV,
    OTHER_CITIES,
    ROOT,
    FakeEmbedder,
    MiniAssistant,
    free_port,
)
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.errors import IndexError_
from assistant.settings import Settings
from assistant.store import ChromaStore

pytestmark = pytest.mark.chroma_server

# Questions that reach the store (the fact tables answer figures without it).
RETRIEVAL = ["Welche Chancen und Herausforderungen gibt es?", "Welche Projekte gibt es zur Mobilität?",
             "What does Bamberg do for citizen participation?", "Wie wird die Verwaltung digitalisiert?"]
ASK = RETRIEVAL[0]
TIMEOUT_S = 2.0  # the store's HTTP timeout in these tests


def server_assistant(url: str, tmp_path) -> MiniAssistant:
    from assistant.answer import ExtractiveAnswerer

    store = ChromaStore(tmp_path / "unused", url=url, timeout_s=TIMEOUT_S)
    return MiniAssistant(MINI_REPORT, store, FakeEmbedder(), others_path=OTHER_CITIES, top_k=5,
                         answerer=ExtractiveAnswerer(min_similarity=FAKE_MIN_SIMILARITY))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("chroma-server")
    srv = ChromaServer(folder / "data", free_port(), folder / "chroma.log")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def served(server, tmp_path_factory):
    """The mini report built into the server with the fake embedder."""
    assistant = server_assistant(server.url, tmp_path_factory.mktemp("served"))
    info = assistant.ensure_index()
    assert info.chunks > 0 and info.location == server.url
    return assistant


def shown(answer) -> tuple:
    return answer.text, answer.refused, [(c.source, c.section, c.quote) for c in answer.citations]


def test_server_answers_equal_the_embedded_store(served, mini_assistant):
    for question in RETRIEVAL + ["Wie viele Einwohner hat Aachen?", "Wer ist der Bürgermeister von Hamburg?"]:
        assert shown(served.ask(question)) == shown(mini_assistant.ask(question)), question
    assert not served.ask(ASK).refused


def test_a_second_app_on_the_same_server_opens_the_index_without_building(server, served, tmp_path):
    second = server_assistant(server.url, tmp_path)
    info = second.ensure_index()
    assert info.built is False and info.chunks == served.build_info.chunks
    assert shown(second.ask(ASK)) == shown(served.ask(ASK))


def test_embedded_index_copied_into_a_server_gives_the_same_answers(mini_assistant, tmp_path):
    """What CI does with the real index: vectors copied from the embedded store, nothing embedded again."""
    other = ChromaServer(tmp_path / "data", free_port(), tmp_path / "chroma.log")
    other.start()
    try:
        manifest = mini_assistant.store.copy_to(ChromaStore(tmp_path, url=other.url))
        copied = server_assistant(other.url, tmp_path)
        embedder = copied.embedder
        info = copied.ensure_index()
        assert info.built is False and info.chunks == manifest.count == mini_assistant.build_info.chunks
        # opened, not embedded: only the intent examples are (once per index folder, then cached)
        examples = sum(len(texts) for clf in (copied.understanding.classifier, copied.understanding.asks)
                       for texts in clf.examples.values())
        assert embedder.calls == examples
        for question in RETRIEVAL:
            assert shown(copied.ask(question)) == shown(mini_assistant.ask(question)), question
    finally:
        other.stop()


def test_copy_from_an_empty_store_says_how_to_fix_it(tmp_path):
    with pytest.raises(IndexError_, match="build-index"):
        ChromaStore(tmp_path / "empty").copy_to(ChromaStore(tmp_path / "target"))


def test_a_url_that_is_not_http_is_a_clear_error(tmp_path):
    with pytest.raises(IndexError_, match="not an http"):
        ChromaStore(tmp_path, url="ftp://example").client()


def wait_for(check, timeout_s: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if check():
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout_s} s")


@pytest.mark.faults
def test_server_stopped_mid_run_gives_503_then_answers_resume(server, served):
    settings = Settings(api_keys=[], rate_limit_per_minute=0, cors_origins=[])
    with TestClient(create_app(served, settings, ui=False)) as client:
        before = client.post("/api/v1/ask", json={"question": ASK})
        assert before.status_code == 200 and client.get("/api/v1/health").status_code == 200
        try:
            server.stop()  # SIGKILL: connections refused
            t0 = time.monotonic()
            down = client.post("/api/v1/ask", json={"question": ASK})
            assert time.monotonic() - t0 < TIMEOUT_S + 3
            assert down.status_code == 503
            assert "search index unavailable" in down.json()["error"]["message"]
            health = client.get("/api/v1/health")
            assert health.status_code == 503 and health.json()["status"] == "degraded"
            assert health.json()["detail"] == "search index unavailable"
        finally:
            server.start()
        # no restart of the app: the same client reconnects by itself
        wait_for(lambda: client.post("/api/v1/ask", json={"question": ASK}).status_code == 200, 20)
        after = client.post("/api/v1/ask", json={"question": ASK}).json()
        assert (after["answer"], after["citations"]) == (before.json()["answer"], before.json()["citations"])
        assert client.get("/api/v1/health").json()["status"] == "ok"


@pytest.mark.faults
def test_frozen_server_is_a_503_within_the_timeout_not_a_hang(server, served):
    settings = Settings(api_keys=[], rate_limit_per_minute=0, cors_origins=[])
    with TestClient(create_app(served, settings, ui=False)) as client:
        assert client.post("/api/v1/ask", json={"question": ASK}).status_code == 200
        server.freeze()  # SIGSTOP: connections accepted, nothing answered
        try:
            t0 = time.monotonic()
            down = client.post("/api/v1/ask", json={"question": ASK})
            elapsed = time.monotonic() - t0
            assert down.status_code == 503 and elapsed < 3 * TIMEOUT_S + 2, elapsed
            t0 = time.monotonic()
            assert client.get("/api/v1/health").status_code == 503
            assert time.monotonic() - t0 < 3 * TIMEOUT_S + 2
        finally:
            server.thaw()
        wait_for(lambda: client.post("/api/v1/ask", json={"question": ASK}).status_code == 200, 20)


def test_token_is_sent_as_bearer_header_and_calls_have_a_timeout(server, tmp_path):
    store = ChromaStore(tmp_path, url=server.url, token="s3cret", timeout_s=1.5)
    session = store.client()._server._session
    assert session.headers["Authorization"] == "Bearer s3cret"
    assert session.timeout.read == 1.5 and session.timeout.connect == 1.5
    assert store.ping() is True
    assert "Authorization" not in ChromaStore(tmp_path, url=server.url).client()._server._session.headers


def copy_cli(index_dir, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **OFFLINE_ENV, "ASSISTANT_INDEX_DIR": str(index_dir)}
    env.pop("ASSISTANT_CHROMA_URL", None)
    return subprocess.run([sys.executable, "-m", "assistant.copy_index", "--to", url], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_copy_index_command_fills_a_server_or_says_what_to_run(tmp_path):
    other = ChromaServer(tmp_path / "data", free_port(), tmp_path / "chroma.log")
    other.start()
    try:
        empty = copy_cli(tmp_path / "no-index", other.url)
        assert empty.returncode == 1 and "python -m assistant build-index" in empty.stderr
        assert "Traceback" not in empty.stderr
        index = tmp_path / "index"
        built = subprocess.run([sys.executable, str(ROOT / "tests" / "fault_worker.py"), "build", str(index)],
                               cwd=ROOT, env={**os.environ, **OFFLINE_ENV}, capture_output=True, text=True,
                               timeout=300)
        assert built.returncode == 0, built.stderr
        done = copy_cli(index, other.url)
        assert done.returncode == 0, done.stderr
        assert f"to {other.url}" in done.stdout and "fake-bow" in done.stdout
        copied = server_assistant(other.url, tmp_path)
        info = copied.ensure_index()
        assert info.built is False and f"copied {info.chunks} chunks" in done.stdout
    finally:
        other.stop()


@pytest.mark.faults
def test_server_back_empty_is_503_until_filled_again_then_answers_resume(mini_assistant, tmp_path):
    """The server returns without its data (a new volume): reported, and once the index is written
    again (here: copied from the embedded store) the running app finds it by name."""
    first = ChromaServer(tmp_path / "first", free_port(), tmp_path / "chroma.log")
    first.start()
    second = ChromaServer(tmp_path / "second", first.port, tmp_path / "chroma.log")
    try:
        app_assistant = server_assistant(first.url, tmp_path)
        app_assistant.ensure_index()
        settings = Settings(api_keys=[], rate_limit_per_minute=0, cors_origins=[])
        with TestClient(create_app(app_assistant, settings, ui=False)) as client:
            before = client.post("/api/v1/ask", json={"question": ASK}).json()
            first.stop()
            second.start()  # same address, empty
            down = client.post("/api/v1/ask", json={"question": ASK})
            assert down.status_code == 503 and "search index unavailable" in down.json()["error"]["message"]
            assert client.get("/api/v1/health").json()["status"] == "degraded"
            mini_assistant.store.copy_to(ChromaStore(tmp_path, url=second.url))
            assert client.get("/api/v1/health").json()["status"] == "ok"
            after = client.post("/api/v1/ask", json={"question": ASK})
            assert after.status_code == 200
            assert (after.json()["answer"], after.json()["citations"]) == (before["answer"], before["citations"])
    finally:
        first.stop()
        second.stop()
