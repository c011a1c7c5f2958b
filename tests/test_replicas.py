"""Two app processes (replicas) on one Chroma server: a conversation begun at one continues at the other,
also after the first one is killed, because the client carries the conversation's focus in a signed token."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
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

from assistant.answer import ExtractiveAnswerer
from assistant.store import ChromaStore

pytestmark = [pytest.mark.faults, pytest.mark.chroma_server]

WORKER = Path(__file__).resolve().parent / "replica_worker.py"
SECRET = "the-key-every-replica-shares-0123"


def replica(port: int, chroma_url: str, secret: str = SECRET, database_url: str = "") -> subprocess.Popen:
    env = {**OFFLINE_ENV, "PATH": "/usr/bin:/bin", "ASSISTANT_SECRET_KEY": secret,
           **({"ASSISTANT_DATABASE_URL": database_url} if database_url else {})}
    return subprocess.Popen([sys.executable, str(WORKER), str(port), chroma_url], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(url: str, proc: subprocess.Popen, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the replica exited with {proc.returncode}: {proc.stderr.read()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/v1/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} was not ready within {timeout_s:.0f} s")


def ask(url: str, question: str, token: str | None = None, request_id: str | None = None) -> httpx.Response:
    body = {"question": question, **({"conversation_id": token} if token else {})}
    headers = {"X-Request-ID": request_id} if request_id else {}
    return httpx.post(f"{url}/api/v1/ask", json=body, headers=headers, timeout=30)


def start_replicas(tmp_path: Path, chroma_url: str, procs: list[subprocess.Popen], database_url: str = "") -> list[str]:
    """The index built once into the shared Chroma server, then two replicas on it (added to ``procs`` at once,
    for the caller to stop), ready to answer: their URLs."""
    filler = MiniAssistant(MINI_REPORT, ChromaStore(tmp_path / "unused", url=chroma_url), FakeEmbedder(),
                           others_path=OTHER_CITIES, top_k=5,
                           answerer=ExtractiveAnswerer(min_similarity=FAKE_MIN_SIMILARITY))
    assert filler.ensure_index().chunks > 0
    ports = [free_port(), free_port()]
    procs.extend(replica(port, chroma_url, database_url=database_url) for port in ports)
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    for url, proc in zip(urls, procs, strict=True):
        wait_ready(url, proc)
    return urls


def stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.kill()
    _, err = proc.communicate(timeout=30)
    return err


def test_a_conversation_continues_across_two_replicas(tmp_path):
    server = ChromaServer(tmp_path / "chroma", free_port(), tmp_path / "chroma.log")
    server.start()
    procs: list[subprocess.Popen] = []
    try:
        a, b = start_replicas(tmp_path, server.url, procs)

        first = ask(a, "Wie viele Einwohner hat Bamberg?").json()
        assert "77.179" in first["answer"]
        at_b = ask(b, "Und die Fläche?", first["conversation_id"], request_id="replica-b-1")
        assert at_b.status_code == 200 and at_b.headers["x-request-id"] == "replica-b-1"
        assert "Bamberg" in at_b.json()["answer"] and "55" in at_b.json()["answer"]  # the city asked at A
        back_at_a = ask(a, "Und Aachen?", at_b.json()["conversation_id"]).json()
        assert "Aachen" in back_at_a["answer"] and "161" in back_at_a["answer"]  # B's question, for Aachen

        # replica A goes away: B continues what A answered last
        stop(procs[0])
        after = ask(b, "Und Bamberg?", back_at_a["conversation_id"]).json()
        assert "Bamberg" in after["answer"] and "55" in after["answer"]
        without = ask(b, "Und die Fläche?").json()  # control: without the token B knows no city
        assert "Bamberg" not in without["answer"]
    finally:
        errors = [stop(proc) for proc in procs]
        server.stop()
    lines = [json.loads(line) for line in errors[1].splitlines() if line.startswith("{")]
    assert any(line.get("request_id") == "replica-b-1" and line.get("path") == "/api/v1/ask" for line in lines)


@pytest.mark.postgres
def test_two_replicas_on_one_postgres_log_one_conversation_under_one_id(tmp_path):
    from postgres_server import PostgresCluster, missing
    from sqlalchemy import text

    from assistant.db import Database

    if missing():
        pytest.skip(missing())
    cluster = PostgresCluster(free_port()).start()
    server = ChromaServer(tmp_path / "chroma", free_port(), tmp_path / "chroma.log")
    server.start()
    procs: list[subprocess.Popen] = []
    try:
        a, b = start_replicas(tmp_path, server.url, procs, cluster.url)
        first = ask(a, "Wie viele Einwohner hat Bamberg?").json()
        second = ask(b, "Und die Fläche?", first["conversation_id"]).json()
        assert "Bamberg" in second["answer"] and "55" in second["answer"]
        third = ask(a, "Und Aachen?", second["conversation_id"]).json()
        assert "Aachen" in third["answer"]
        for proc in procs:  # a graceful stop drains each replica's question log into the database
            proc.terminate()
            proc.wait(timeout=60)
        database = Database(cluster.url)
        with database.engine.connect() as connection:
            rows = connection.execute(text("SELECT question, conversation_id FROM questions ORDER BY id")).all()
        database.close()
        assert sorted(q for q, _ in rows) == sorted(["Wie viele Einwohner hat Bamberg?", "Und die Fläche?", "Und Aachen?"])
        assert len({cid for _, cid in rows}) == 1 and rows[0][1]  # one conversation, though two replicas answered
    finally:
        for proc in procs:
            stop(proc)
        server.stop()
        cluster.stop()
