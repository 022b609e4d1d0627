"""/api/v1/policies: policy documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import ConfigDict

from registry.api.deps import ReadDep
from registry.api.filters import FilterSet, FilterValues, RangeFilter, TermFilter, term_link
from registry.api.lifecycle import add_lifecycle_routes
from registry.api.listing import list_response
from registry.api.openapi import DETAIL_ERRORS, EXPORTABLE_LIST
from registry.api.responses import get_one
from registry.api.routes import Params, Ref, add_facets_route, resource_router
from registry.api.writing import (
    CREATE_ERRORS,
    EditorDep,
    IdempotencyKeyHeader,
    create_record,
)
from registry.entities import ENTITIES
from registry.models import Policy, policy_terms
from registry.schemas.listing import SNIPPET, Page, only_id_required
from registry.schemas.policy import PolicyCreate, PolicyRead, PolicyUpdate

ENTITY = ENTITIES["policy"]


FILTERS = FilterSet(
    entity=ENTITY,
    filters=[
        TermFilter(
            "level",
            "policy_level",
            "National or provincial.",
            "national",
            Policy.id,
            column=Policy.level_id,
        ),
        TermFilter(
            "province",
            "province",
            "Province of a provincial policy.",
            "CN-GD",
            Policy.id,
            column=Policy.province_id,
        ),
        TermFilter(
            "topic",
            "policy_topic",
            "Topic.",
            "left_behind_children",
            Policy.id,
            link=term_link(policy_terms, "policy_id", "policy_topic"),
        ),
        TermFilter(
            "issuing_body",
            "issuing_body",
            "Issuing body.",
            "moe",
            Policy.id,
            link=term_link(policy_terms, "policy_id", "issuing_body"),
        ),
        RangeFilter("year", Policy.year, "Year issued", 2016, facet=True),
    ],
    sorts={
        "year": Policy.year,
        "date": Policy.date,
        "title_zh": Policy.title_zh_sort,
        "title_en": Policy.title_en,
        "created_at": Policy.created_at,
        "updated_at": Policy.updated_at,
    },
    default_sort=["year", "title_zh"],
)


class PolicyItem(PolicyRead):
    """A policy in a list."""

    model_config = ConfigDict(json_schema_extra=only_id_required)
    snippet: str | None = SNIPPET


class PolicyPage(Page[PolicyItem]):
    """A page of policies."""


router = resource_router(ENTITY)
Filters = Annotated[FilterValues, Depends(FILTERS.dependency())]


@router.get("", operation_id="list_policies", response_model=PolicyPage, responses=EXPORTABLE_LIST)
def list_policies(
    ctx: ReadDep,
    request: Request,
    filters: Filters,
    params: Params,
) -> Response:
    """Policies matching every filter; by default in timeline order."""
    return list_response(ctx, request, FILTERS, filters, params, PolicyItem)


add_facets_route(
    router,
    FILTERS,
    """Counts by year, level, topic and issuing body, disjunctive per facet.""",
)


@router.get("/{ref}", operation_id="get_policy", response_model=PolicyRead, responses=DETAIL_ERRORS)
def get_policy(ctx: ReadDep, ref: Ref) -> Response:
    """One policy by UUID or slug."""
    return get_one(ctx, ENTITY, ref)


@router.post(
    "",
    operation_id="create_policy",
    status_code=201,
    response_model=PolicyRead,
    responses=CREATE_ERRORS,
)
def create_policy(
    ctx: EditorDep,
    request: Request,
    body: PolicyCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Create a policy."""
    return create_record(ctx, request, ENTITY, body, idempotency_key)


add_lifecycle_routes(router, ENTITY, PolicyUpdate)
