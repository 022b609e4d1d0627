"""/api/v1/figures: figures that describe the field rather than one record."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import ConfigDict

from registry.api.deps import ReadDep
from registry.api.filters import (
    FilterSet,
    FilterValues,
    PrefixFilter,
    RangeFilter,
    TermFilter,
    ValueFilter,
)
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
from registry.models import Figure
from registry.schemas.figure import FigureCreate, FigureRead, FigureUpdate
from registry.schemas.listing import SNIPPET, Page, only_id_required

ENTITY = ENTITIES["figure"]


FILTERS = FilterSet(
    entity=ENTITY,
    filters=[
        PrefixFilter(
            "subject",
            Figure.subject,
            "Subject, or a dotted prefix of it: `prevalence` matches `prevalence.anxiety`.",
            "prevalence",
        ),
        TermFilter("unit", "unit", "Unit.", "percent", Figure.id, column=Figure.unit_id),
        RangeFilter("year", Figure.year, "Year the figure refers to", 2023),
        ValueFilter(
            "organization_id",
            Figure.organization_id,
            "Organization the figure is about.",
            "6b3aac07-8936-464e-b292-91b051c5c68e",
        ),
        ValueFilter(
            "program_id",
            Figure.program_id,
            "Program the figure is about.",
            "6b3aac07-8936-464e-b292-91b051c5c68e",
        ),
    ],
    sorts={
        "subject": Figure.subject,
        "year": Figure.year,
        "value": Figure.value,
        "created_at": Figure.created_at,
        "updated_at": Figure.updated_at,
    },
    default_sort=["subject"],
)


class FigureItem(FigureRead):
    """A figure in a list."""

    model_config = ConfigDict(json_schema_extra=only_id_required)
    snippet: str | None = SNIPPET


class FigurePage(Page[FigureItem]):
    """A page of figures."""


router = resource_router(ENTITY)


@router.get("", operation_id="list_figures", response_model=FigurePage, responses=EXPORTABLE_LIST)
def list_figures(
    ctx: ReadDep,
    request: Request,
    filters: Annotated[FilterValues, Depends(FILTERS.dependency())],
    params: Params,
) -> Response:
    """Field figures matching every filter."""
    return list_response(ctx, request, FILTERS, filters, params, FigureItem)


@router.get("/{ref}", operation_id="get_figure", response_model=FigureRead, responses=DETAIL_ERRORS)
def get_figure(ctx: ReadDep, ref: Ref) -> Response:
    """One field figure by UUID or slug."""
    return get_one(ctx, ENTITY, ref)


@router.post(
    "",
    operation_id="create_figure",
    status_code=201,
    response_model=FigureRead,
    responses=CREATE_ERRORS,
)
def create_figure(
    ctx: EditorDep,
    request: Request,
    body: FigureCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Create a field figure."""
    return create_record(ctx, request, ENTITY, body, idempotency_key)


add_lifecycle_routes(router, ENTITY, FigureUpdate)
