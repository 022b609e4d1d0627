"""/api/v1/hotlines: hotlines."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy import select

from registry import readers
from registry.api.deps import ReadDep, reject_unknown_params
from registry.api.openapi import DETAIL_ERRORS, LIST_ERRORS
from registry.api.pagination import Page, PageParams, page_params
from registry.api.resources import get_one, list_page
from registry.models import Hotline
from registry.schemas.hotline import HotlineRead

router = APIRouter(
    prefix="/api/v1/hotlines", tags=["hotlines"], dependencies=[Depends(reject_unknown_params)]
)

Ref = Annotated[str, Path(description="UUID or slug.", max_length=120)]


@router.get(
    "", operation_id="list_hotlines", response_model=Page[HotlineRead], responses=LIST_ERRORS
)
def list_hotlines(
    ctx: ReadDep, request: Request, page: Annotated[PageParams, Depends(page_params)]
) -> Page[HotlineRead]:
    """List hotlines."""
    stmt = select(Hotline)
    return list_page(ctx, request, stmt, [Hotline.slug], page, readers.hotline)


@router.get(
    "/{ref}", operation_id="get_hotline", response_model=HotlineRead, responses=DETAIL_ERRORS
)
def get_hotline(ctx: ReadDep, ref: Ref) -> HotlineRead:
    """One hotline by UUID or slug."""
    return get_one(ctx, Hotline, ref, readers.hotline)
