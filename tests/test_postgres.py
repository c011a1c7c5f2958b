"""Feedback, the question log and the insights on a real PostgreSQL (a throwaway cluster, see
tests/postgres_server.py); skipped with the reason when PostgreSQL is not installed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from conftest import free_port
from fastapi.testclient import TestClient
from postgres_server import PostgresCluster, missing
from sqlalchemy import text

from assistant.api import create_app
from assistant.db import Database
from assistant.feedback import FeedbackStore
from assistant.question_log import QuestionLog, QuestionRecord
from assistant.settings import Settings

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(bool(missing()), reason=missing() or "-")]


@pytest.fixture(scope="module")
def postgres_url():
    cluster = PostgresCluster(free_port()).start()
    yield cluster.url
    cluster.stop()


@pytest.fixture
def database(postgres_url):
    db = Database(postgres_url)
    with db.engine.begin() as connection:  # each test starts empty
        connection.execute(text("TRUNCATE feedback, questions RESTART IDENTITY"))
    yield db
    db.close()


def test_it_is_postgresql_with_the_tables(database):
    assert database.engine.dialect.name == "postgresql" and not database.sqlite
    with database.engine.connect() as connection:
        tables = set(connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
    assert {"feedback", "questions"} <= tables


def test_feedback_from_many_threads_on_postgres(database):
    store = FeedbackStore(database)
    ids: list[int] = []

    def rate(t: int) -> None:
        for i in range(20):
            ids.append(store.add("up" if i % 2 else "down", f"t{t} q{i}", "a", [{"n": 1, "source": "Aachen"}], "de"))

    threads = [threading.Thread(target=rate, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 160 and len(store.rows()) == 160
    assert store.comment(ids[0], "Kommentar") and store.rerate(ids[0], "up")
    assert not store.comment(10_000, "x")
    row = next(r for r in store.rows() if r["id"] == ids[0])
    assert (row["comment"], row["rating"], row["citations"]) == ("Kommentar", "up", [{"n": 1, "source": "Aachen"}])


def test_question_log_drains_and_prunes_on_postgres(database):
    now = datetime.now(UTC).replace(tzinfo=None)
    qlog = QuestionLog(database, retention_days=90)
    qlog.record(QuestionRecord("alt", "a", "de", False, "api", 1.0, created=now - timedelta(days=100)))
    qlog.start()  # prunes nothing yet: the old row is still queued
    for i in range(300):
        assert qlog.record(QuestionRecord(f"Frage {i}", "a", "de", i % 5 == 0, "widget", 2.0, confidence=0.9))
    qlog.close()
    rows = qlog.rows()
    assert len(rows) == 301 and sum(r["refused"] for r in rows) == 60
    assert qlog.prune() == 1 and len(qlog.rows()) == 300


def test_two_apps_share_one_postgres_log_and_its_insights(mini_assistant, postgres_url, database, tmp_path,
                                                                monkeypatch):
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", postgres_url)
    apps = [create_app(mini_assistant, Settings(data_dir=tmp_path / f"d{i}", api_keys=[], rate_limit_per_minute=0,
                                                admin_key="k"), ui=False) for i in range(2)]
    with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
        assert first.post("/api/v1/ask", json={"question": "Wie viele Einwohner hat Aachen?"}).status_code == 200
        assert second.post("/api/v1/ask", json={"question": "Wie hoch ist der Eiffelturm in Paris?"}).json()["refused"]
        page = first.get("/admin", headers={"Authorization": "Bearer k"}).text
    assert "<strong>2</strong> questions" in page and "Wie hoch ist der Eiffelturm in Paris?" in page
    assert not (tmp_path / "d0").exists()  # nothing went to a SQLite file


def test_replicas_starting_together_create_the_tables_once(postgres_url):
    # a fresh database: several processes' first Database() at once must not race on CREATE TABLE
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS fresh_start"))
        connection.execute(text("CREATE DATABASE fresh_start"))
    admin.dispose()
    fresh = make_url(postgres_url).set(database="fresh_start").render_as_string(hide_password=False)
    errors, opened = [], []

    def start() -> None:
        try:
            opened.append(Database(fresh))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for db in opened:
        db.close()
    assert errors == [] and len(opened) == 6
