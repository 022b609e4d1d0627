"""/api/v1/organizations: organizations working in the field."""

from __future__ import annotations

import typing
from collections import defaultdict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select

from registry.api.deps import ReadContext
from registry.api.filters import FilterSet, RangeFilter, TermFilter, term_link
from registry.api.routes import (
    Include,
    add_record_routes,
    list_router,
)
from registry.api.writing import (
    WriteContext,
)
from registry.entities import ENTITIES
from registry.errors import RegistryError, invalid_input, validation_problems
from registry.models import Organization, Program, program_terms
from registry.records import lean, write
from registry.schemas.listing import SNIPPET, only_id_required
from registry.schemas.organization import (
    OrganizationCreate,
    OrganizationCreateRequest,
    OrganizationRead,
    OrganizationUpdate,
)
from registry.schemas.program import ProgramCreate, ProgramRead

ENTITY = ENTITIES["organization"]


def _programs_for() -> Any:
    link = term_link(program_terms, "program_id", "target_group")().subquery()
    return select(Program.organization_id.label("owner_id"), link.c.key).join(
        link, link.c.owner_id == Program.id
    )


FILTERS = FilterSet(
    entity=ENTITY,
    filters=[
        TermFilter(
            "kind",
            "organization_kind",
            "Kind of organization.",
            "foundation",
            Organization.id,
            column=Organization.kind_id,
        ),
        TermFilter(
            "province",
            "province",
            "Province where it is based.",
            "CN-GD",
            Organization.id,
            column=Organization.province_id,
        ),
        RangeFilter("founded_year", Organization.founded_year, "Year founded", 2015),
        TermFilter(
            "has_program_for",
            "target_group",
            "Runs a program for this target group.",
            "left_behind",
            Organization.id,
            link=_programs_for,
            facet=False,
        ),
    ],
    sorts={
        "name_zh": Organization.name_zh_sort,
        "name_en": Organization.name_en,
        "founded_year": Organization.founded_year,
    },
    default_sort=["name_zh"],
)


class OrganizationItem(OrganizationRead):
    """An organization in a list."""

    model_config = ConfigDict(json_schema_extra=only_id_required)
    programs: list[ProgramRead] | None = Field(
        default=None, description="The programs it runs, with `include=programs`."
    )
    snippet: str | None = SNIPPET


def _include_programs(ctx: ReadContext, items: list[dict[str, Any]]) -> None:
    programs = lean.rows_json(
        ctx.session,
        ENTITIES["program"],
        Program.organization_id.in_([lean.as_uuid(item["id"]) for item in items])
        & Program.deleted_at.is_(None),
        ctx.vocab,
        ctx.sources,
        order=(Program.name_zh_sort.asc().nulls_last(), Program.id),
    )
    # Ids as text: a page's values hold them as UUIDs or as text, by backend.
    by_org: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _, program in programs:
        by_org[str(program["organization"]["id"])].append(program)
    for item in items:
        item["programs"] = by_org.get(str(item["id"]), [])


def _create_with_programs(ctx: WriteContext, body: OrganizationCreateRequest) -> Any:
    org_data = OrganizationCreate.model_validate(body.model_dump(exclude={"programs"}))
    org = write.create(ctx.session, ENTITY, org_data, ctx.vocab, ctx.actor.name)
    for index, draft in enumerate(body.programs):
        given = typing.cast(BaseModel, draft).model_dump(exclude_unset=True)
        fields = {**given, "organization": org.slug}
        try:
            program = ProgramCreate.model_validate(fields)
        except ValidationError as exc:
            raise invalid_input(validation_problems(exc, f"/programs/{index}")) from exc
        try:
            write.create(ctx.session, ENTITIES["program"], program, ctx.vocab, ctx.actor.name)
        except RegistryError as exc:
            for param in exc.invalid_params or []:
                param.name = f"/programs/{index}{param.name}"
            if exc.invalid_params:
                exc.detail = "; ".join(f"{p.name}: {p.reason}" for p in exc.invalid_params)
            raise
    return org


router = list_router(
    FILTERS,
    "Organizations matching every filter.",
    item=OrganizationItem,
    include=Include("programs", "Embed the programs each one runs.", _include_programs),
    facets="Counts by kind and by province, disjunctive per facet.",
)
add_record_routes(
    router,
    ENTITY,
    OrganizationCreateRequest,
    OrganizationUpdate,
    create="Create an organization, optionally with new programs, in one transaction.",
    make=_create_with_programs,
)
