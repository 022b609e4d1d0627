"""Hotlines and hotline metrics."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from registry.schemas.common import (
    PICKED,
    SLUG_GENERATED,
    Code,
    LongText,
    NameZh,
    OptionalNameEn,
    OrganizationRef,
    OrganizationSummary,
    PastDate,
    ProgramRef,
    Provenance,
    ProvenanceIn,
    ReadModel,
    RecordRead,
    RecordRef,
    Ref,
    ShortText,
    Slug,
    TermRef,
    VocabRef,
    YearSince1900,
    partial_model,
    text,
)

Audience = Annotated[str, text(500)]


class HotlineCreate(ProvenanceIn):
    slug: Slug | None = Field(default=None, description=SLUG_GENERATED)
    name_zh: NameZh | None = None
    name_en: OptionalNameEn
    operator: OrganizationRef
    program: ProgramRef | None = None
    audience_zh: Audience | None = None
    audience_en: Audience | None = None
    launch_date: PastDate | None = None
    launch_year: YearSince1900 | None = None
    hours_zh: ShortText | None = Field(default=None, examples=["每天 09:00–24:00"])
    hours_en: ShortText | None = Field(default=None, examples=["daily 09:00–24:00"])
    description_zh: LongText | None = None
    description_en: LongText | None = None


class ProgramSummary(ReadModel):
    id: uuid.UUID
    slug: str
    name: str | None = Field(default=None, description=PICKED)
    name_zh: str | None
    name_en: str | None


class HotlineRead(RecordRead):
    slug: str
    name: str | None = Field(default=None, description=PICKED)
    name_zh: str | None
    name_en: str | None
    operator: OrganizationSummary
    program: ProgramSummary | None
    audience: str | None = Field(default=None, description=PICKED)
    audience_zh: str | None
    audience_en: str | None
    launch_date: date | None
    launch_year: int | None
    hours: str | None = Field(default=None, description=PICKED)
    hours_zh: str | None
    hours_en: str | None
    description: str | None = Field(default=None, description=PICKED)
    description_zh: str | None
    description_en: str | None
    provenance: Provenance


class HotlineMetricCreate(ProvenanceIn):
    slug: Slug
    hotline: Annotated[Ref, RecordRef("hotline")]
    metric: Annotated[Code, VocabRef("hotline_metric")]
    value: float = Field(allow_inf_nan=False)
    unit: Annotated[Code, VocabRef("unit")]
    qualifier: Annotated[Code, VocabRef("qualifier")] = "exact"
    as_of_date: PastDate | None = None
    period_start: PastDate | None = None
    period_end: PastDate | None = None
    date_precision: Literal["day", "month", "year"] = Field(
        default="day", description="How precisely the source dates the figure."
    )
    period_label_zh: ShortText | None = None
    period_label_en: ShortText | None = None
    note_zh: LongText | None = None
    note_en: LongText | None = None

    @model_validator(mode="after")
    def _period_order(self) -> HotlineMetricCreate:
        if self.period_start and self.period_end and self.period_start > self.period_end:
            raise ValueError("period_start is after period_end")
        return self


class HotlineSummary(ReadModel):
    id: uuid.UUID
    slug: str
    name: str | None = Field(default=None, description=PICKED)
    name_zh: str | None
    name_en: str | None


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
    period_label: str | None = Field(default=None, description=PICKED)
    period_label_zh: str | None
    period_label_en: str | None
    note: str | None = Field(default=None, description=PICKED)
    note_zh: str | None
    note_en: str | None
    provenance: Provenance


HotlineUpdate = partial_model(HotlineCreate, "HotlineUpdate", "Changes to a hotline.")


HotlineMetricUpdate = partial_model(
    HotlineMetricCreate, "HotlineMetricUpdate", "Changes to a hotline metric."
)
