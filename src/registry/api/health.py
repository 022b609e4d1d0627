"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from registry.api.deps import SessionDep
from registry.api.openapi import problems
from registry.errors import ServiceUnavailable

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str
    migration: str = Field(description="The database's migration revision.")
    match_indexes: dict[str, int | None] = Field(
        description="This process's match indexes (SQLite): the change each reflects, or "
        "null while it is being built and lists are counted in SQL."
    )
    read_replica: str | None = Field(
        default=None,
        description="With a read replica (REGISTRY_READ_DATABASE_URL): `ok`, or `down` or "
        "`unreachable` while reads go to the primary; null without one.",
    )


@router.get("/healthz", operation_id="healthz", response_model=Health, responses=problems(503))
def healthz(request: Request, session: SessionDep) -> Health:
    """Answers 200 when the API can reach its database and the database is migrated; 503
    with the reason when not."""
    try:
        session.execute(text("SELECT 1"))
    except (OperationalError, PoolTimeout) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ServiceUnavailable(f"the database is unreachable: {reason}", retry_after=10) from exc
    schema = _schema_revision(session)
    known: list[str] = request.app.state.revisions
    if schema is None or (schema in known and schema != known[0]):
        raise ServiceUnavailable(
            f"the database schema is at {schema or 'no revision'} but this server needs "
            f"{known[0] if known else 'a migrated database'}: run `registry db upgrade`",
            retry_after=30,
        )
    dialect = session.get_bind().dialect.name
    cache = getattr(request.app.state, "read_cache", None)
    indexes = {}
    if cache is not None:
        indexes = {
            name: None if index.state is None else index.state.head
            for name, index in cache.indexes.items()
        }
    replica = request.app.state.reads.status()
    return Health(
        status="ok", database=dialect, migration=schema, match_indexes=indexes, read_replica=replica
    )


def _schema_revision(session: Session) -> str | None:
    try:
        revision: str | None = session.scalar(text("SELECT version_num FROM alembic_version"))
    except (OperationalError, ProgrammingError):  # no alembic_version: never migrated
        session.rollback()
        return None
    return revision
