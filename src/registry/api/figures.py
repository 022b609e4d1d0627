"""/api/v1/figures: figures that describe the field rather than one record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import ConfigDict

from registry.api.deps import ReadDep, reject_unknown_params
from registry.api.filters import (
    FilterSet,
    FilterValues,
    PrefixFilter,
    RangeFilter,
    TermFilter,
    ValueFilter,
)
from registry.api.lifecycle import add_lifecycle_routes
from registry.api.listing import ListParams, list_params, list_response
from registry.api.openapi import DETAIL_ERRORS, EXPORTABLE_LIST
from registry.api.responses import get_one
from registry.api.writing import (
    CREATE_ERRORS,
    EditorDep,
    IdempotencyKeyHeader,
    create_response,
)
from registry.entities import ENTITIES
from registry.models import Figure
from registry.records import write
from registry.schemas.figure import FigureCreate, FigureRead, FigureUpdate
from registry.schemas.listing import SNIPPET, Page, only_id_required

ENTITY = ENTITIES["figure"]


FILTERS = FilterSet(
    entity=ENTITIES["figure"],
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


router = APIRouter(
    prefix="/api/v1/figures", tags=["figures"], dependencies=[Depends(reject_unknown_params)]
)
Ref = Annotated[str, Path(description="UUID or slug.", max_length=120)]


@router.get("", operation_id="list_figures", response_model=FigurePage, responses=EXPORTABLE_LIST)
def list_figures(
    ctx: ReadDep,
    request: Request,
    filters: Annotated[FilterValues, Depends(FILTERS.dependency())],
    params: Annotated[ListParams, Depends(list_params)],
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
    return create_response(
        ctx,
        request,
        ENTITY,
        body,
        idempotency_key,
        lambda: write.create(ctx.session, ENTITY, body, ctx.vocab, ctx.actor.name),
    )


add_lifecycle_routes(router, ENTITY, FigureUpdate)
