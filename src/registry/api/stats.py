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
from registry.schemas.common import PICKED, pick

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
    label: str = Field(description=PICKED)
    label_zh: str | None
    label_en: str
    value: float
    unit: str
    qualifier: str
    period_label: str | None = Field(description=PICKED)
    base: str | None = Field(
        description="What the figure is counted within or a share of, in the requested "
        "language: its population."
    )
    base_zh: str | None
    base_en: str | None
    base_value: float | None = Field(description="How many the base holds (61 programs).")
    share: float | None = Field(
        description="The figure as a percent of its base: the value itself for a percentage, "
        "a count divided by its base otherwise; null without a base."
    )
    same_base: bool | None = Field(
        description="For a share: whether its base holds as many as the registry's own "
        "population for the row (the group's `total`); when not, the two shares describe "
        "different populations. Null on totals, which compare counts."
    )


class StatRow(BaseModel):
    value: str | int
    label: str
    label_en: str
    label_zh: str
    count: int = Field(description="Computed from the registry's records.")
    share: float | None = Field(description="Percent of the group's total.")
    stated: list[StatedFigure] = Field(description="What the sources state for the same thing.")


class StatGroup(BaseModel):
    scope: str = Field(description=PICKED)
    scope_zh: str
    scope_en: str
    total: int = Field(description="How many records the scope holds: the rows' base.")
    rows: list[StatRow]


class Stats(BaseModel):
    totals: list[StatRow]
    programs_by_intervention_type: StatGroup
    programs_by_target_group: StatGroup
    programs_by_setting: StatGroup
    policies_by_year: StatGroup


def _scope(ctx: ReadContext, zh: str, en: str) -> dict[str, str]:
    return {"scope": zh if ctx.lang == "zh" else en, "scope_zh": zh, "scope_en": en}


router = APIRouter(tags=["stats"], dependencies=[Depends(reject_unknown_params)])


def _share(figure: Figure, unit: str) -> float | None:
    if unit == "percent":
        return figure.value
    if figure.base_value:
        return round(100 * figure.value / figure.base_value, 1)
    return None


def _stated(ctx: ReadContext) -> dict[str, list[StatedFigure]]:
    subjects = {s for group in STATED.values() for s in group}
    found: dict[str, list[StatedFigure]] = defaultdict(list)
    for figure in ctx.session.scalars(
        select(Figure)
        .where(Figure.subject.in_(subjects), Figure.deleted_at.is_(None))
        .order_by(Figure.slug)
    ):
        unit = ctx.vocab.by_id[figure.unit_id].code
        found[figure.subject].append(
            StatedFigure(
                slug=figure.slug,
                label=pick(figure.label_zh, figure.label_en, ctx.lang) or figure.label_en,
                label_zh=figure.label_zh,
                label_en=figure.label_en,
                value=figure.value,
                unit=unit,
                qualifier=ctx.vocab.by_id[figure.qualifier_id].code,
                period_label=pick(figure.period_label_zh, figure.period_label_en, ctx.lang),
                base=pick(figure.base_zh, figure.base_en, ctx.lang),
                base_zh=figure.base_zh,
                base_en=figure.base_en,
                base_value=figure.base_value,
                share=_share(figure, unit),
                same_base=False,
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
        stated=[
            f.model_copy(update={"same_base": f.base_value == total})
            for s in STATED.get((facet, value.value), ())
            for f in stated.get(s, [])
        ],
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
            **_scope(
                ctx,
                "受访项目（2024年扫描报告访谈的项目）",
                "Programs interviewed for the 2024 mapping report",
            ),
            total=facets.total,
            rows=[_row(name, v, facets.total, stated) for v in values],
        )
        for name, values in facets.facets.items()
    }
    policy_facets = compute_facets(ctx, filtersets["policy"], FilterValues({}, {}), ["year"], None)
    by_year = StatGroup(
        **_scope(ctx, "本登记库收录的政策", "Policies in the registry"),
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
                stated=[
                    f.model_copy(update={"same_base": None})
                    for s in STATED[("totals", code)]
                    for f in stated.get(s, [])
                ],
            )
            for code, en, zh, n in totals
        ],
        programs_by_intervention_type=groups["intervention_type"],
        programs_by_target_group=groups["target_group"],
        programs_by_setting=groups["setting"],
        policies_by_year=by_year,
    )
