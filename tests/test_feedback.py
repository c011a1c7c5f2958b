"""The SQLite feedback store: rows committed, thread-safe, exported as JSONL atomically."""

from __future__ import annotations

import io
import json
import sqlite3
import threading

import pytest

from assistant.feedback import FILENAME, FeedbackStore

CITATIONS = [{"n": 1, "source": "Aachen", "section": "Einwohner und Fläche", "text": "Einwohner: 246.272.",
              "quote": "Einwohner: 246.272."}]


def test_store_is_created_under_a_new_data_dir_with_wal(tmp_path):
    store = FeedbackStore.in_dir(tmp_path / "data" / "nested")
    assert (tmp_path / "data" / "nested" / FILENAME).exists()
    mode = sqlite3.connect(tmp_path / "data" / "nested" / FILENAME).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    store.close()


def test_a_row_is_visible_to_another_connection_once_add_returns(tmp_path):
    store = FeedbackStore.in_dir(tmp_path)
    row_id = store.add("down", "Wie viele Einwohner hat Aachen?", "Aachen hat 246.272 Einwohner [1].",
                       CITATIONS, language="de", comment="  zu kurz ", conversation_id="c1", session="s1")
    other = sqlite3.connect(tmp_path / FILENAME)
    row = other.execute("SELECT id, rating, question, answer, citations, comment, conversation_id, session, created"
                        " FROM feedback").fetchone()
    assert row[:4] == (row_id, "down", "Wie viele Einwohner hat Aachen?", "Aachen hat 246.272 Einwohner [1].")
    assert json.loads(row[4]) == CITATIONS
    assert row[5:8] == ("zu kurz", "c1", "s1")
    assert row[8].startswith("20") and "T" in row[8]  # ISO timestamp


def test_comment_is_attached_to_an_existing_row_only(tmp_path):
    store = FeedbackStore.in_dir(tmp_path)
    row_id = store.add("up", "q", "a")
    assert store.comment(row_id, "hilfreich") is True
    assert store.comment(row_id + 99, "nirgends") is False
    assert [r["comment"] for r in store.rows()] == ["hilfreich"]


def test_bad_rating_is_rejected(tmp_path):
    store = FeedbackStore.in_dir(tmp_path)
    with pytest.raises(ValueError, match="'meh'"):
        store.add("meh", "q", "a")
    assert store.rows() == []


def test_concurrent_adds_from_threads_all_land(tmp_path):
    store = FeedbackStore.in_dir(tmp_path)
    ids: list[int] = []

    def rate(i: int) -> None:
        for j in range(10):
            ids.append(store.add("up" if j % 2 else "down", f"q{i}-{j}", "a"))

    threads = [threading.Thread(target=rate, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 80
    assert len(store.rows()) == 80


def test_export_writes_jsonl_atomically_and_to_a_stream(tmp_path):
    store = FeedbackStore.in_dir(tmp_path)
    store.add("down", "Wer koordiniert in Bonn?", "Dazu enthält der Smart-City-Atlas keine Angaben.", [], "de")
    store.add("up", "Population of Aachen?", "Aachen has 246,272 inhabitants [1].", CITATIONS, "en")
    out = tmp_path / "exports" / "feedback.jsonl"
    assert store.export(out) == 2
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["rating"] for r in lines] == ["down", "up"]
    assert lines[1]["citations"] == CITATIONS
    assert not [p for p in out.parent.iterdir() if p.name != "feedback.jsonl"]  # no temp file left
    buffer = io.StringIO()
    assert store.export(stream=buffer) == 2
    assert buffer.getvalue() == out.read_text(encoding="utf-8")


def test_a_directory_is_not_a_store_path(tmp_path):
    with pytest.raises(ValueError, match="directory"):
        FeedbackStore(tmp_path)


def test_cli_exports_the_store_under_the_configured_data_dir(tmp_path, monkeypatch, capsys):
    from assistant.cli import main

    data_dir = tmp_path / "data"
    FeedbackStore.in_dir(data_dir).add("down", "Wer koordiniert in Bonn?", "keine Angaben", CITATIONS, "de")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data_dir))
    out = tmp_path / "feedback.jsonl"
    assert main(["feedback", "export", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["question"] == "Wer koordiniert in Bonn?"
    assert "1 ratings written" in capsys.readouterr().err
    assert main(["feedback", "export"]) == 0
    assert json.loads(capsys.readouterr().out)["rating"] == "down"


def test_rerate_changes_a_stored_rating(tmp_path):
    store = FeedbackStore.in_dir(tmp_path)
    row_id = store.add("down", "q", "a")
    assert store.rerate(row_id, "up") is True
    assert store.rerate(row_id + 1, "up") is False
    with pytest.raises(ValueError, match="'sideways'"):
        store.rerate(row_id, "sideways")
    assert [r["rating"] for r in store.rows()] == ["up"]


# -- the store through SQLAlchemy: an old file, a URL ------------------------------------------------
_OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT '',
    citations TEXT NOT NULL DEFAULT '[]',
    comment TEXT NOT NULL DEFAULT '',
    conversation_id TEXT NOT NULL DEFAULT '',
    session TEXT NOT NULL DEFAULT ''
)
"""


def test_a_file_of_the_raw_sqlite3_store_opens_with_its_rows_and_gets_the_question_log(tmp_path):
    old = sqlite3.connect(tmp_path / FILENAME)  # what the store before SQLAlchemy wrote
    old.execute("PRAGMA journal_mode=WAL")
    old.execute(_OLD_SCHEMA)
    old.execute("INSERT INTO feedback (created, rating, question, answer, language, citations, comment,"
                " conversation_id, session) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ("2026-11-20T10:00:00+00:00", "down", "Wer koordiniert in Bonn?", "keine Angaben", "de",
                 json.dumps(CITATIONS), "alt", "c0", "s0"))
    old.execute("INSERT INTO feedback (created, rating, question, answer) VALUES (?, ?, ?, ?)",
                ("2026-11-21T10:00:00+00:00", "up", "q2", "a2"))
    old.commit()
    old.close()
    store = FeedbackStore.in_dir(tmp_path)
    rows = store.rows()
    assert [(r["id"], r["rating"], r["question"], r["comment"]) for r in rows] == \
        [(1, "down", "Wer koordiniert in Bonn?", "alt"), (2, "up", "q2", "")]
    assert rows[0]["citations"] == CITATIONS and rows[0]["created"] == "2026-11-20T10:00:00+00:00"
    assert store.add("up", "q3", "a3") == 3  # ids go on after the old rows
    assert store.rows(rating="down")[0]["id"] == 1
    assert [r["id"] for r in store.rows(since="2026-11-21")] == [2, 3]
    store.close()
    tables = {name for (name,) in sqlite3.connect(tmp_path / FILENAME).execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"feedback", "questions"} <= tables


def test_a_database_url_selects_the_database(tmp_path):
    from assistant.db import Database, database_url

    url = database_url("", tmp_path / "d")
    assert url.startswith("sqlite:///") and url.endswith("/d/" + FILENAME)
    assert database_url(f"sqlite:///{tmp_path}/other.db", tmp_path / "d") == f"sqlite:///{tmp_path}/other.db"
    store = FeedbackStore(f"sqlite:///{tmp_path}/other.db")
    store.add("up", "q", "a")
    assert sqlite3.connect(tmp_path / "other.db").execute("SELECT question FROM feedback").fetchone() == ("q",)
    shared = Database(f"sqlite:///{tmp_path}/other.db")
    assert [r["question"] for r in FeedbackStore(shared).rows()] == ["q"]
    with pytest.raises(ValueError, match="not a database URL"):
        Database("no url at all://")
    with pytest.raises(ValueError, match="unsupported database URL"):
        Database("nosuchdb://host/x")


def test_an_unreachable_database_is_a_clear_error():
    from assistant.db import Database
    from assistant.errors import AssistantError

    with pytest.raises(AssistantError, match=r"database at postgresql\+psycopg://atlas:\*\*\*@127.0.0.1:9/x\S* cannot "
                                             r"be used: .*Connection refused") as info:
        Database("postgresql+psycopg://atlas:secret@127.0.0.1:9/x?connect_timeout=2")
    assert "secret" not in str(info.value)


def test_cli_exports_from_the_configured_database_url(tmp_path, monkeypatch, capsys):
    from assistant.cli import main

    url = f"sqlite:///{tmp_path}/elsewhere.db"
    FeedbackStore(url).add("up", "Aus der anderen Datenbank?", "ja")
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    assert main(["feedback", "export"]) == 0
    assert json.loads(capsys.readouterr().out)["question"] == "Aus der anderen Datenbank?"
