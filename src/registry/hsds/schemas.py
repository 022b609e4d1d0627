"""HSDS 3.0 objects as the /hsds/ API returns them.

Only the HSDS fields the registry can fill are declared. Fields without a value are left
out of responses rather than sent as null, because HSDS types them as plain strings or
numbers; `None` here means "absent".
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

URI: dict[str, Any] = {"format": "uri"}


class HsdsModel(BaseModel):
    def dump(self) -> dict[str, object]:
        return self.model_dump(mode="json", exclude_none=True)


class HsdsMetadata(HsdsModel):
    """One changed field of one write, from the registry's change log."""

    id: uuid.UUID
    resource_id: uuid.UUID
    resource_type: str = Field(examples=["service"])
    last_action_date: str = Field(description="When the write happened (ISO 8601, UTC).")
    last_action_type: str = Field(
        description="create, update, delete or restore.", examples=["update"]
    )
    field_name: str = Field(description="The registry's field name, as in /api/v1 history.")
    previous_value: str = Field(description="Empty when there was none; JSON for lists.")
    replacement_value: str
    updated_by: str = Field(description="Name of the API token (or `seed`) that wrote it.")


class HsdsTaxonomy(HsdsModel):
    """A registry vocabulary."""

    id: uuid.UUID
    name: str
    description: str
    uri: str | None = Field(default=None, json_schema_extra=URI)


class HsdsTaxonomyTerm(HsdsModel):
    """A vocabulary code."""

    id: uuid.UUID
    code: str
    name: str
    description: str
    parent_id: uuid.UUID | None = None
    taxonomy: str = Field(description="The vocabulary's name.", examples=["target_group"])
    taxonomy_id: uuid.UUID
    language: str = Field(examples=["en"])
    term_uri: str | None = Field(default=None, json_schema_extra=URI)
    taxonomy_detail: HsdsTaxonomy | None = None
    metadata: list[HsdsMetadata] | None = None


class HsdsAttribute(HsdsModel):
    """A vocabulary code attached to an object."""

    id: uuid.UUID
    link_id: uuid.UUID
    link_type: str = Field(description="The vocabulary's name.", examples=["target_group"])
    link_entity: str = Field(examples=["service"])
    taxonomy_term_id: uuid.UUID
    taxonomy_term: HsdsTaxonomyTerm


class HsdsProgram(HsdsModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    alternate_name: str | None = None
    description: str


class HsdsSchedule(HsdsModel):
    id: uuid.UUID
    service_id: uuid.UUID
    description: str
    freq: Literal["WEEKLY", "MONTHLY"] | None = None
    byday: str | None = None
    opens_at: str | None = None
    closes_at: str | None = None
    timezone: int | None = Field(default=None, description="UTC offset in hours.")


class HsdsServiceArea(HsdsModel):
    id: uuid.UUID
    service_id: uuid.UUID
    name: str
    extent: str = Field(description="ISO 3166-2 code of the province.", examples=["CN-GD"])
    extent_type: str = Field(examples=["text"])


class HsdsOrganizationSummary(HsdsModel):
    """An organization's one-to-one fields (HSDS organization_list)."""

    id: uuid.UUID
    name: str
    alternate_name: str | None = None
    description: str
    website: str | None = Field(default=None, json_schema_extra=URI)
    year_incorporated: int | None = None
    legal_status: str | None = None
    uri: str = Field(description="The record in the registry's own API.", json_schema_extra=URI)


class HsdsServiceSummary(HsdsModel):
    """A service's one-to-one fields (HSDS service_list): a program or a hotline."""

    id: uuid.UUID
    organization_id: uuid.UUID
    program_id: uuid.UUID | None = None
    name: str
    alternate_name: str | None = None
    description: str | None = None
    status: Literal["active", "inactive", "defunct", "temporarily closed"]
    eligibility_description: str | None = None
    last_modified: datetime
    organization: HsdsOrganizationSummary | None = None
    program: HsdsProgram | None = None


class HsdsService(HsdsServiceSummary):
    """A service with its codes, schedules, service areas and change history."""

    schedules: list[HsdsSchedule]
    service_areas: list[HsdsServiceArea]
    attributes: list[HsdsAttribute]
    metadata: list[HsdsMetadata]


class HsdsLocation(HsdsModel):
    """A service station as a place."""

    id: uuid.UUID
    location_type: Literal["physical", "postal", "virtual"]
    organization_id: uuid.UUID | None = None
    name: str
    alternate_name: str | None = None
    description: str | None = None
    external_identifier: str = Field(description="The station's slug in the registry.")
    external_identifier_type: str = Field(examples=["registry slug"])


class HsdsOrganization(HsdsOrganizationSummary):
    """An organization with its programs, services, locations and change history."""

    programs: list[HsdsProgram]
    services: list[HsdsServiceSummary]
    locations: list[HsdsLocation]
    attributes: list[HsdsAttribute]
    metadata: list[HsdsMetadata]


class HsdsServiceAtLocationSummary(HsdsModel):
    """A service station (HSDS service_at_location_list)."""

    id: uuid.UUID
    location_id: uuid.UUID
    location: HsdsLocation


class HsdsServiceAtLocation(HsdsServiceAtLocationSummary):
    attributes: list[HsdsAttribute]
    metadata: list[HsdsMetadata]


T = TypeVar("T")


class HsdsPage(BaseModel, Generic[T]):
    """HSDS's Page envelope."""

    total_items: int
    total_pages: int
    page_number: int = Field(description="1-based.")
    size: int = Field(description="Items on this page.")
    first_page: bool
    last_page: bool
    empty: bool = Field(description="True when this page has no items.")
    contents: list[T]


class HsdsServicePage(HsdsPage[HsdsServiceSummary]):
    """A page of HSDS services."""


class HsdsOrganizationPage(HsdsPage[HsdsOrganizationSummary]):
    """A page of HSDS organizations."""


class HsdsServiceAtLocationPage(HsdsPage[HsdsServiceAtLocationSummary]):
    """A page of HSDS service_at_locations."""


class HsdsTaxonomyPage(HsdsPage[HsdsTaxonomy]):
    """A page of HSDS taxonomies."""


class HsdsTaxonomyTermPage(HsdsPage[HsdsTaxonomyTerm]):
    """A page of HSDS taxonomy terms."""


class HsdsApiInfo(BaseModel):
    version: str = Field(examples=["3.0"])
    profile: str = Field(json_schema_extra=URI)
    openapi_url: str = Field(json_schema_extra=URI)
