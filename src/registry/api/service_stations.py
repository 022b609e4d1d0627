"""/api/v1/service-stations: detachments, stations and outlets of service networks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import ConfigDict

from registry.api.deps import ReadDep
from registry.api.filters import FilterSet, FilterValues, TermFilter, ValueFilter
from registry.api.lifecycle import add_lifecycle_routes
from registry.api.listing import list_response
from registry.api.openapi import DETAIL_ERRORS, EXPORTABLE_LIST
from registry.api.responses import get_one
from registry.api.routes import Params, Ref, add_facets_route, resource_router
from registry.api.writing import (
    CREATE_ERRORS,
    EditorDep,
    IdempotencyKeyHeader,
    create_record,
)
from registry.entities import ENTITIES
from registry.models import ServiceStation
from registry.schemas.listing import SNIPPET, Page, only_id_required
from registry.schemas.service_station import (
    ServiceStationCreate,
    ServiceStationRead,
    ServiceStationUpdate,
)

ENTITY = ENTITIES["service_station"]


FILTERS = FilterSet(
    entity=ENTITY,
    filters=[
        TermFilter(
            "network",
            "station_network",
            "Service network.",
            "emergency_volunteer_team",
            ServiceStation.id,
            column=ServiceStation.network_id,
        ),
        TermFilter(
            "kind",
            "station_kind",
            "Kind of station.",
            "provincial_detachment",
            ServiceStation.id,
            column=ServiceStation.kind_id,
        ),
        TermFilter(
            "province",
            "province",
            "Province.",
            "CN-HE",
            ServiceStation.id,
            column=ServiceStation.province_id,
        ),
        ValueFilter(
            "operator_id",
            ServiceStation.operator_id,
            "Operating organization's id.",
            "6b3aac07-8936-464e-b292-91b051c5c68e",
        ),
    ],
    sorts={
        "name_en": ServiceStation.name_en,
        "name_zh": ServiceStation.name_zh_sort,
        "city": ServiceStation.city,
        "established_year": ServiceStation.established_year,
        "created_at": ServiceStation.created_at,
        "updated_at": ServiceStation.updated_at,
    },
    default_sort=["name_en"],
)


class ServiceStationItem(ServiceStationRead):
    """A service station in a list."""

    model_config = ConfigDict(json_schema_extra=only_id_required)
    snippet: str | None = SNIPPET


class ServiceStationPage(Page[ServiceStationItem]):
    """A page of service stations."""


router = resource_router(ENTITY)
Filters = Annotated[FilterValues, Depends(FILTERS.dependency())]


@router.get(
    "",
    operation_id="list_service_stations",
    response_model=ServiceStationPage,
    responses=EXPORTABLE_LIST,
)
def list_service_stations(
    ctx: ReadDep,
    request: Request,
    filters: Filters,
    params: Params,
) -> Response:
    """Service stations matching every filter."""
    return list_response(ctx, request, FILTERS, filters, params, ServiceStationItem)


add_facets_route(
    router,
    FILTERS,
    """Counts by network, kind and province, disjunctive per facet.""",
)


@router.get(
    "/{ref}",
    operation_id="get_service_station",
    response_model=ServiceStationRead,
    responses=DETAIL_ERRORS,
)
def get_service_station(ctx: ReadDep, ref: Ref) -> Response:
    """One service station by UUID or slug."""
    return get_one(ctx, ENTITY, ref)


@router.post(
    "",
    operation_id="create_service_station",
    status_code=201,
    response_model=ServiceStationRead,
    responses=CREATE_ERRORS,
)
def create_service_station(
    ctx: EditorDep,
    request: Request,
    body: ServiceStationCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Create a service station."""
    return create_record(ctx, request, ENTITY, body, idempotency_key)


add_lifecycle_routes(router, ENTITY, ServiceStationUpdate)
