"""The question log: every answered question with its answer, written off the answering path.

Channels hand a :class:`QuestionRecord` to :meth:`QuestionLog.record`, which only puts it on a bounded
queue; one background thread writes what waits in batches (one transaction each) and deletes rows
older than the retention period at start and once a day. Nothing identifies the asker: no IP
address, cookie, session or user id, only the conversation's random id.

A full queue (the database far slower than the questions, or down) does not hold up the answer: the
record is dropped at once (or after ``put_timeout_s``, if one is given), counted in ``dropped`` and
logged as a warning. A record that ``record`` accepted is written, also on shutdown: :meth:`close` drains the
queue before it returns.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select

from .db import Database, questions
from .types import Answer

log = logging.getLogger(__name__)
CHANNELS = ("ui", "api", "widget", "openai")
DAY_S = 24 * 3600.0
_STOP = object()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class QuestionRecord:
    """One answered question as the log keeps it."""

    question: str
    answer: str
    language: str
    refused: bool
    channel: str
    latency_ms: float
    citations: tuple[dict, ...] = ()  # {n, source, section}
    confidence: float | None = None
    conversation_id: str = ""
    created: datetime = field(default_factory=_now)  # naive UTC

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}: use one of {', '.join(CHANNELS)}")

    @classmethod
    def of(cls, answer: Answer, channel: str, started: float) -> QuestionRecord:
        """The record of ``answer`` given on ``channel``; ``started`` is the ``time.perf_counter()`` at
        which the channel received the question (so the latency includes waiting for a turn)."""
        similarities = [h.similarity for h in answer.retrieved if h.similarity is not None]
        return cls(question=answer.question, answer=answer.text, language=answer.language, refused=answer.refused,
                   channel=channel, latency_ms=round((time.perf_counter() - started) * 1000, 1),
                   citations=tuple({"n": c.n, "source": c.source, "section": c.section} for c in answer.citations),
                   confidence=round(max(similarities), 4) if similarities else None,
                   conversation_id=answer.conversation_id or "")

    def row(self) -> dict:
        return {"created": self.created, "channel": self.channel, "language": self.language,
                "question": self.question, "answer": self.answer, "refused": self.refused,
                "citations": json.dumps(list(self.citations), ensure_ascii=False),
                "confidence": self.confidence, "latency_ms": self.latency_ms,
                "conversation_id": self.conversation_id[:64]}


class QuestionLog:
    """Writes :class:`QuestionRecord` s to ``database`` on a background thread (see the module's note).

    ``retention_days`` rows are kept; ``max_queue`` records may wait; ``batch`` are written per
    transaction. Call :meth:`start` once and :meth:`close` on shutdown."""

    def __init__(self, database: Database, retention_days: int = 90, max_queue: int = 10_000, batch: int = 200,
                 put_timeout_s: float = 0.0, prune_every_s: float = DAY_S) -> None:
        if retention_days < 1:
            raise ValueError(f"retention_days must be at least 1, got {retention_days}")
        if max_queue < 1 or batch < 1:
            raise ValueError(f"max_queue and batch must be positive, got {max_queue} and {batch}")
        self.db = database
        self.retention_days = retention_days
        self.batch = batch
        self.put_timeout_s = put_timeout_s
        self.prune_every_s = prune_every_s
        self.written = 0  # rows committed
        self.dropped = 0  # records refused because the queue stayed full
        self.failed = 0  # records the database did not take after retries (logged as errors)
        self._queue: queue.Queue = queue.Queue(maxsize=max_queue)
        self._thread: threading.Thread | None = None
        self._closed = False
        self._putting = 0
        self._counts = threading.Lock()

    # -- the answering side ------------------------------------------------------------------------
    def record(self, record: QuestionRecord) -> bool:
        """Queue ``record`` for writing; False if it was dropped (queue full, or the log closed)."""
        with self._counts:
            if self._closed:
                return False
            self._putting += 1  # close() waits for this put, so an accepted record is never left behind
        try:
            self._queue.put(record, block=self.put_timeout_s > 0, timeout=self.put_timeout_s or None)
            return True
        except queue.Full:
            with self._counts:
                self.dropped += 1
                dropped = self.dropped
            if dropped == 1 or dropped % 100 == 0:
                log.warning("question log queue full (%d waiting): %d records dropped so far",
                            self._queue.maxsize, dropped)
            return False
        finally:
            with self._counts:
                self._putting -= 1

    def record_answer(self, answer: Answer, channel: str, started: float) -> bool:
        """:meth:`record` of :meth:`QuestionRecord.of`; never raises (logging must not break an answer)."""
        try:
            return self.record(QuestionRecord.of(answer, channel, started))
        except Exception:  # noqa: BLE001 - the answer is given; the log only loses this record
            log.exception("a question could not be logged")
            return False

    # -- the writer ----------------------------------------------------------------------------------
    def start(self) -> QuestionLog:
        """Delete rows past retention, then start the writer thread."""
        if self._thread is None:
            self.prune()
            self._thread = threading.Thread(target=self._run, name="question-log", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        next_prune = time.monotonic() + self.prune_every_s
        stopping = False
        while not stopping:
            items = []
            try:
                items.append(self._queue.get(timeout=min(max(0.0, next_prune - time.monotonic()), 60.0)))
                while len(items) < self.batch and items[-1] is not _STOP:
                    items.append(self._queue.get_nowait())
            except queue.Empty:
                pass
            stopping = _STOP in items
            records = [item for item in items if item is not _STOP]
            if records:
                self._write(records)
            for _ in items:
                self._queue.task_done()
            if time.monotonic() >= next_prune:
                self.prune()
                next_prune = time.monotonic() + self.prune_every_s

    def _write(self, records: list[QuestionRecord]) -> None:
        for attempt in range(3):
            try:
                with self.db.engine.begin() as connection:
                    connection.execute(insert(questions), [r.row() for r in records])
                with self._counts:
                    self.written += len(records)
                return
            except Exception:  # noqa: BLE001 - a database hiccup: try again, then count and log
                if attempt == 2:
                    with self._counts:
                        self.failed += len(records)
                    log.exception("the question log could not write %d records", len(records))
                    return
                time.sleep(0.2 * (attempt + 1))

    def prune(self) -> int:
        """Delete the rows older than the retention period; the number deleted."""
        cutoff = _now() - timedelta(days=self.retention_days)
        try:
            with self.db.engine.begin() as connection:
                deleted = connection.execute(delete(questions).where(questions.c.created < cutoff)).rowcount
        except Exception:  # noqa: BLE001 - tried again at the next prune
            log.exception("old question log rows could not be deleted")
            return 0
        if deleted:
            log.info("question log: %d rows older than %d days deleted", deleted, self.retention_days)
        return deleted

    def close(self, timeout_s: float = 30.0) -> None:
        """Stop taking records, write every queued one, stop the writer."""
        with self._counts:
            if self._closed:
                return
            self._closed = True
        deadline = time.monotonic() + self.put_timeout_s + 1.0
        while self._putting and time.monotonic() < deadline:  # records being put right now
            time.sleep(0.001)
        if self._thread is None:
            self.prune()  # never started (e.g. a CLI): nothing waits but what was queued
            self._drain()
            return
        self._queue.put(_STOP)  # after every accepted record: the writer drains them first
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            log.error("the question log writer did not finish within %.0f s", timeout_s)

    def _drain(self) -> None:
        records = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            self._queue.task_done()
            if item is not _STOP:
                records.append(item)
        for i in range(0, len(records), self.batch):
            self._write(records[i:i + self.batch])

    def flush(self, timeout_s: float = 30.0) -> None:
        """Wait until every record queued so far is written (tests, the insights of a running server)."""
        deadline = time.monotonic() + timeout_s
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)

    # -- reading ----------------------------------------------------------------------------------------
    def rows(self, since: datetime | None = None) -> list[dict]:
        """The logged questions (oldest first), on or after ``since`` (UTC) if given."""
        return read_rows(self.db, since)


def read_rows(database: Database, since: datetime | None = None) -> list[dict]:
    """The rows of the question log in ``database`` (citations decoded, ``created`` naive UTC)."""
    query = select(questions).order_by(questions.c.id)
    if since is not None:
        if since.tzinfo is not None:
            since = since.astimezone(UTC).replace(tzinfo=None)
        query = query.where(questions.c.created >= since)
    with database.engine.begin() as connection:
        records = connection.execute(query).all()
    out = []
    for record in records:
        row = dict(record._mapping)
        row["citations"] = json.loads(row["citations"])
        row["refused"] = bool(row["refused"])
        out.append(row)
    return out
