"""/api/v1/programs: programs run by organizations."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict
from sqlalchemy import select

from registry.api.deps import ReadContext
from registry.api.filters import (
    BoolFilter,
    FilterSet,
    RangeFilter,
    TermFilter,
    ValueFilter,
    term_link,
    union_pairs,
)
from registry.api.routes import (
    Include,
    add_record_routes,
    list_router,
)
from registry.entities import ENTITIES
from registry.models import Organization, Program, program_terms
from registry.records import lean
from registry.schemas.common import OrganizationSummary
from registry.schemas.listing import SNIPPET, only_id_required
from registry.schemas.organization import OrganizationRead
from registry.schemas.program import ProgramCreate, ProgramRead, ProgramUpdate

ENTITY = ENTITIES["program"]


def _org_province() -> Any:
    return (
        select(Program.id.label("owner_id"), Organization.province_id.label("key"))
        .join(Organization, Organization.id == Program.organization_id)
        .where(Organization.province_id.is_not(None))
    )


def _link(vocabulary: str) -> Any:
    return term_link(program_terms, "program_id", vocabulary)


FILTERS = FilterSet(
    entity=ENTITY,
    filters=[
        TermFilter(
            "target_group",
            "target_group",
            "Target group.",
            "left_behind",
            Program.id,
            link=_link("target_group"),
        ),
        TermFilter(
            "intervention_type",
            "intervention_type",
            "Intervention type.",
            "prevention_promotion",
            Program.id,
            column=Program.intervention_type_id,
        ),
        TermFilter(
            "setting", "setting", "Service setting.", "school", Program.id, link=_link("setting")
        ),
        TermFilter(
            "ecological_level",
            "ecological_level",
            "Ecological level.",
            "family",
            Program.id,
            link=_link("ecological_level"),
        ),
        TermFilter(
            "element",
            "element",
            "Intervention element.",
            "case_counselling",
            Program.id,
            link=_link("element"),
        ),
        TermFilter(
            "province",
            "province",
            "Province served, or where the running organization is based.",
            "CN-GD",
            Program.id,
            link=union_pairs(_link("province"), _org_province),
        ),
        ValueFilter(
            "organization_id",
            Program.organization_id,
            "Running organization's id.",
            "6b3aac07-8936-464e-b292-91b051c5c68e",
        ),
        BoolFilter(
            "course_based", Program.course_based, "Prevention programs delivered mainly as courses."
        ),
        BoolFilter("interviewed", Program.interviewed, "Interviewed for the 2024 mapping report."),
        RangeFilter(
            "established_year", Program.established_year, "Year established", 2020, facet=True
        ),
    ],
    sorts={
        "name_zh": Program.name_zh_sort,
        "name_en": Program.name_en,
        "established_year": Program.established_year,
    },
    default_sort=["name_zh"],
    match_index={"organization": Program.organization_id},
)


class ProgramItem(ProgramRead):
    """A program in a list."""

    model_config = ConfigDict(json_schema_extra=only_id_required)
    organization: OrganizationRead | OrganizationSummary  # type: ignore[assignment]
    snippet: str | None = SNIPPET


def _include_organizations(ctx: ReadContext, items: list[dict[str, Any]]) -> None:
    # Ids as text: a page's values hold them as UUIDs or as text, by backend.
    ids = list({str(item["organization"]["id"]) for item in items})
    organizations = lean.by_id(ctx.session, ENTITIES["organization"], ids, ctx.vocab, ctx.sources)
    full = {str(o["id"]): o for o in organizations}
    for item in items:
        item["organization"] = full[str(item["organization"]["id"])]


router = list_router(
    FILTERS,
    "Programs matching every filter, one page at a time or exported whole.",
    item=ProgramItem,
    include=Include("organization", "Embed the full running organization.", _include_organizations),
    facets="""Counts per code for each facet, under the same filters as the list. A facet's own
    filter is left out of its counts, so a UI can offer the alternatives.""",
)
add_record_routes(
    router,
    ENTITY,
    ProgramCreate,
    ProgramUpdate,
    detail="One program with its organization, partners and every linked code.",
    create="Create a program with its links (target groups, settings, elements, partners).",
)
