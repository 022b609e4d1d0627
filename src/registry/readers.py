"""ORM rows to read schemas. Relationships must be loaded by the caller (no lazy loads)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import selectinload, with_expression
from sqlalchemy.orm.interfaces import LoaderOption

from registry.models import (
    Figure,
    Hotline,
    HotlineMetric,
    Organization,
    Policy,
    Program,
    ProgramPartner,
    ServiceStation,
    Source,
    program_terms,
)
from registry.schemas.common import OrganizationSummary, Provenance, QualityNote, SourceRef
from registry.schemas.figure import FigureRead
from registry.schemas.hotline import HotlineMetricRead, HotlineRead, HotlineSummary, ProgramSummary
from registry.schemas.organization import OrganizationRead
from registry.schemas.policy import PolicyRead
from registry.schemas.program import PartnerRead, ProgramRead
from registry.schemas.service_station import ServiceStationRead
from registry.vocab import VocabIndex


def _record(obj: Any) -> dict[str, Any]:
    return {
        "id": obj.id,
        "version": obj.version,
        "created_at": obj.created_at,
        "updated_at": obj.updated_at,
        "deleted_at": obj.deleted_at,
    }


def _provenance(obj: Any, sources: dict[Any, Source]) -> Provenance:
    source = sources.get(obj.source_id)
    return Provenance(
        source=SourceRef(key=source.key, title_en=source.title_en) if source else None,
        locator=obj.source_locator,
        data_quality=[QualityNote.model_validate(n) for n in obj.data_quality or []],
    )


def _org(org: Organization | None) -> OrganizationSummary | None:
    return None if org is None else OrganizationSummary.model_validate(org)


def organization(obj: Organization, v: VocabIndex, sources: dict[Any, Source]) -> OrganizationRead:
    return OrganizationRead(
        **_record(obj),
        slug=obj.slug,
        name_zh=obj.name_zh,
        name_en=obj.name_en,
        aliases=obj.aliases,
        kind=v.term(obj.kind_id),
        province=v.ref(obj.province_id),
        city=obj.city,
        founded_year=obj.founded_year,
        website=obj.website,
        description=obj.description,
        provenance=_provenance(obj, sources),
    )


def _term_ids(obj: Program) -> list[uuid.UUID]:
    if obj.term_ids is None:  # not loaded with LOAD_OPTIONS (a write's own object)
        return [t.id for t in obj.terms]
    return [uuid.UUID(t) for t in obj.term_ids.split(",") if t]


def program(obj: Program, v: VocabIndex, sources: dict[Any, Source]) -> ProgramRead:
    terms = v.grouped(_term_ids(obj))
    return ProgramRead(
        **_record(obj),
        slug=obj.slug,
        name_zh=obj.name_zh,
        name_en=obj.name_en,
        aliases=obj.aliases,
        components=obj.components,
        organization=OrganizationSummary.model_validate(obj.organization),
        partners=[
            PartnerRead(
                organization=OrganizationSummary.model_validate(p.organization),
                role=v.term(p.role_id),
            )
            for p in sorted(
                obj.partners, key=lambda p: (v.by_id[p.role_id].position, p.organization.slug)
            )
        ],
        intervention_type=v.ref(obj.intervention_type_id),
        course_based=obj.course_based,
        established_year=obj.established_year,
        interviewed=obj.interviewed,
        target_groups=terms.get("target_group", []),
        settings=terms.get("setting", []),
        ecological_levels=terms.get("ecological_level", []),
        elements=terms.get("element", []),
        provinces=terms.get("province", []),
        description=obj.description,
        provenance=_provenance(obj, sources),
    )


def policy(obj: Policy, v: VocabIndex, sources: dict[Any, Source]) -> PolicyRead:
    term_ids = [t.id for t in obj.terms]
    return PolicyRead(
        **_record(obj),
        slug=obj.slug,
        title_zh=obj.title_zh,
        title_en=obj.title_en,
        year=obj.year,
        date=obj.date,
        level=v.term(obj.level_id),
        province=v.ref(obj.province_id),
        issuer_zh=obj.issuer_zh,
        issuing_bodies=v.refs(term_ids, "issuing_body"),
        topics=v.refs(term_ids, "policy_topic"),
        summary=obj.summary,
        provenance=_provenance(obj, sources),
    )


def service_station(
    obj: ServiceStation, v: VocabIndex, sources: dict[Any, Source]
) -> ServiceStationRead:
    return ServiceStationRead(
        **_record(obj),
        slug=obj.slug,
        name_en=obj.name_en,
        name_zh=obj.name_zh,
        network=v.term(obj.network_id),
        kind=v.term(obj.kind_id),
        province=v.ref(obj.province_id),
        city=obj.city,
        operator=_org(obj.operator),
        established_date=obj.established_date,
        established_year=obj.established_year,
        description=obj.description,
        provenance=_provenance(obj, sources),
    )


def hotline(obj: Hotline, v: VocabIndex, sources: dict[Any, Source]) -> HotlineRead:
    return HotlineRead(
        **_record(obj),
        slug=obj.slug,
        name_zh=obj.name_zh,
        name_en=obj.name_en,
        operator=OrganizationSummary.model_validate(obj.operator),
        program=None if obj.program is None else ProgramSummary.model_validate(obj.program),
        audience=obj.audience,
        launch_date=obj.launch_date,
        launch_year=obj.launch_year,
        hours=obj.hours,
        description=obj.description,
        provenance=_provenance(obj, sources),
    )


def hotline_metric(
    obj: HotlineMetric, v: VocabIndex, sources: dict[Any, Source]
) -> HotlineMetricRead:
    return HotlineMetricRead(
        **_record(obj),
        slug=obj.slug,
        hotline=HotlineSummary.model_validate(obj.hotline),
        metric=v.term(obj.metric_id),
        value=obj.value,
        unit=v.term(obj.unit_id),
        qualifier=v.term(obj.qualifier_id),
        as_of_date=obj.as_of_date,
        period_start=obj.period_start,
        period_end=obj.period_end,
        date_precision=obj.date_precision,
        period_label=obj.period_label,
        note=obj.note,
        provenance=_provenance(obj, sources),
    )


def figure(obj: Figure, v: VocabIndex, sources: dict[Any, Source]) -> FigureRead:
    return FigureRead(
        **_record(obj),
        slug=obj.slug,
        subject=obj.subject,
        population=obj.population,
        label_en=obj.label_en,
        value=obj.value,
        unit=v.term(obj.unit_id),
        qualifier=v.term(obj.qualifier_id),
        year=obj.year,
        period_label=obj.period_label,
        organization=_org(obj.organization),
        program=None if obj.program is None else ProgramSummary.model_validate(obj.program),
        cited_source=obj.cited_source,
        note=obj.note,
        provenance=_provenance(obj, sources),
    )


# What each reader touches, loaded in one query per relationship rather than one per row.
_SUMMARY = (Organization.id, Organization.slug, Organization.name_zh, Organization.name_en)
_PROGRAM_TERM_IDS = func.coalesce(
    select(func.aggregate_strings(cast(program_terms.c.term_id, String), ","))
    .where(program_terms.c.program_id == Program.id)
    .scalar_subquery(),
    "",
)

LOAD_OPTIONS: dict[type[Any], list[LoaderOption]] = {
    Organization: [],
    Program: [
        # Only what the read schema shows: lists load these for every row of a page.
        selectinload(Program.organization).load_only(*_SUMMARY),
        with_expression(Program.term_ids, _PROGRAM_TERM_IDS),
        selectinload(Program.partners)
        .selectinload(ProgramPartner.organization)
        .load_only(*_SUMMARY),
    ],
    Policy: [selectinload(Policy.terms)],
    ServiceStation: [selectinload(ServiceStation.operator)],
    Hotline: [selectinload(Hotline.operator), selectinload(Hotline.program)],
    HotlineMetric: [selectinload(HotlineMetric.hotline)],
    Figure: [selectinload(Figure.organization), selectinload(Figure.program)],
}
