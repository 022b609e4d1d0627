"""/api/v1/stats: headline figures computed from the records, beside what the sources state."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from registry.api.deps import ReadContext, ReadDep, reads, reject_unknown_params
from registry.api.facets import FacetValue, compute_facets
from registry.api.filters import FilterValues
from registry.api.openapi import problems
from registry.models import Figure

# Which stated figures (by subject) speak to which computed count.
STATED: dict[tuple[str, str | int], tuple[str, ...]] = {
    ("intervention_type", "prevention_promotion"): (
        "survey.interviewed_programs_prevention_promotion",
    ),
    ("target_group", "primary"): ("survey.programs_targeting_primary_school",),
    ("target_group", "middle"): ("survey.programs_targeting_middle_school",),
    ("target_group", "high"): ("survey.programs_targeting_high_school",),
    ("setting", "school"): ("survey.programs_school_setting",),
    ("setting", "community"): ("survey.programs_community_setting",),
    ("totals", "interviewed_programs"): ("survey.programs_interviewed",),
    ("totals", "programs"): ("survey.programs_included",),
    ("totals", "organizations"): ("survey.organizations_included",),
    ("totals", "national_policies"): ("policy.national_documents",),
}


class StatedFigure(BaseModel):
    slug: str
    label_en: str
    value: float
    unit: str
    qualifier: str
    period_label: str | None


class StatRow(BaseModel):
    value: str | int
    label: str
    label_en: str
    label_zh: str
    count: int = Field(description="Computed from the registry's records.")
    share: float | None = Field(description="Percent of the group's total.")
    stated: list[StatedFigure] = Field(description="What the sources state for the same thing.")


class StatGroup(BaseModel):
    scope: str
    total: int
    rows: list[StatRow]


class Stats(BaseModel):
    totals: list[StatRow]
    programs_by_intervention_type: StatGroup
    programs_by_target_group: StatGroup
    programs_by_setting: StatGroup
    policies_by_year: StatGroup


router = APIRouter(tags=["stats"], dependencies=[Depends(reject_unknown_params)])


def _stated(ctx: ReadContext) -> dict[str, list[StatedFigure]]:
    subjects = {s for group in STATED.values() for s in group}
    found: dict[str, list[StatedFigure]] = defaultdict(list)
    for figure in ctx.session.scalars(
        select(Figure)
        .where(Figure.subject.in_(subjects), Figure.deleted_at.is_(None))
        .order_by(Figure.slug)
    ):
        found[figure.subject].append(
            StatedFigure(
                slug=figure.slug,
                label_en=figure.label_en,
                value=figure.value,
                unit=ctx.vocab.by_id[figure.unit_id].code,
                qualifier=ctx.vocab.by_id[figure.qualifier_id].code,
                period_label=figure.period_label,
            )
        )
    return found


def _row(
    facet: str, value: FacetValue, total: int, stated: dict[str, list[StatedFigure]]
) -> StatRow:
    return StatRow(
        value=value.value if not isinstance(value.value, bool) else str(value.value),
        label=value.label,
        label_en=value.label_en,
        label_zh=value.label_zh,
        count=value.count,
        share=round(100 * value.count / total, 1) if total else None,
        stated=[f for s in STATED.get((facet, value.value), ()) for f in stated.get(s, [])],
    )


@router.get(
    "/api/v1/stats", operation_id="get_stats", response_model=Stats, responses=problems(422)
)
@reads
def get_stats(ctx: ReadDep, request: Request) -> Stats:
    """Programs by intervention type, target group and setting (over the interviewed
    programs, the report's own base) and policies by year, each beside the figure the
    source states, so an analyst sees where the registry and the report agree."""
    stated = _stated(ctx)
    filtersets = request.app.state.filtersets
    interviewed = FilterValues({"interviewed": True}, {})
    facets = compute_facets(
        ctx,
        filtersets["program"],
        interviewed,
        ["intervention_type", "target_group", "setting"],
        None,
    )
    groups = {
        name: StatGroup(
            scope="Programs interviewed for the 2024 mapping report",
            total=facets.total,
            rows=[_row(name, v, facets.total, stated) for v in values],
        )
        for name, values in facets.facets.items()
    }
    policy_facets = compute_facets(ctx, filtersets["policy"], FilterValues({}, {}), ["year"], None)
    by_year = StatGroup(
        scope="Policies in the registry",
        total=policy_facets.total,
        rows=[_row("year", v, policy_facets.total, stated) for v in policy_facets.facets["year"]],
    )

    def count(model: Any) -> int:
        live = select(func.count()).select_from(model).where(model.deleted_at.is_(None))
        return ctx.session.scalar(live) or 0

    national = compute_facets(ctx, filtersets["policy"], FilterValues({}, {}), ["level"], None)
    national_count = next(v.count for v in national.facets["level"] if v.value == "national")
    totals = [
        ("interviewed_programs", "Interviewed programs", "受访项目", facets.total),
        ("programs", "Programs", "项目", count(filtersets["program"].model)),
        ("organizations", "Organizations", "机构", count(filtersets["organization"].model)),
        ("national_policies", "National policies", "国家级政策", national_count),
    ]
    return Stats(
        totals=[
            StatRow(
                value=code,
                label=zh if ctx.lang == "zh" else en,
                label_en=en,
                label_zh=zh,
                count=n,
                share=None,
                stated=[f for s in STATED[("totals", code)] for f in stated.get(s, [])],
            )
            for code, en, zh, n in totals
        ],
        programs_by_intervention_type=groups["intervention_type"],
        programs_by_target_group=groups["target_group"],
        programs_by_setting=groups["setting"],
        policies_by_year=by_year,
    )
