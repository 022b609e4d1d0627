"""/api/v1/figures: field figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy import select

from registry import readers
from registry.api.deps import ReadDep, reject_unknown_params
from registry.api.openapi import DETAIL_ERRORS, LIST_ERRORS
from registry.api.pagination import Page, PageParams, page_params
from registry.api.resources import get_one, list_page
from registry.models import Figure
from registry.schemas.figure import FigureRead

router = APIRouter(
    prefix="/api/v1/figures", tags=["figures"], dependencies=[Depends(reject_unknown_params)]
)

Ref = Annotated[str, Path(description="UUID or slug.", max_length=120)]


@router.get("", operation_id="list_figures", response_model=Page[FigureRead], responses=LIST_ERRORS)
def list_figures(
    ctx: ReadDep, request: Request, page: Annotated[PageParams, Depends(page_params)]
) -> Page[FigureRead]:
    """List field figures."""
    stmt = select(Figure)
    return list_page(ctx, request, stmt, [Figure.subject, Figure.slug], page, readers.figure)


@router.get("/{ref}", operation_id="get_figure", response_model=FigureRead, responses=DETAIL_ERRORS)
def get_figure(ctx: ReadDep, ref: Ref) -> FigureRead:
    """One figure by UUID or slug."""
    return get_one(ctx, Figure, ref, readers.figure)
