"""Service stations."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from registry.schemas.common import (
    PICKED,
    SLUG_GENERATED,
    City,
    Code,
    LongText,
    NameZh,
    OptionalNameEn,
    OrganizationRef,
    OrganizationSummary,
    PastDate,
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


class ServiceStationCreate(ProvenanceIn):
    slug: Slug | None = Field(default=None, description=SLUG_GENERATED)
    name_zh: NameZh | None = None
    name_en: OptionalNameEn
    network: Annotated[Code, VocabRef("station_network")]
    kind: Annotated[Code, VocabRef("station_kind")]
    province: Province | None = None
    city_zh: City | None = None
    city_en: City | None = None
    operator: OrganizationRef | None = None
    established_date: PastDate | None = None
    established_year: Year | None = None
    description_zh: LongText | None = None
    description_en: LongText | None = None


class ServiceStationRead(RecordRead):
    slug: str
    name: str | None = Field(default=None, description=PICKED)
    name_en: str | None
    name_zh: str | None
    network: TermRef
    kind: TermRef
    province: TermRef | None
    city: str | None = Field(default=None, description=PICKED)
    city_zh: str | None
    city_en: str | None
    operator: OrganizationSummary | None
    established_date: date | None
    established_year: int | None
    description: str | None = Field(default=None, description=PICKED)
    description_zh: str | None
    description_en: str | None
    provenance: Provenance


ServiceStationUpdate = partial_model(
    ServiceStationCreate, "ServiceStationUpdate", "Changes to a service station."
)
