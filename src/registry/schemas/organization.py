"""Organizations."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, HttpUrl

from registry.schemas.common import (
    PICKED,
    SLUG_GENERATED,
    Alias,
    City,
    Code,
    LongText,
    NameZh,
    OptionalNameEn,
    Provenance,
    ProvenanceIn,
    Province,
    RecordRead,
    Slug,
    TermRef,
    VocabRef,
    Year,
    partial_model,
)
from registry.schemas.program import ProgramDraft


class OrganizationCreate(ProvenanceIn):
    slug: Slug | None = Field(default=None, description=SLUG_GENERATED)
    name_zh: NameZh | None = Field(default=None, description="Chinese name as printed.")
    name_en: OptionalNameEn
    aliases: list[Alias] = Field(default_factory=list, max_length=20)
    kind: Annotated[Code, VocabRef("organization_kind")]
    province: Province | None = None
    city_zh: City | None = None
    city_en: City | None = None
    founded_year: Year | None = None
    website: HttpUrl | None = None
    description_zh: LongText | None = None
    description_en: LongText | None = None


class OrganizationRead(RecordRead):
    slug: str
    name: str | None = Field(default=None, description=PICKED)
    name_zh: str | None
    name_en: str | None
    aliases: list[str]
    kind: TermRef
    province: TermRef | None
    city: str | None = Field(default=None, description=PICKED)
    city_zh: str | None
    city_en: str | None
    founded_year: int | None
    website: str | None
    description: str | None = Field(default=None, description=PICKED)
    description_zh: str | None
    description_en: str | None
    provenance: Provenance


OrganizationUpdate = partial_model(
    OrganizationCreate,
    "OrganizationUpdate",
    "Changes to an organization; lists replace the stored list.",
)


class OrganizationCreateRequest(OrganizationCreate):
    """An organization, optionally with new programs created in the same transaction."""

    programs: list[ProgramDraft] = Field(default_factory=list, max_length=100)  # type: ignore[valid-type]
