"""Service stations."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from registry.schemas.common import (
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
    city: City | None = None
    operator: OrganizationRef | None = None
    established_date: PastDate | None = None
    established_year: Year | None = None
    description: LongText | None = None


class ServiceStationRead(RecordRead):
    slug: str
    name_en: str
    name_zh: str | None
    network: TermRef
    kind: TermRef
    province: TermRef | None
    city: str | None
    operator: OrganizationSummary | None
    established_date: date | None
    established_year: int | None
    description: str | None
    provenance: Provenance


ServiceStationUpdate = partial_model(
    ServiceStationCreate, "ServiceStationUpdate", "Changes to a service station."
)
