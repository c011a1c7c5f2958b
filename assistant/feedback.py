"""Thumbs up / down on answers, kept in a SQLite file under the data directory (not in the index).

Rows can be exported as JSONL so that badly rated answers can become new evaluation items.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from .store import write_text_atomic

FILENAME = "feedback.sqlite3"
_SCHEMA = """
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
_COLUMNS = ("id", "created", "rating", "question", "answer", "language", "citations", "comment",
            "conversation_id", "session")
MAX_COMMENT_CHARS = 2000


class FeedbackStore:
    """A thread-safe SQLite store (WAL, one transaction per row) of ratings on answers.

    ``add`` returns the new row's id only after the row is committed."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise ValueError(f"feedback store path is a directory: {self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # One connection shared by Gradio's worker threads, serialised by the lock.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    @classmethod
    def in_dir(cls, data_dir: Path | str) -> FeedbackStore:
        """The store in ``data_dir`` (created if missing)."""
        return cls(Path(data_dir) / FILENAME)

    def add(self, rating: str, question: str, answer: str, citations: list[dict] | tuple = (),
            language: str = "", comment: str = "", conversation_id: str | None = "",
            session: str | None = "") -> int:
        """Store one rating ("up" or "down") with its question, answer and citations; the row id."""
        if rating not in ("up", "down"):
            raise ValueError(f"rating must be 'up' or 'down', not {rating!r}")
        row = (datetime.now(UTC).isoformat(timespec="seconds"), rating, str(question), str(answer),
               language or "", json.dumps(list(citations), ensure_ascii=False), _clip(comment),
               conversation_id or "", session or "")
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.execute(
                    "INSERT INTO feedback (created, rating, question, answer, language, citations, comment,"
                    " conversation_id, session) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return int(cur.lastrowid)

    def comment(self, row_id: int, text: str) -> bool:
        """Attach a comment to a stored rating; False if there is no such row."""
        return self._update(row_id, "comment", _clip(text))

    def rerate(self, row_id: int, rating: str) -> bool:
        """Change a stored rating (a second click on the same answer); False if there is no such row."""
        if rating not in ("up", "down"):
            raise ValueError(f"rating must be 'up' or 'down', not {rating!r}")
        return self._update(row_id, "rating", rating)

    def _update(self, row_id: int, column: str, value: str) -> bool:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.execute(f"UPDATE feedback SET {column} = ? WHERE id = ?", (value, int(row_id)))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return cur.rowcount == 1

    def rows(self) -> list[dict]:
        """Every stored rating, oldest first, citations decoded."""
        with self._lock:
            cur = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM feedback ORDER BY id")
            records = cur.fetchall()
        out = []
        for record in records:
            row = dict(zip(_COLUMNS, record, strict=True))
            row["citations"] = json.loads(row["citations"])
            out.append(row)
        return out

    def export(self, out: Path | str | None = None, stream: TextIO | None = None) -> int:
        """Write every row as one JSON line, to ``out`` atomically (temp file + rename) or to
        ``stream`` (default stdout). Returns the number of rows."""
        rows = self.rows()
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        if out is None:
            (stream or sys.stdout).write(lines)
            return len(rows)
        write_text_atomic(Path(out), lines)
        return len(rows)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _clip(text: str | None) -> str:
    return (text or "").strip()[:MAX_COMMENT_CHARS]
