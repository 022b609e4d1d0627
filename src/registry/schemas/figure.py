"""Field figures."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from registry.schemas.common import (
    PICKED,
    SLUG_GENERATED,
    Code,
    LongText,
    OrganizationRef,
    OrganizationSummary,
    ProgramRef,
    Provenance,
    ProvenanceIn,
    RecordRead,
    ShortText,
    Slug,
    TermRef,
    VocabRef,
    YearSince1900,
    partial_model,
    text,
)
from registry.schemas.hotline import ProgramSummary

Subject = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", max_length=120)]


class FigureCreate(ProvenanceIn):
    slug: Slug | None = Field(default=None, description=SLUG_GENERATED)
    subject: Subject = Field(examples=["prevalence.anxiety"])
    population: Annotated[str, StringConstraints(max_length=120)] | None = None
    base_value: float | None = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        description="The number the figure is counted within or is a share of (61 programs).",
    )
    base_zh: ShortText | None = Field(default=None, description="What the base counts, in Chinese.")
    base_en: ShortText | None = Field(default=None, examples=["programs in the chapter-4 overview"])
    label_zh: Annotated[str, text(300)] | None = None
    label_en: Annotated[str, text(300)]
    value: float = Field(allow_inf_nan=False)
    unit: Annotated[Code, VocabRef("unit")]
    qualifier: Annotated[Code, VocabRef("qualifier")] = "exact"
    year: YearSince1900 | None = None
    period_label_zh: ShortText | None = None
    period_label_en: ShortText | None = None
    organization: OrganizationRef | None = None
    program: ProgramRef | None = None
    cited_source: Annotated[str, StringConstraints(max_length=300)] | None = None
    note_zh: LongText | None = None
    note_en: LongText | None = None


class FigureRead(RecordRead):
    slug: str
    subject: str
    population: str | None
    base_value: float | None
    base: str | None = Field(default=None, description=PICKED)
    base_zh: str | None
    base_en: str | None
    label: str | None = Field(default=None, description=PICKED)
    label_zh: str | None
    label_en: str
    value: float
    unit: TermRef
    qualifier: TermRef
    year: int | None
    period_label: str | None = Field(default=None, description=PICKED)
    period_label_zh: str | None
    period_label_en: str | None
    organization: OrganizationSummary | None
    program: ProgramSummary | None
    cited_source: str | None
    note: str | None = Field(default=None, description=PICKED)
    note_zh: str | None
    note_en: str | None
    provenance: Provenance


FigureUpdate = partial_model(FigureCreate, "FigureUpdate", "Changes to a field figure.")
