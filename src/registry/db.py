"""Engines, SQLite pragmas and sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


# JSON columns through orjson: the standard library's `json` was a tenth of a bulk load's
# time. orjson writes UTF-8 where `json` wrote \u escapes; both read back the same values.
JSON_CODEC: dict[str, Any] = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = 30_000,
    pool_size: int | None = None,
    max_overflow: int | None = None,
    pool_timeout: float | None = None,
    **kwargs: Any,
) -> Engine:
    parsed = make_url(url)
    kwargs = {**JSON_CODEC, **kwargs}
    in_memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
    if not in_memory:  # an in-memory SQLite database lives in one connection: no pool
        pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
        kwargs.update({k: v for k, v in pool.items() if v is not None})
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            **kwargs,
        )
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the lock up front, so two writers queue instead of deadlocking.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """`session` until the block ends: committed on success, rolled back on any error."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# Every write on PostgreSQL holds this advisory lock until commit, so change-log ids commit
# in order: a feed reader polling by id never skips a late commit, and a replica's newest
# change id says how far it has replayed (api/replica.py).
WRITE_LOCK_KEY = 727_001


def take_write_lock(session: Session) -> None:
    """Begin `session`'s transaction holding the database's write lock: SQLite's BEGIN
    IMMEDIATE, PostgreSQL's advisory lock. Every door (API, CLI, seed, import) takes it."""
    session.connection(execution_options={"sqlite_immediate": True})
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})


@contextmanager
def write_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A write transaction, holding the database's write lock from its start."""
    with transaction(factory()) as session:
        take_write_lock(session)
        yield session


@contextmanager
def dbapi_cursor(session: Session) -> Iterator[tuple[Any, Any]]:
    """(cursor, dialect) of `session`'s connection, in its transaction: for statements run
    on the driver without SQLAlchemy's per-row work. The cursor is closed after."""
    connection = session.connection()
    cursor = connection.connection.cursor()
    try:
        yield cursor, connection.dialect
    finally:
        cursor.close()
