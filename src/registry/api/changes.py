"""/api/v1/changes: every write, in order, for clients that keep a copy in sync."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from registry.api.deps import ReadDep, reads, reject_unknown_params
from registry.api.listing import MAX_LIMIT
from registry.api.openapi import problems
from registry.models import Change
from registry.schemas.common import ChangeRead

router = APIRouter(tags=["changes"], dependencies=[Depends(reject_unknown_params)])


class ChangeFeed(BaseModel):
    items: list[ChangeRead]
    limit: int
    has_more: bool = Field(description="Whether more changes are waiting after this page.")
    next: str | None = Field(
        description="The next page while `has_more`; null once caught up, as on every list, "
        "so a loop that follows `next` ends."
    )
    poll: str = Field(
        description="Where to ask later for what comes after this page; it never skips a change."
    )
    since: str = Field(description="The cursor to store: pass it as `since` next time.")


@router.get(
    "/api/v1/changes",
    operation_id="list_changes",
    response_model=ChangeFeed,
    responses=problems(422),
)
@reads
def list_changes(
    ctx: ReadDep,
    request: Request,
    since: Annotated[
        str,
        Query(
            pattern=r"^[0-9]{1,9}$",
            description="Change number to continue after: the previous answer's `since`; `0` "
            "for the beginning. Not a date.",
        ),
    ] = "0",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> ChangeFeed:
    """Creates, updates, deletes, restores and purges of every record, oldest first."""
    rows = list(
        ctx.session.scalars(
            select(Change).where(Change.id > int(since)).order_by(Change.id).limit(limit + 1)
        )
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    cursor = str(rows[-1].id) if rows else since
    after = str(request.url.include_query_params(since=cursor, limit=limit))
    return ChangeFeed(
        items=[ChangeRead.model_validate(r) for r in rows],
        limit=limit,
        has_more=has_more,
        next=after if has_more else None,
        poll=after,
        since=cursor,
    )
