"""Hotlines and hotline metrics."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from registry.schemas.common import (
    LongText,
    NameEn,
    NameZh,
    OrganizationSummary,
    PastDate,
    Provenance,
    ProvenanceIn,
    ReadModel,
    RecordRead,
    ShortText,
    Slug,
    TermRef,
    partial_model,
    record,
    vocab,
    year_from,
)


class HotlineCreate(ProvenanceIn):
    slug: Slug
    name_zh: NameZh | None = None
    name_en: NameEn
    operator: record("organization")  # type: ignore[valid-type]
    program: record("program") | None = None  # type: ignore[valid-type]
    audience: Annotated[str, StringConstraints(max_length=500)] | None = None
    launch_date: PastDate | None = None
    launch_year: year_from(1900) | None = None  # type: ignore[valid-type]
    hours: ShortText | None = Field(default=None, examples=["daily 09:00–24:00"])
    description: LongText | None = None


class ProgramSummary(ReadModel):
    id: uuid.UUID
    slug: str
    name_zh: str | None
    name_en: str


class HotlineRead(RecordRead):
    slug: str
    name_zh: str | None
    name_en: str
    operator: OrganizationSummary
    program: ProgramSummary | None
    audience: str | None
    launch_date: date | None
    launch_year: int | None
    hours: str | None
    description: str | None
    provenance: Provenance


class HotlineMetricCreate(ProvenanceIn):
    slug: Slug
    hotline: record("hotline")  # type: ignore[valid-type]
    metric: vocab("hotline_metric")  # type: ignore[valid-type]
    value: float = Field(allow_inf_nan=False)
    unit: vocab("unit")  # type: ignore[valid-type]
    qualifier: vocab("qualifier") = "exact"  # type: ignore[valid-type]
    as_of_date: PastDate | None = None
    period_start: PastDate | None = None
    period_end: PastDate | None = None
    date_precision: Literal["day", "month", "year"] = Field(
        default="day", description="How precisely the source dates the figure."
    )
    period_label: ShortText | None = None
    note: LongText | None = None

    @model_validator(mode="after")
    def _period_order(self) -> HotlineMetricCreate:
        if self.period_start and self.period_end and self.period_start > self.period_end:
            raise ValueError("period_start is after period_end")
        return self


class HotlineSummary(ReadModel):
    id: uuid.UUID
    slug: str
    name_en: str


class HotlineMetricRead(RecordRead):
    slug: str
    hotline: HotlineSummary
    metric: TermRef
    value: float
    unit: TermRef
    qualifier: TermRef
    as_of_date: date | None
    period_start: date | None
    period_end: date | None
    date_precision: str
    period_label: str | None
    note: str | None
    provenance: Provenance


HotlineUpdate = partial_model(HotlineCreate, "HotlineUpdate", "Changes to a hotline.")


HotlineMetricUpdate = partial_model(
    HotlineMetricCreate, "HotlineMetricUpdate", "Changes to a hotline metric."
)
