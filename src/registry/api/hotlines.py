"""/api/v1/hotlines: hotlines and who runs them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import ConfigDict

from registry.api.deps import ReadDep
from registry.api.filters import FilterSet, FilterValues, RangeFilter, ValueFilter
from registry.api.lifecycle import add_lifecycle_routes
from registry.api.listing import list_response
from registry.api.openapi import DETAIL_ERRORS, EXPORTABLE_LIST
from registry.api.responses import get_one
from registry.api.routes import Params, Ref, resource_router
from registry.api.writing import (
    CREATE_ERRORS,
    EditorDep,
    IdempotencyKeyHeader,
    create_record,
)
from registry.entities import ENTITIES
from registry.models import Hotline
from registry.schemas.hotline import HotlineCreate, HotlineRead, HotlineUpdate
from registry.schemas.listing import SNIPPET, Page, only_id_required

ENTITY = ENTITIES["hotline"]


FILTERS = FilterSet(
    entity=ENTITY,
    filters=[
        ValueFilter(
            "operator_id",
            Hotline.operator_id,
            "Operating organization's id.",
            "6b3aac07-8936-464e-b292-91b051c5c68e",
        ),
        ValueFilter(
            "program_id",
            Hotline.program_id,
            "Program the hotline belongs to.",
            "6b3aac07-8936-464e-b292-91b051c5c68e",
        ),
        RangeFilter("launch_year", Hotline.launch_year, "Year launched", 2021),
    ],
    sorts={
        "name_en": Hotline.name_en,
        "name_zh": Hotline.name_zh_sort,
        "launch_year": Hotline.launch_year,
        "created_at": Hotline.created_at,
        "updated_at": Hotline.updated_at,
    },
    default_sort=["name_en"],
)


class HotlineItem(HotlineRead):
    """A hotline in a list."""

    model_config = ConfigDict(json_schema_extra=only_id_required)
    snippet: str | None = SNIPPET


class HotlinePage(Page[HotlineItem]):
    """A page of hotlines."""


router = resource_router(ENTITY)


@router.get("", operation_id="list_hotlines", response_model=HotlinePage, responses=EXPORTABLE_LIST)
def list_hotlines(
    ctx: ReadDep,
    request: Request,
    filters: Annotated[FilterValues, Depends(FILTERS.dependency())],
    params: Params,
) -> Response:
    """Hotlines matching every filter."""
    return list_response(ctx, request, FILTERS, filters, params, HotlineItem)


@router.get(
    "/{ref}", operation_id="get_hotline", response_model=HotlineRead, responses=DETAIL_ERRORS
)
def get_hotline(ctx: ReadDep, ref: Ref) -> Response:
    """One hotline by UUID or slug."""
    return get_one(ctx, ENTITY, ref)


@router.post(
    "",
    operation_id="create_hotline",
    status_code=201,
    response_model=HotlineRead,
    responses=CREATE_ERRORS,
)
def create_hotline(
    ctx: EditorDep,
    request: Request,
    body: HotlineCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Create a hotline."""
    return create_record(ctx, request, ENTITY, body, idempotency_key)


add_lifecycle_routes(router, ENTITY, HotlineUpdate)
