"""Thumbs up / down on answers, kept in the service's database (:mod:`assistant.db`; by default a
SQLite file under the data directory, not in the index).

Rows can be exported as JSONL so that badly rated answers can become new evaluation items.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import insert, select, update

from .db import FILENAME, Database, sqlite_url
from .db import feedback as _table
from .store import write_text_atomic

__all__ = ["FILENAME", "MAX_COMMENT_CHARS", "FeedbackStore"]
_COLUMNS = ("id", "created", "rating", "question", "answer", "language", "citations", "comment",
            "conversation_id", "session")
MAX_COMMENT_CHARS = 2000


class FeedbackStore:
    """Ratings on answers, one transaction per row, safe to share between threads.

    ``target`` is a SQLite file path, a database URL (``postgresql+psycopg://...``) or an open
    :class:`~assistant.db.Database` (shared with the question log). ``add`` returns the new row's id
    only after the row is committed."""

    def __init__(self, target: Path | str | Database) -> None:
        if isinstance(target, Database):
            self.db, self._owned = target, False
        else:
            url = str(target) if "://" in str(target) else sqlite_url(target)
            self.db, self._owned = Database(url), True

    @classmethod
    def in_dir(cls, data_dir: Path | str) -> FeedbackStore:
        """The SQLite store in ``data_dir`` (created if missing)."""
        return cls(Path(data_dir) / FILENAME)

    def add(self, rating: str, question: str, answer: str, citations: list[dict] | tuple = (),
            language: str = "", comment: str = "", conversation_id: str | None = "",
            session: str | None = "") -> int:
        """Store one rating ("up" or "down") with its question, answer and citations; the row id."""
        _check(rating)
        row = {"created": datetime.now(UTC).isoformat(timespec="seconds"), "rating": rating,
               "question": str(question), "answer": str(answer), "language": language or "",
               "citations": json.dumps(list(citations), ensure_ascii=False), "comment": _clip(comment),
               "conversation_id": conversation_id or "", "session": session or ""}
        with self.db.engine.begin() as connection:
            result = connection.execute(insert(_table).values(**row).returning(_table.c.id))
            return int(result.scalar_one())

    def comment(self, row_id: int, text: str) -> bool:
        """Attach a comment to a stored rating; False if there is no such row."""
        return self._update(row_id, comment=_clip(text))

    def rerate(self, row_id: int, rating: str) -> bool:
        """Change a stored rating (a second click on the same answer); False if there is no such row."""
        _check(rating)
        return self._update(row_id, rating=rating)

    def _update(self, row_id: int, **values: str) -> bool:
        with self.db.engine.begin() as connection:
            result = connection.execute(update(_table).where(_table.c.id == int(row_id)).values(**values))
            return result.rowcount == 1

    def rows(self, rating: str | None = None, since: str | None = None) -> list[dict]:
        """The stored ratings, oldest first, citations decoded; only ``rating`` ("up"/"down") and only
        those created on or after ``since`` (an ISO date or time, UTC) if given."""
        query = select(*(_table.c[name] for name in _COLUMNS)).order_by(_table.c.id)
        if rating is not None:
            query = query.where(_table.c.rating == _check(rating))
        if since:
            query = query.where(_table.c.created >= since)
        with self.db.engine.begin() as connection:
            records = connection.execute(query).all()
        out = []
        for record in records:
            row = dict(record._mapping)
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
        """Close the database if this store opened it (a shared one is closed by its owner)."""
        if self._owned:
            self.db.close()


def _check(rating: str) -> str:
    if rating not in ("up", "down"):
        raise ValueError(f"rating must be 'up' or 'down', not {rating!r}")
    return rating


def _clip(text: str | None) -> str:
    return (text or "").strip()[:MAX_COMMENT_CHARS]
