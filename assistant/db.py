"""The one database of the running service (feedback and the question log), through SQLAlchemy.

The embedded default is a SQLite file in the data directory (WAL, ``BEGIN IMMEDIATE`` so that
threads and processes writing at once queue instead of failing); any other SQLAlchemy URL, e.g.
``postgresql+psycopg://user:pass@host/db``, selects a server that several replicas can share.
Tables are created if missing; a feedback file written by the earlier raw-sqlite3 store has the same
``feedback`` table and is opened as it is.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from .errors import AssistantError

FILENAME = "feedback.sqlite3"  # the file name of the first (feedback-only) version, kept for its data

metadata = MetaData()

# The feedback table exactly as the raw-sqlite3 store created it (its rows must survive the switch).
feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", Text, nullable=False),  # ISO 8601, UTC, seconds
    Column("rating", Text, CheckConstraint("rating IN ('up', 'down')"), nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("language", Text, nullable=False, server_default=""),
    Column("citations", Text, nullable=False, server_default="[]"),  # JSON list
    Column("comment", Text, nullable=False, server_default=""),
    Column("conversation_id", Text, nullable=False, server_default=""),
    Column("session", Text, nullable=False, server_default=""),
    sqlite_autoincrement=True,
)

# One row per answered question. No IP address, cookie or user identifier: nothing of the asker.
questions = Table(
    "questions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", DateTime, nullable=False, index=True),  # naive UTC
    Column("channel", String(16), nullable=False),  # ui | api | widget | openai
    Column("language", String(8), nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("refused", Boolean, nullable=False),
    Column("citations", Text, nullable=False),  # JSON list of {n, source, section}
    Column("confidence", Float, nullable=True),  # best cosine similarity of question and retrieved passage
    Column("latency_ms", Float, nullable=False),
    Column("conversation_id", String(64), nullable=False, server_default=""),
)


def database_url(url: str, data_dir: Path | str) -> str:
    """``url`` if set, else the SQLite file in ``data_dir``."""
    return url.strip() or sqlite_url(Path(data_dir) / FILENAME)


def sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{Path(path).resolve()}"


# The key of the PostgreSQL advisory lock under which the tables are created (any number unique to this app).
_SCHEMA_LOCK = 0x41544C4153  # "ATLAS"


class Database:
    """An engine for ``url`` with the service's tables created. Share one per process."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {url!r} (e.g. sqlite:///data/feedback.sqlite3 or "
                             "postgresql+psycopg://user:password@host/db)") from exc
        self.sqlite = parsed.get_backend_name() == "sqlite"
        if self.sqlite and parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database)
            if path.is_dir():
                raise ValueError(f"feedback store path is a directory: {path}")
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(url, pool_pre_ping=not self.sqlite)
        except NoSuchModuleError as exc:
            raise ValueError(f"unsupported database URL {parsed.render_as_string()!r}: {exc}") from exc
        except ModuleNotFoundError as exc:
            raise ValueError(f"the driver for {parsed.drivername} is not installed ({exc.name}); for PostgreSQL "
                             "install the 'postgres' extra: pip install -e '.[postgres]'") from exc
        if self.sqlite:
            _sqlite_setup(self.engine)
        self.url = parsed.render_as_string(hide_password=True)
        try:
            self._create_tables()
        except OperationalError as exc:
            self.engine.dispose()
            raise AssistantError(f"the database at {self.url} cannot be used: {exc.orig}".strip()) from exc

    def _create_tables(self) -> None:
        """The tables, once: replicas that start together on one PostgreSQL take turns (an advisory lock held
        for the transaction), since "create if missing" is a check and then a create, not one step."""
        with self.engine.begin() as connection:
            if self.engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
            metadata.create_all(connection)

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_setup(engine: Engine) -> None:
    """WAL and ``BEGIN IMMEDIATE``: SQLAlchemy's recipe for serialisable SQLite transactions, so that
    concurrent writers wait for the lock (busy timeout) instead of failing on an upgrade from a read lock."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # the driver's own BEGIN off; ours below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def ping(database: Database) -> bool:
    """True if the database answers a trivial query."""
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means: not reachable
        return False
