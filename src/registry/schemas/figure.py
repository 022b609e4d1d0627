"""Field figures."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from registry.schemas.common import (
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
)
from registry.schemas.hotline import ProgramSummary

Subject = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", max_length=120)]


class FigureCreate(ProvenanceIn):
    slug: Slug
    subject: Subject = Field(examples=["prevalence.anxiety"])
    population: Annotated[str, StringConstraints(max_length=120)] | None = None
    label_en: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    value: float = Field(allow_inf_nan=False)
    unit: Annotated[Code, VocabRef("unit")]
    qualifier: Annotated[Code, VocabRef("qualifier")] = "exact"
    year: YearSince1900 | None = None
    period_label: ShortText | None = None
    organization: OrganizationRef | None = None
    program: ProgramRef | None = None
    cited_source: Annotated[str, StringConstraints(max_length=300)] | None = None
    note: LongText | None = None


class FigureRead(RecordRead):
    slug: str
    subject: str
    population: str | None
    label_en: str
    value: float
    unit: TermRef
    qualifier: TermRef
    year: int | None
    period_label: str | None
    organization: OrganizationSummary | None
    program: ProgramSummary | None
    cited_source: str | None
    note: str | None
    provenance: Provenance


FigureUpdate = partial_model(FigureCreate, "FigureUpdate", "Changes to a field figure.")
