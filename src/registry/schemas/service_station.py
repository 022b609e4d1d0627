"""Service stations."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from registry.schemas.common import (
    PICKED,
    City,
    Code,
    LongText,
    NameEn,
    NameZh,
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
    slug: Slug
    name_en: NameEn
    name_zh: NameZh | None = None
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
    name_en: str
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
