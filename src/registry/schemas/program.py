"""Programs."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from registry.schemas.common import (
    PICKED,
    SLUG_GENERATED,
    Alias,
    Code,
    CreateModel,
    LongText,
    NameZh,
    OptionalNameEn,
    OrganizationRef,
    OrganizationSummary,
    Provenance,
    ProvenanceIn,
    Province,
    ReadModel,
    RecordRead,
    Slug,
    TermRef,
    VocabRef,
    Year,
    partial_model,
    without,
)


class PartnerCreate(CreateModel):
    organization: OrganizationRef
    role: Annotated[Code, VocabRef("partner_role")]


class ProgramCreate(ProvenanceIn):
    slug: Slug | None = Field(default=None, description=SLUG_GENERATED)
    name_zh: NameZh | None = Field(default=None, description="Chinese name as printed.")
    name_en: OptionalNameEn
    aliases: list[Alias] = Field(default_factory=list, max_length=20)
    components: list[Alias] = Field(
        default_factory=list,
        max_length=50,
        description="Sub-projects the source prints inside this program's row.",
    )
    organization: OrganizationRef
    partners: list[PartnerCreate] = Field(default_factory=list, max_length=50)
    intervention_type: Annotated[Code, VocabRef("intervention_type")] | None = None
    course_based: bool = False
    established_year: Year | None = None
    interviewed: bool = False
    target_groups: list[Annotated[Code, VocabRef("target_group")]] = Field(
        default_factory=list, max_length=50
    )
    settings: list[Annotated[Code, VocabRef("setting")]] = Field(
        default_factory=list, max_length=10
    )
    ecological_levels: list[Annotated[Code, VocabRef("ecological_level")]] = Field(
        default_factory=list, max_length=10
    )
    elements: list[Annotated[Code, VocabRef("element")]] = Field(
        default_factory=list, max_length=50
    )
    provinces: list[Province] = Field(
        default_factory=list, max_length=40, description="Provinces the program serves."
    )
    description_zh: LongText | None = None
    description_en: LongText | None = None


class PartnerRead(ReadModel):
    organization: OrganizationSummary
    role: TermRef


class ProgramRead(RecordRead):
    slug: str
    name: str | None = Field(default=None, description=PICKED)
    name_zh: str | None
    name_en: str | None
    aliases: list[str]
    components: list[str]
    organization: OrganizationSummary
    partners: list[PartnerRead]
    intervention_type: TermRef | None
    course_based: bool
    established_year: int | None
    interviewed: bool
    target_groups: list[TermRef]
    settings: list[TermRef]
    ecological_levels: list[TermRef]
    elements: list[TermRef]
    provinces: list[TermRef]
    description: str | None = Field(default=None, description=PICKED)
    description_zh: str | None
    description_en: str | None
    provenance: Provenance


ProgramUpdate = partial_model(
    ProgramCreate,
    "ProgramUpdate",
    "Changes to a program; a list (target groups, partners, …) replaces the stored list.",
)

ProgramDraft = without(
    ProgramCreate,
    "ProgramDraft",
    "organization",
    "A program created together with its organization (which it then belongs to).",
)
