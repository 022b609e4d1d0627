"""/api/v1/policies: policy documents."""

from __future__ import annotations

from registry.api.filters import FilterSet, RangeFilter, TermFilter, term_link
from registry.api.routes import add_record_routes, list_router
from registry.entities import ENTITIES
from registry.models import Policy, policy_terms
from registry.schemas.policy import PolicyCreate, PolicyUpdate

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
    },
    default_sort=["year", "title_zh"],
)

router = list_router(
    FILTERS,
    "Policies matching every filter; by default in timeline order.",
    facets="Counts by year, level, topic and issuing body, disjunctive per facet.",
)
add_record_routes(router, ENTITY, PolicyCreate, PolicyUpdate)
