"""/api/v1/hotline-metrics: figures reported for hotlines, and their series over time."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select

from registry.api.deps import ReadDep
from registry.api.filters import FilterSet, FilterValues, RangeFilter, TermFilter, ValueFilter
from registry.api.lifecycle import add_lifecycle_routes
from registry.api.listing import list_response
from registry.api.openapi import DETAIL_ERRORS, EXPORTABLE_LIST, LIST_ERRORS
from registry.api.responses import get_one
from registry.api.routes import Params, Ref, resource_router
from registry.api.writing import (
    CREATE_ERRORS,
    EditorDep,
    IdempotencyKeyHeader,
    create_record,
)
from registry.entities import ENTITIES
from registry.models import HotlineMetric
from registry.schemas.common import TermRef
from registry.schemas.hotline import (
    HotlineMetricCreate,
    HotlineMetricRead,
    HotlineMetricUpdate,
    HotlineSummary,
)
from registry.schemas.listing import SNIPPET, Page, only_id_required

# A metric is dated by its as-of date, or by the end of the period it covers.
METRIC_DATE = func.coalesce(HotlineMetric.as_of_date, HotlineMetric.period_end)

ENTITY = ENTITIES["hotline_metric"]


FILTERS = FilterSet(
    entity=ENTITY,
    filters=[
        ValueFilter(
            "hotline_id",
            HotlineMetric.hotline_id,
            "Hotline's id.",
            "6b3aac07-8936-464e-b292-91b051c5c68e",
        ),
        TermFilter(
            "metric",
            "hotline_metric",
            "Metric.",
            "people_served_cumulative",
            HotlineMetric.id,
            column=HotlineMetric.metric_id,
        ),
        RangeFilter(
            "date", METRIC_DATE, "Date (as-of date, else period end)", "2022-01-01", kind=date
        ),
    ],
    sorts={
        "date": METRIC_DATE,
        "value": HotlineMetric.value,
        "created_at": HotlineMetric.created_at,
        "updated_at": HotlineMetric.updated_at,
    },
    default_sort=["date"],
)


class HotlineMetricItem(HotlineMetricRead):
    """A hotline metric in a list."""

    model_config = ConfigDict(json_schema_extra=only_id_required)
    snippet: str | None = SNIPPET


class HotlineMetricPage(Page[HotlineMetricItem]):
    """A page of hotline metrics."""


class SeriesPoint(BaseModel):
    slug: str
    date: date | None
    date_precision: str
    period_label: str | None
    value: float
    qualifier: TermRef


class Series(BaseModel):
    hotline: HotlineSummary
    metric: TermRef
    unit: TermRef
    points: list[SeriesPoint]


router = resource_router(ENTITY)
Filters = Annotated[FilterValues, Depends(FILTERS.dependency())]


@router.get(
    "",
    operation_id="list_hotline_metrics",
    response_model=HotlineMetricPage,
    responses=EXPORTABLE_LIST,
)
def list_hotline_metrics(
    ctx: ReadDep,
    request: Request,
    filters: Filters,
    params: Params,
) -> Response:
    """Hotline metrics matching every filter, by date."""
    return list_response(ctx, request, FILTERS, filters, params, HotlineMetricItem)


@router.get(
    "/series",
    operation_id="hotline_metric_series",
    response_model=list[Series],
    responses=LIST_ERRORS,
)
def hotline_metric_series(ctx: ReadDep, filters: Filters) -> list[Series]:
    """One series per hotline and metric, its points in date order, for charts."""
    metrics = ctx.session.scalars(
        select(HotlineMetric)
        .where(*FILTERS.conditions(filters))
        .options(*ENTITY.load)
        .order_by(METRIC_DATE.asc().nulls_last(), HotlineMetric.id)
    )
    series: dict[tuple[object, object, object], Series] = {}
    for m in metrics:
        key = (m.hotline_id, m.metric_id, m.unit_id)
        if key not in series:
            series[key] = Series(
                hotline=HotlineSummary.model_validate(m.hotline),
                metric=ctx.vocab.term(m.metric_id),
                unit=ctx.vocab.term(m.unit_id),
                points=[],
            )
        series[key].points.append(
            SeriesPoint(
                slug=m.slug,
                date=m.as_of_date or m.period_end,
                date_precision=m.date_precision,
                period_label=m.period_label,
                value=m.value,
                qualifier=ctx.vocab.term(m.qualifier_id),
            )
        )
    return list(series.values())


@router.get(
    "/{ref}",
    operation_id="get_hotline_metric",
    response_model=HotlineMetricRead,
    responses=DETAIL_ERRORS,
)
def get_hotline_metric(ctx: ReadDep, ref: Ref) -> Response:
    """One hotline metric by UUID or slug."""
    return get_one(ctx, ENTITY, ref)


@router.post(
    "",
    operation_id="create_hotline_metric",
    status_code=201,
    response_model=HotlineMetricRead,
    responses=CREATE_ERRORS,
)
def create_hotline_metric(
    ctx: EditorDep,
    request: Request,
    body: HotlineMetricCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Create a hotline metric."""
    return create_record(ctx, request, ENTITY, body, idempotency_key)


add_lifecycle_routes(router, ENTITY, HotlineMetricUpdate)
