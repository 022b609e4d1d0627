"""The list envelope and offset pagination shared by every list endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Number of records matching the query.")
    limit: int
    offset: int
    next: str | None = Field(description="URL of the next page, or null on the last page.")


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}.")
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="Records to skip.")] = 0,
) -> PageParams:
    return PageParams(limit, offset)


def fetch_page(
    session: Session, stmt: Select[Any], order_by: Sequence[Any], params: PageParams
) -> tuple[list[Any], int]:
    """The page's rows and the exact total for a select of one entity."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.scalars(stmt.order_by(*order_by).limit(params.limit).offset(params.offset)))
    return rows, total


def make_page(items: list[T], total: int, params: PageParams, request: Request) -> Page[T]:
    next_url = None
    if params.offset + params.limit < total:
        next_url = str(request.url.include_query_params(offset=params.offset + params.limit))
    return Page[T](
        items=items, total=total, limit=params.limit, offset=params.offset, next=next_url
    )
