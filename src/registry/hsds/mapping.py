"""Registry rows to HSDS 3.0 objects. Relationships must be loaded by the caller."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.hsds import derived_id
from registry.hsds.schemas import (
    HsdsAttribute,
    HsdsLocation,
    HsdsMetadata,
    HsdsOrganizationSummary,
    HsdsProgram,
    HsdsSchedule,
    HsdsServiceArea,
    HsdsServiceSummary,
    HsdsTaxonomy,
    HsdsTaxonomyTerm,
)
from registry.models import (
    Change,
    Hotline,
    Organization,
    Program,
    ServiceStation,
    Vocabulary,
    VocabularyTerm,
)
from registry.schemas.common import pick
from registry.vocab import VocabIndex

# China keeps one time zone, so every opening time we hold is UTC+8.
CHINA_UTC_OFFSET = 8
_DAILY = re.compile(r"^daily (\d{2}:\d{2})\s*[–-]\s*(\d{2}:\d{2})$")


@dataclass
class Context:
    session: Session
    vocab: VocabIndex
    lang: str
    base_url: str  # ends with "/"

    def api_url(self, path: str) -> str:
        return f"{self.base_url}api/v1/{path}"


def names(zh: str | None, en: str | None, lang: str) -> tuple[str, str | None]:
    """HSDS name and alternate_name: the requested language first (or the only one), the
    other as alternate."""
    if (lang == "zh" and zh) or not en:
        return zh or "", en
    return en, zh


def _label(en: str, zh: str, lang: str) -> str:
    return zh if lang == "zh" else en


def load_terms(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, VocabularyTerm]:
    """The terms a page links to, with their vocabularies, in one query."""
    if not ids:
        return {}
    rows = session.scalars(
        select(VocabularyTerm)
        .where(VocabularyTerm.id.in_(ids))
        .options(selectinload(VocabularyTerm.vocabulary))
    )
    return {t.id: t for t in rows}


def taxonomy(vocabulary: Vocabulary, ctx: Context) -> HsdsTaxonomy:
    return HsdsTaxonomy(
        id=vocabulary.id,
        name=_label(vocabulary.label_en, vocabulary.label_zh, ctx.lang),
        # HSDS requires a description; the bilingual label stands in where we wrote none.
        description=pick(vocabulary.description_zh, vocabulary.description_en, ctx.lang)
        or f"{vocabulary.label_en} / {vocabulary.label_zh}",
        uri=ctx.api_url(f"vocabularies/{vocabulary.name}"),
    )


def taxonomy_term(
    term: VocabularyTerm,
    ctx: Context,
    *,
    detail: bool = False,
    metadata: list[HsdsMetadata] | None = None,
) -> HsdsTaxonomyTerm:
    vocabulary = term.vocabulary
    return HsdsTaxonomyTerm(
        id=term.id,
        code=term.code,
        name=_label(term.label_en, term.label_zh, ctx.lang),
        description=pick(term.description_zh, term.description_en, ctx.lang)
        or f"{term.label_en} / {term.label_zh}",
        parent_id=term.parent_id,
        taxonomy=vocabulary.name,
        taxonomy_id=vocabulary.id,
        language=ctx.lang,
        term_uri=ctx.api_url(f"vocabularies/{vocabulary.name}/terms/{term.code}"),
        taxonomy_detail=taxonomy(vocabulary, ctx) if detail else None,
        metadata=metadata,
    )


def attributes(
    link_id: uuid.UUID,
    link_entity: str,
    term_ids: list[uuid.UUID],
    terms: dict[uuid.UUID, VocabularyTerm],
    ctx: Context,
) -> list[HsdsAttribute]:
    linked = sorted(
        (terms[t] for t in set(term_ids)),
        key=lambda t: (t.vocabulary.name, t.position, t.code),
    )
    return [
        HsdsAttribute(
            id=derived_id("attribute", link_id, term.id),
            link_id=link_id,
            link_type=term.vocabulary.name,
            link_entity=link_entity,
            taxonomy_term_id=term.id,
            taxonomy_term=taxonomy_term(term, ctx),
        )
        for term in linked
    ]


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def load_metadata(
    session: Session, entity: str, resource_type: str, ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[HsdsMetadata]]:
    """Each record's change log as HSDS metadata, one item per changed field, oldest first.

    `entity` is the change log's entity name; one query serves a whole page.
    """
    found: dict[uuid.UUID, list[HsdsMetadata]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = session.scalars(
        select(Change).where(Change.entity == entity, Change.record_id.in_(ids)).order_by(Change.id)
    )
    for change in rows:
        for field, (before, after) in change.changes.items():
            found[change.record_id].append(
                HsdsMetadata(
                    id=derived_id("metadata", change.id, field),
                    resource_id=change.record_id,
                    resource_type=resource_type,
                    last_action_date=_utc(change.at),
                    last_action_type=change.action,
                    field_name=field,
                    previous_value=_text(before),
                    replacement_value=_text(after),
                    # The token's name: the change log never holds a secret.
                    updated_by=change.actor,
                )
            )
    return found


def organization_summary(org: Organization, ctx: Context) -> HsdsOrganizationSummary:
    name, alternate = names(org.name_zh, org.name_en, ctx.lang)
    kind = ctx.vocab.by_id[org.kind_id]
    return HsdsOrganizationSummary(
        id=org.id,
        name=name,
        alternate_name=alternate,
        description=pick(org.description_zh, org.description_en, ctx.lang) or "",
        website=org.website if org.website and _is_web_url(org.website) else None,
        year_incorporated=org.founded_year,
        legal_status=_label(kind.label_en, kind.label_zh, ctx.lang),
        uri=ctx.api_url(f"organizations/{org.id}"),
    )


def _is_web_url(value: str) -> bool:
    return re.match(r"^https?://[^\s/]+\S*$", value) is not None


def program(obj: Program, ctx: Context) -> HsdsProgram:
    name, alternate = names(obj.name_zh, obj.name_en, ctx.lang)
    return HsdsProgram(
        id=obj.id,
        organization_id=obj.organization_id,
        name=name,
        alternate_name=alternate,
        description=pick(obj.description_zh, obj.description_en, ctx.lang) or "",
    )


def program_term_ids(obj: Program) -> list[uuid.UUID]:
    ids = [t.id for t in obj.terms]
    if obj.intervention_type_id is not None:
        ids.append(obj.intervention_type_id)
    return ids


def _service(
    obj: Program | Hotline,
    ctx: Context,
    ids: tuple[uuid.UUID, uuid.UUID | None],
    nested: tuple[HsdsOrganizationSummary | None, HsdsProgram | None],
    eligibility: str | None = None,
) -> HsdsServiceSummary:
    """A program or hotline as a service; `ids` are its organization's and program's."""
    name, alternate = names(obj.name_zh, obj.name_en, ctx.lang)
    return HsdsServiceSummary(
        id=obj.id,
        organization_id=ids[0],
        program_id=ids[1],
        name=name,
        alternate_name=alternate,
        description=pick(obj.description_zh, obj.description_en, ctx.lang),
        status="active",
        eligibility_description=eligibility,
        last_modified=obj.updated_at.astimezone(UTC),
        organization=nested[0],
        program=nested[1],
    )


def program_service(obj: Program, ctx: Context, *, nested: bool = True) -> HsdsServiceSummary:
    """A program as a service. It is also the HSDS program that groups it with its hotlines."""
    inner = (organization_summary(obj.organization, ctx), program(obj, ctx)) if nested else None
    return _service(obj, ctx, (obj.organization_id, obj.id), inner or (None, None))


def hotline_service(obj: Hotline, ctx: Context, *, nested: bool = True) -> HsdsServiceSummary:
    grouping = program(obj.program, ctx) if nested and obj.program else None
    inner = (organization_summary(obj.operator, ctx) if nested else None, grouping)
    return _service(
        obj,
        ctx,
        (obj.operator_id, obj.program_id),
        inner,
        pick(obj.audience_zh, obj.audience_en, ctx.lang),
    )


def hotline_schedules(obj: Hotline) -> list[HsdsSchedule]:
    """The hours as printed; "daily HH:MM–HH:MM" also as an iCal-style weekly rule."""
    if not obj.hours_en:
        return []
    schedule = HsdsSchedule(
        id=derived_id("schedule", obj.id), service_id=obj.id, description=obj.hours_en
    )
    daily = _DAILY.match(obj.hours_en)
    if daily:
        offset = f"+{CHINA_UTC_OFFSET:02d}:00"
        schedule.freq = "WEEKLY"
        schedule.byday = "MO,TU,WE,TH,FR,SA,SU"
        schedule.opens_at = daily.group(1) + offset
        schedule.closes_at = daily.group(2) + offset
        schedule.timezone = CHINA_UTC_OFFSET
    return [schedule]


def service_areas(obj: Program, ctx: Context) -> list[HsdsServiceArea]:
    """The provinces a program serves."""
    provinces = sorted(
        (
            ctx.vocab.by_id[t.id]
            for t in obj.terms
            if ctx.vocab.by_id[t.id].vocabulary == "province"
        ),
        key=lambda t: (t.position, t.code),
    )
    return [
        HsdsServiceArea(
            id=derived_id("service_area", obj.id, t.id),
            service_id=obj.id,
            name=_label(t.label_en, t.label_zh, ctx.lang),
            extent=t.code,
            extent_type="text",
        )
        for t in provinces
    ]


def station_term_ids(obj: ServiceStation) -> list[uuid.UUID]:
    return [t for t in (obj.network_id, obj.kind_id, obj.province_id) if t is not None]


def location(obj: ServiceStation, ctx: Context) -> HsdsLocation:
    name, alternate = names(obj.name_zh, obj.name_en, ctx.lang)
    return HsdsLocation(
        id=derived_id("location", obj.id),
        location_type="physical",
        organization_id=obj.operator_id,
        name=name,
        alternate_name=alternate,
        description=pick(obj.description_zh, obj.description_en, ctx.lang),
        external_identifier=obj.slug,
        external_identifier_type="registry slug",
    )
