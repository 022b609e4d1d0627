"""/api/v1/policies: policy documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import ConfigDict

from registry.api.deps import ReadDep, reject_unknown_params
from registry.api.facets import Facets, compute_facets, facet_names
from registry.api.filters import FilterSet, FilterValues, RangeFilter, TermFilter, term_link
from registry.api.lifecycle import add_lifecycle_routes
from registry.api.listing import ListParams, list_params, list_response
from registry.api.openapi import DETAIL_ERRORS, EXPORTABLE_LIST, LIST_ERRORS
from registry.api.responses import get_one
from registry.api.writing import (
    CREATE_ERRORS,
    EditorDep,
    IdempotencyKeyHeader,
    create_response,
)
from registry.entities import ENTITIES
from registry.models import Policy, policy_terms
from registry.records import write
from registry.schemas.listing import SNIPPET, Page, only_id_required
from registry.schemas.policy import PolicyCreate, PolicyRead, PolicyUpdate

ENTITY = ENTITIES["policy"]


FILTERS = FilterSet(
    entity=ENTITIES["policy"],
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


router = APIRouter(
    prefix="/api/v1/policies", tags=["policies"], dependencies=[Depends(reject_unknown_params)]
)
Ref = Annotated[str, Path(description="UUID or slug.", max_length=120)]
Filters = Annotated[FilterValues, Depends(FILTERS.dependency())]


@router.get("", operation_id="list_policies", response_model=PolicyPage, responses=EXPORTABLE_LIST)
def list_policies(
    ctx: ReadDep,
    request: Request,
    filters: Filters,
    params: Annotated[ListParams, Depends(list_params)],
) -> Response:
    """Policies matching every filter; by default in timeline order."""
    return list_response(ctx, request, FILTERS, filters, params, PolicyItem)


@router.get("/facets", operation_id="policy_facets", response_model=Facets, responses=LIST_ERRORS)
def policy_facets(
    ctx: ReadDep,
    filters: Filters,
    facet: Annotated[list[str], Depends(facet_names(FILTERS))],
    q: Annotated[str | None, Query(max_length=200, description="Search, as on the list.")] = None,
) -> Facets:
    """Counts by year, level, topic and issuing body, disjunctive per facet."""
    return compute_facets(ctx, FILTERS, filters, facet, q)


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
    return create_response(
        ctx,
        request,
        ENTITY,
        body,
        idempotency_key,
        lambda: write.create(ctx.session, ENTITY, body, ctx.vocab, ctx.actor.name),
    )


add_lifecycle_routes(router, ENTITY, PolicyUpdate)
