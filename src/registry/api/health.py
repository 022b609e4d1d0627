"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from registry.api.deps import SessionDep
from registry.api.openapi import problems

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str


@router.get("/healthz", operation_id="healthz", response_model=Health, responses=problems(500))
def healthz(session: SessionDep) -> Health:
    """Answers 200 when the API can reach its database."""
    session.execute(text("SELECT 1"))
    return Health(status="ok", database=session.get_bind().dialect.name)
