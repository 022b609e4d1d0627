"""Programs."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from registry.schemas.common import (
    CreateModel,
    LongText,
    NameEn,
    NameZh,
    OrganizationSummary,
    Provenance,
    ProvenanceIn,
    ReadModel,
    RecordRead,
    Slug,
    TermRef,
    Year,
    partial_model,
    record,
    vocab,
    without,
)

Alias = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, pattern=r"\S", max_length=300)
]


class PartnerCreate(CreateModel):
    organization: record("organization")  # type: ignore[valid-type]
    role: vocab("partner_role")  # type: ignore[valid-type]


class ProgramCreate(ProvenanceIn):
    slug: Slug
    name_zh: NameZh | None = Field(default=None, description="Chinese name as printed.")
    name_en: NameEn
    aliases: list[Alias] = Field(default_factory=list, max_length=20)
    components: list[Alias] = Field(
        default_factory=list,
        max_length=50,
        description="Sub-projects the source prints inside this program's row.",
    )
    organization: record("organization")  # type: ignore[valid-type]
    partners: list[PartnerCreate] = Field(default_factory=list, max_length=50)
    intervention_type: vocab("intervention_type") | None = None  # type: ignore[valid-type]
    course_based: bool = False
    established_year: Year | None = None
    interviewed: bool = False
    target_groups: list[vocab("target_group")] = Field(  # type: ignore[valid-type]
        default_factory=list, max_length=50
    )
    settings: list[vocab("setting")] = Field(  # type: ignore[valid-type]
        default_factory=list, max_length=10
    )
    ecological_levels: list[vocab("ecological_level")] = Field(  # type: ignore[valid-type]
        default_factory=list, max_length=10
    )
    elements: list[vocab("element")] = Field(  # type: ignore[valid-type]
        default_factory=list, max_length=50
    )
    provinces: list[vocab("province")] = Field(  # type: ignore[valid-type]
        default_factory=list, max_length=40, description="Provinces the program serves."
    )
    description: LongText | None = None


class PartnerRead(ReadModel):
    organization: OrganizationSummary
    role: TermRef


class ProgramRead(RecordRead):
    slug: str
    name_zh: str | None
    name_en: str
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
    description: str | None
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
