"""/api/v1/hotline-metrics: figures reported for hotlines, and their series over time."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from registry.api.deps import ReadDep, reads
from registry.api.filters import FilterSet, FilterValues, RangeFilter, TermFilter, ValueFilter
from registry.api.openapi import LIST_ERRORS
from registry.api.routes import add_record_routes, list_router
from registry.entities import ENTITIES
from registry.models import HotlineMetric
from registry.schemas.common import PICKED, TermRef, pick
from registry.schemas.hotline import (
    HotlineMetricCreate,
    HotlineMetricUpdate,
    HotlineSummary,
)

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
    },
    default_sort=["date"],
)


class SeriesPoint(BaseModel):
    slug: str
    date: date | None
    date_precision: str
    period_label: str | None = Field(default=None, description=PICKED)
    period_label_zh: str | None
    period_label_en: str | None
    value: float
    qualifier: TermRef


class Series(BaseModel):
    hotline: HotlineSummary
    metric: TermRef
    unit: TermRef
    points: list[SeriesPoint]


router = list_router(FILTERS, "Hotline metrics matching every filter, by date.")
Filters = Annotated[FilterValues, Depends(FILTERS.dependency())]


@router.get(
    "/series",
    operation_id="hotline_metric_series",
    response_model=list[Series],
    responses=LIST_ERRORS,
)
@reads
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
                hotline=HotlineSummary(
                    id=m.hotline.id,
                    slug=m.hotline.slug,
                    name=pick(m.hotline.name_zh, m.hotline.name_en, ctx.lang),
                    name_zh=m.hotline.name_zh,
                    name_en=m.hotline.name_en,
                ),
                metric=ctx.vocab.term(m.metric_id),
                unit=ctx.vocab.term(m.unit_id),
                points=[],
            )
        series[key].points.append(
            SeriesPoint(
                slug=m.slug,
                date=m.as_of_date or m.period_end,
                date_precision=m.date_precision,
                period_label=pick(m.period_label_zh, m.period_label_en, ctx.lang),
                period_label_zh=m.period_label_zh,
                period_label_en=m.period_label_en,
                value=m.value,
                qualifier=ctx.vocab.term(m.qualifier_id),
            )
        )
    return list(series.values())


add_record_routes(router, ENTITY, HotlineMetricCreate, HotlineMetricUpdate)
