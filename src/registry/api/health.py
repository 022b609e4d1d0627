"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from registry.api.deps import SessionDep
from registry.api.openapi import problems
from registry.errors import ServiceUnavailable

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str
    match_indexes: dict[str, int | None] = Field(
        description="This process's match indexes (SQLite): the change each reflects, or "
        "null while it is being built and lists are counted in SQL."
    )


@router.get("/healthz", operation_id="healthz", response_model=Health, responses=problems(503))
def healthz(request: Request, session: SessionDep) -> Health:
    """Answers 200 when the API can reach its database, 503 with the reason when not."""
    try:
        session.execute(text("SELECT 1"))
    except (OperationalError, PoolTimeout) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ServiceUnavailable(f"the database is unreachable: {reason}", retry_after=10) from exc
    dialect = session.get_bind().dialect.name
    cache = getattr(request.app.state, "read_cache", None)
    indexes = {}
    if cache is not None and dialect == "sqlite":
        indexes = {
            name: None if index.state is None else index.state.head
            for name, index in cache.indexes.items()
        }
    return Health(status="ok", database=dialect, match_indexes=indexes)
