"""/api/v1/service-stations: service-network detachments, stations and outlets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy import select

from registry import readers
from registry.api.deps import ReadDep, reject_unknown_params
from registry.api.openapi import DETAIL_ERRORS, LIST_ERRORS
from registry.api.pagination import Page, PageParams, page_params
from registry.api.resources import get_one, list_page
from registry.models import ServiceStation
from registry.schemas.service_station import ServiceStationRead

router = APIRouter(
    prefix="/api/v1/service-stations",
    tags=["service-stations"],
    dependencies=[Depends(reject_unknown_params)],
)

Ref = Annotated[str, Path(description="UUID or slug.", max_length=120)]


@router.get(
    "",
    operation_id="list_service_stations",
    response_model=Page[ServiceStationRead],
    responses=LIST_ERRORS,
)
def list_service_stations(
    ctx: ReadDep, request: Request, page: Annotated[PageParams, Depends(page_params)]
) -> Page[ServiceStationRead]:
    """List service-network detachments, stations and outlets."""
    stmt = select(ServiceStation)
    return list_page(ctx, request, stmt, [ServiceStation.slug], page, readers.service_station)


@router.get(
    "/{ref}",
    operation_id="get_service_station",
    response_model=ServiceStationRead,
    responses=DETAIL_ERRORS,
)
def get_service_station(ctx: ReadDep, ref: Ref) -> ServiceStationRead:
    """One service_station by UUID or slug."""
    return get_one(ctx, ServiceStation, ref, readers.service_station)
