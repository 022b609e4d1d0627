"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import text

from registry.api.deps import SessionDep
from registry.api.openapi import problems

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str
    match_indexes: dict[str, int | None] = Field(
        description="This process's match indexes (SQLite): the change each reflects, or "
        "null while it is being built and lists are counted in SQL."
    )


@router.get("/healthz", operation_id="healthz", response_model=Health, responses=problems(500))
def healthz(request: Request, session: SessionDep) -> Health:
    """Answers 200 when the API can reach its database."""
    session.execute(text("SELECT 1"))
    dialect = session.get_bind().dialect.name
    cache = getattr(request.app.state, "read_cache", None)
    indexes = {}
    if cache is not None and dialect == "sqlite":
        indexes = {
            name: None if index.state is None else index.state.head
            for name, index in cache.indexes.items()
        }
    return Health(status="ok", database=dialect, match_indexes=indexes)
