"""The question log: records written off the answering path, a full queue counted, nothing accepted
lost on shutdown, old rows deleted."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest

from assistant.db import Database
from assistant.question_log import QuestionLog, QuestionRecord
from assistant.types import Answer, Chunk, Citation, Hit


def record(i: int = 0, **kw) -> QuestionRecord:
    values = {"question": f"Frage {i}", "answer": f"Antwort {i}", "language": "de", "refused": False,
              "channel": "api", "latency_ms": 12.5}
    return QuestionRecord(**{**values, **kw})


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/log.sqlite3")
    yield database
    database.close()


def test_a_record_of_an_answer_keeps_what_the_log_promises_and_nothing_of_the_asker():
    chunk = Chunk("c1", "Aachen", "Einwohner", "profile", "Einwohner: 246.272.", "Aachen")
    answer = Answer("Wie viele Einwohner hat Aachen?", "Aachen hat 246.272 Einwohner [1].", "de", False,
                    citations=(Citation(1, "Aachen", "Einwohner", "Einwohner: 246.272.", "Einwohner: 246.272."),),
                    retrieved=(Hit(chunk, 0.9, similarity=0.71), Hit(chunk, 0.5, similarity=0.83), Hit(chunk, 0.1)),
                    conversation_id="conv-1")
    import time

    rec = QuestionRecord.of(answer, "widget", time.perf_counter() - 0.25)
    assert rec.confidence == 0.83 and 240 <= rec.latency_ms < 5000
    assert rec.citations == ({"n": 1, "source": "Aachen", "section": "Einwohner"},)
    assert (rec.channel, rec.conversation_id, rec.refused) == ("widget", "conv-1", False)
    assert set(rec.row()) == {"created", "channel", "language", "question", "answer", "refused", "citations",
                              "confidence", "latency_ms", "conversation_id"}  # no address, cookie, user
    with pytest.raises(ValueError, match="unknown channel 'fax'"):
        record(channel="fax")


def test_records_are_written_by_the_background_thread(db):
    qlog = QuestionLog(db).start()
    assert all(qlog.record(record(i, refused=i == 2)) for i in range(5))
    qlog.flush()
    rows = qlog.rows()
    assert [r["question"] for r in rows] == [f"Frage {i}" for i in range(5)]
    assert [r["refused"] for r in rows] == [False, False, True, False, False]
    assert rows[0]["citations"] == [] and qlog.written == 5
    qlog.close()


def test_a_full_queue_blocks_briefly_then_drops_and_counts_with_a_warning(db, caplog):
    qlog = QuestionLog(db, max_queue=3, put_timeout_s=0.01)  # writer not started: nothing leaves the queue
    with caplog.at_level(logging.WARNING, logger="assistant.question_log"):
        accepted = [qlog.record(record(i)) for i in range(5)]
    assert accepted == [True, True, True, False, False] and qlog.dropped == 2
    assert "queue full" in caplog.text and "2 records dropped" not in caplog.text  # warned once, at the first
    qlog.start()
    qlog.close()
    assert [r["question"] for r in qlog.rows()] == ["Frage 0", "Frage 1", "Frage 2"]  # the accepted ones


def test_close_drains_every_accepted_record_from_many_threads(db):
    qlog = QuestionLog(db, batch=7).start()
    accepted: list[bool] = []

    def client(t: int) -> None:
        for i in range(50):
            accepted.append(qlog.record(record(t * 1000 + i)))

    threads = [threading.Thread(target=client, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    qlog.close()  # no flush first: closing alone writes what waits
    assert accepted.count(True) == 400 and qlog.dropped == 0
    assert len({r["question"] for r in qlog.rows()}) == 400
    assert qlog.record(record(9999)) is False  # closed: refused, not silently lost


def test_retention_deletes_old_rows_at_start_and_on_its_schedule(db):
    now = datetime.now(UTC).replace(tzinfo=None)
    qlog = QuestionLog(db, retention_days=90, prune_every_s=0.2)
    for i, age in enumerate((200, 91, 89, 0)):
        qlog.record(record(i, created=now - timedelta(days=age)))
    qlog._drain()  # written as they are, ages included
    assert len(qlog.rows()) == 4
    qlog.start()  # prunes first
    assert [r["question"] for r in qlog.rows()] == ["Frage 2", "Frage 3"]
    qlog.record(record(5, created=now - timedelta(days=120)))  # an old row arriving later: the daily pass
    qlog.flush()
    deadline = now + timedelta(seconds=10)
    while len(qlog.rows()) != 2 and datetime.now(UTC).replace(tzinfo=None) < deadline:
        threading.Event().wait(0.05)
    assert [r["question"] for r in qlog.rows()] == ["Frage 2", "Frage 3"]
    assert [r["question"] for r in qlog.rows(since=now - timedelta(days=1))] == ["Frage 3"]
    qlog.close()


def test_a_database_that_fails_is_counted_and_logged_not_raised(db, caplog, monkeypatch):
    qlog = QuestionLog(db).start()
    monkeypatch.setattr("assistant.question_log.time.sleep", lambda s: None)
    db.engine.dispose()
    monkeypatch.setattr(db, "engine", None)  # every write fails
    with caplog.at_level(logging.ERROR, logger="assistant.question_log"):
        assert qlog.record(record(1)) is True
        qlog.flush()
    assert qlog.failed == 1 and qlog.written == 0 and "could not write 1 records" in caplog.text
    qlog.close()


def test_bad_arguments_are_refused(db):
    with pytest.raises(ValueError, match="retention_days"):
        QuestionLog(db, retention_days=0)
    with pytest.raises(ValueError, match="max_queue"):
        QuestionLog(db, max_queue=0)
