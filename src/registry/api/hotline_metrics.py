"""/api/v1/hotline-metrics: figures reported for hotlines."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy import select

from registry import readers
from registry.api.deps import ReadDep, reject_unknown_params
from registry.api.openapi import DETAIL_ERRORS, LIST_ERRORS
from registry.api.pagination import Page, PageParams, page_params
from registry.api.resources import get_one, list_page
from registry.models import HotlineMetric
from registry.schemas.hotline import HotlineMetricRead

router = APIRouter(
    prefix="/api/v1/hotline-metrics",
    tags=["hotline-metrics"],
    dependencies=[Depends(reject_unknown_params)],
)

Ref = Annotated[str, Path(description="UUID or slug.", max_length=120)]


@router.get(
    "",
    operation_id="list_hotline_metrics",
    response_model=Page[HotlineMetricRead],
    responses=LIST_ERRORS,
)
def list_hotline_metrics(
    ctx: ReadDep, request: Request, page: Annotated[PageParams, Depends(page_params)]
) -> Page[HotlineMetricRead]:
    """List figures reported for hotlines."""
    stmt = select(HotlineMetric)
    return list_page(ctx, request, stmt, [HotlineMetric.slug], page, readers.hotline_metric)


@router.get(
    "/{ref}",
    operation_id="get_hotline_metric",
    response_model=HotlineMetricRead,
    responses=DETAIL_ERRORS,
)
def get_hotline_metric(ctx: ReadDep, ref: Ref) -> HotlineMetricRead:
    """One hotline_metric by UUID or slug."""
    return get_one(ctx, HotlineMetric, ref, readers.hotline_metric)
