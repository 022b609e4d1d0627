"""Service stations."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import StringConstraints

from registry.schemas.common import (
    Code,
    LongText,
    NameEn,
    NameZh,
    OrganizationSummary,
    PastDate,
    Provenance,
    ProvenanceIn,
    RecordRead,
    RecordRef,
    Ref,
    Slug,
    TermRef,
    VocabRef,
    Year,
    partial_model,
)

City = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, pattern=r"\S", max_length=100)
]


class ServiceStationCreate(ProvenanceIn):
    slug: Slug
    name_en: NameEn
    name_zh: NameZh | None = None
    network: Annotated[Code, VocabRef("station_network")]
    kind: Annotated[Code, VocabRef("station_kind")]
    province: Annotated[Code, VocabRef("province")] | None = None
    city: City | None = None
    operator: Annotated[Ref, RecordRef("organization")] | None = None
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
