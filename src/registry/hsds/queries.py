"""Which records an HSDS list holds, in what order, and loading them a page at a time.

A list is a `KeyQuery`: the sort keys (ending with the id) of every matching record. Pages
use LIMIT/OFFSET on it, NDJSON exports walk it by keyset, and the loaders below turn a
page of keys into HSDS objects with a fixed number of queries, whatever the page size.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Double,
    Select,
    String,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session, selectinload

from registry.entities import ENTITIES
from registry.errors import invalid_param
from registry.hsds import mapping
from registry.hsds.mapping import Context
from registry.hsds.schemas import (
    HsdsOrganization,
    HsdsOrganizationSummary,
    HsdsService,
    HsdsServiceAtLocation,
    HsdsServiceAtLocationSummary,
    HsdsServiceSummary,
    HsdsTaxonomy,
    HsdsTaxonomyTerm,
)
from registry.lists.fulltext import search_subquery
from registry.lists.keyset import SortKey, after, order_by
from registry.models import (
    Hotline,
    Organization,
    Program,
    ServiceStation,
    Vocabulary,
    VocabularyTerm,
    program_terms,
)
from registry.search import query_terms, tokens


@dataclass
class Filters:
    """HSDS list filters; every one given must hold (AND)."""

    search: str | None = None
    organization_id: uuid.UUID | None = None
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    modified_after: datetime | None = None
    parent_id: uuid.UUID | None = None


@dataclass
class KeyQuery:
    """Selects the sort keys (the id last), then any extra columns the loader needs."""

    stmt: Select[Any]
    keys: list[SortKey]

    def count(self, session: Session) -> int:
        counted = select(func.count()).select_from(self.stmt.order_by(None).subquery())
        return session.scalar(counted) or 0

    def page(self, session: Session, limit: int, offset: int) -> list[Sequence[Any]]:
        stmt = self.stmt.order_by(*order_by(self.keys)).limit(limit).offset(offset)
        return list(session.execute(stmt).all())

    def batches(self, session: Session, size: int) -> Iterator[Sequence[Sequence[Any]]]:
        """Every row, in keyset batches: memory stays flat however many match."""
        values: list[Any] | None = None
        while True:
            stmt = self.stmt
            if values is not None:
                stmt = stmt.where(after(self.keys, values))
            rows = list(session.execute(stmt.order_by(*order_by(self.keys)).limit(size)).all())
            if not rows:
                return
            yield rows
            if len(rows) < size:
                return
            values = list(rows[-1][: len(self.keys)])

    def ids(self, rows: Sequence[Sequence[Any]]) -> list[uuid.UUID]:
        return [row[len(self.keys) - 1] for row in rows]


def _search(session: Session, entity: str, text: str) -> Any:
    if not query_terms(text):
        raise invalid_param(
            "search", "nothing searchable: give letters, digits or Chinese characters"
        )
    return search_subquery(session, ENTITIES[entity].search_key, text)


def _rank(hits: Any) -> Any:
    """The relevance as a double: PostgreSQL's ts_rank is a float4, whose text form does not
    compare equal to itself once read back, so keyset batches would repeat tied rows."""
    return cast(hits.c.rank, Double)


def _term_ids(ctx: Context, f: Filters) -> Any | None:
    """The term ids an attribute must carry to pass the taxonomy filters, or None.

    A term also stands for its sub-terms, as in /api/v1 (`prevention_promotion` includes
    `counseling`). An unknown id matches nothing.
    """
    found: Any | None = None
    if f.taxonomy_term_id is not None:
        term = ctx.vocab.by_id.get(f.taxonomy_term_id)
        found = [f.taxonomy_term_id]
        if term is not None:
            found += [t.id for t in ctx.vocab.descendants(term)]
    if f.taxonomy_id is not None:
        in_taxonomy = select(VocabularyTerm.id).where(VocabularyTerm.vocabulary_id == f.taxonomy_id)
        if found is not None:
            in_taxonomy = in_taxonomy.where(VocabularyTerm.id.in_(found))
        found = in_taxonomy
    return found


def _single(
    session: Session,
    model: Any,
    conditions: list[ColumnElement[bool]],
    sorts: list[Any],
    *,
    search: tuple[str, str | None] = ("", None),
    join: tuple[Any, Any] | None = None,
) -> KeyQuery:
    """One table's list: by relevance when searched (entity, text), else by `sorts`; then id."""
    entity, text = search
    hits = _search(session, entity, text) if text else None
    exprs = [_rank(hits)] if hits is not None else sorts
    keys = [SortKey(f"k{i}", e, False) for i, e in enumerate(exprs)]
    keys.append(SortKey("id", model.id, False))
    stmt = select(*(k.expr for k in keys)).select_from(model)
    if join is not None:
        stmt = stmt.join(*join)
    if hits is not None:
        stmt = stmt.join(hits, hits.c.record_id == model.id)
    return KeyQuery(stmt.where(*conditions), keys)


def _matching(rows: Sequence[Sequence[Any]], text: str) -> list[uuid.UUID]:
    """Ids of (id, *texts) rows that match `text` as the search index would.

    Vocabularies are not in the full-text index; they are small (the API already loads
    every term per request), so their texts are tokenised here with the same rules.
    """
    terms = query_terms(text)
    if not terms:
        raise invalid_param(
            "search", "nothing searchable: give letters, digits or Chinese characters"
        )
    found = []
    for row in rows:
        record_id, texts = row[0], list(row[1:])
        words = tokens(texts).split()
        whole = set(words)
        if all(
            any(w.startswith(t.token) for w in words) if t.prefix else t.token in whole
            for t in terms
        ):
            found.append(record_id)
    return found


def service_keys(ctx: Context, f: Filters) -> KeyQuery:
    """Programs and hotlines in one list, ordered by English name (or relevance), then id."""
    term_ids = _term_ids(ctx, f)
    branches = []
    for kind, model, org in (
        ("program", Program, Program.organization_id),
        ("hotline", Hotline, Hotline.operator_id),
    ):
        conditions: list[ColumnElement[bool]] = [model.deleted_at.is_(None)]
        if f.organization_id is not None:
            conditions.append(org == f.organization_id)
        if f.modified_after is not None:
            conditions.append(model.updated_at >= f.modified_after)
        if term_ids is not None:
            if model is not Program:
                continue  # hotlines carry no codes
            linked = select(program_terms.c.program_id).where(program_terms.c.term_id.in_(term_ids))
            conditions.append(
                or_(Program.id.in_(linked), Program.intervention_type_id.in_(term_ids))
            )
        sort: Any = model.name_en
        stmt = select(model.id.label("id")).where(*conditions)
        if f.search:
            hits = _search(ctx.session, kind, f.search)
            stmt = stmt.join(hits, hits.c.record_id == model.id)
            sort = _rank(hits)
        branches.append(
            stmt.add_columns(sort.label("sort"), literal_column(f"'{kind}'", String).label("kind"))
        )
    union = branches[0] if len(branches) == 1 else branches[0].union_all(*branches[1:])
    sub = union.subquery("services")
    return KeyQuery(
        select(sub.c.sort, sub.c.id, sub.c.kind),
        [SortKey("sort", sub.c.sort, False), SortKey("id", sub.c.id, False)],
    )


def service_refs(rows: Sequence[Sequence[Any]]) -> list[tuple[uuid.UUID, str]]:
    """(id, kind) of each row of `service_keys`."""
    return [(row[1], row[2]) for row in rows]


def services(
    ctx: Context, refs: list[tuple[uuid.UUID, str]], *, detail: bool = False
) -> list[HsdsServiceSummary]:
    """Programs and hotlines, given as (id, kind), as services in that order."""
    wanted = {kind: [i for i, k in refs if k == kind] for kind in ("program", "hotline")}
    options = [selectinload(Program.organization)]
    if detail:
        options.append(selectinload(Program.terms))
    programs = {
        p.id: p
        for p in ctx.session.scalars(
            select(Program).where(Program.id.in_(wanted["program"])).options(*options)
        )
    }
    hotlines = {
        h.id: h
        for h in ctx.session.scalars(
            select(Hotline)
            .where(Hotline.id.in_(wanted["hotline"]))
            .options(selectinload(Hotline.operator), selectinload(Hotline.program))
        )
    }
    if not detail:
        return [
            mapping.program_service(programs[i], ctx)
            if kind == "program"
            else mapping.hotline_service(hotlines[i], ctx)
            for i, kind in refs
        ]
    terms = mapping.load_terms(
        ctx.session, {t for p in programs.values() for t in mapping.program_term_ids(p)}
    )
    metadata = {
        **mapping.load_metadata(ctx.session, "program", "service", wanted["program"]),
        **mapping.load_metadata(ctx.session, "hotline", "service", wanted["hotline"]),
    }
    found: list[HsdsServiceSummary] = []
    for record_id, kind in refs:
        if kind == "program":
            p = programs[record_id]
            summary = mapping.program_service(p, ctx)
            extra: dict[str, Any] = {
                "schedules": [],
                "service_areas": mapping.service_areas(p, ctx),
                "attributes": mapping.attributes(
                    p.id, "service", mapping.program_term_ids(p), terms, ctx
                ),
            }
        else:
            h = hotlines[record_id]
            summary = mapping.hotline_service(h, ctx)
            extra = {
                "schedules": mapping.hotline_schedules(h),
                "service_areas": [],
                "attributes": [],
            }
        found.append(HsdsService(**dict(summary), **extra, metadata=metadata[record_id]))
    return found


def find_service(session: Session, record_id: uuid.UUID) -> tuple[str, datetime | None] | None:
    """(kind, deleted_at) of the program or hotline with this id."""
    for kind, model in (("program", Program), ("hotline", Hotline)):
        row = session.execute(select(model.deleted_at).where(model.id == record_id)).first()
        if row is not None:
            return kind, row[0]
    return None


def organization_keys(ctx: Context, f: Filters) -> KeyQuery:
    return _single(
        ctx.session,
        Organization,
        [Organization.deleted_at.is_(None)],
        [Organization.name_en],
        search=("organization", f.search),
    )


def organizations(
    ctx: Context, ids: list[uuid.UUID], *, detail: bool = False
) -> list[HsdsOrganizationSummary]:
    orgs = {
        o.id: o for o in ctx.session.scalars(select(Organization).where(Organization.id.in_(ids)))
    }
    if not detail:
        return [mapping.organization_summary(orgs[i], ctx) for i in ids]
    programs = list(
        ctx.session.scalars(
            select(Program)
            .where(Program.organization_id.in_(ids), Program.deleted_at.is_(None))
            .order_by(Program.name_en, Program.id)
        )
    )
    hotlines = list(
        ctx.session.scalars(
            select(Hotline)
            .where(Hotline.operator_id.in_(ids), Hotline.deleted_at.is_(None))
            .order_by(Hotline.name_en, Hotline.id)
        )
    )
    stations = list(
        ctx.session.scalars(
            select(ServiceStation)
            .where(ServiceStation.operator_id.in_(ids), ServiceStation.deleted_at.is_(None))
            .order_by(ServiceStation.name_en, ServiceStation.id)
        )
    )
    term_ids = {o.id: [t for t in (o.kind_id, o.province_id) if t] for o in orgs.values()}
    terms = mapping.load_terms(ctx.session, {t for ts in term_ids.values() for t in ts})
    metadata = mapping.load_metadata(ctx.session, "organization", "organization", ids)
    found: list[HsdsOrganizationSummary] = []
    for i in ids:
        own = [p for p in programs if p.organization_id == i]
        services = [mapping.program_service(p, ctx, nested=False) for p in own]
        services += [
            mapping.hotline_service(h, ctx, nested=False) for h in hotlines if h.operator_id == i
        ]
        found.append(
            HsdsOrganization(
                **dict(mapping.organization_summary(orgs[i], ctx)),
                programs=[mapping.program(p, ctx) for p in own],
                services=services,
                locations=[mapping.location(s, ctx) for s in stations if s.operator_id == i],
                attributes=mapping.attributes(i, "organization", term_ids[i], terms, ctx),
                metadata=metadata[i],
            )
        )
    return found


def service_at_location_keys(ctx: Context, f: Filters) -> KeyQuery:
    station = ServiceStation
    conditions: list[ColumnElement[bool]] = [station.deleted_at.is_(None)]
    if f.organization_id is not None:
        conditions.append(station.operator_id == f.organization_id)
    if f.modified_after is not None:
        conditions.append(station.updated_at >= f.modified_after)
    term_ids = _term_ids(ctx, f)
    if term_ids is not None:
        conditions.append(
            or_(
                station.network_id.in_(term_ids),
                station.kind_id.in_(term_ids),
                station.province_id.in_(term_ids),
            )
        )
    return _single(
        ctx.session, station, conditions, [station.name_en], search=("service_station", f.search)
    )


def service_at_locations(
    ctx: Context, ids: list[uuid.UUID], *, detail: bool = False
) -> list[HsdsServiceAtLocationSummary]:
    """Service stations: the station is the location; no service is known to run there."""
    stations = {
        s.id: s
        for s in ctx.session.scalars(select(ServiceStation).where(ServiceStation.id.in_(ids)))
    }
    locations = [mapping.location(stations[i], ctx) for i in ids]
    summaries = [
        HsdsServiceAtLocationSummary(id=i, location_id=loc.id, location=loc)
        for i, loc in zip(ids, locations, strict=True)
    ]
    if not detail:
        return list(summaries)
    terms = mapping.load_terms(
        ctx.session, {t for s in stations.values() for t in mapping.station_term_ids(s)}
    )
    metadata = mapping.load_metadata(ctx.session, "service_station", "service_at_location", ids)
    return [
        HsdsServiceAtLocation(
            **dict(summary),
            attributes=mapping.attributes(
                summary.id,
                "service_at_location",
                mapping.station_term_ids(stations[summary.id]),
                terms,
                ctx,
            ),
            metadata=metadata[summary.id],
        )
        for summary in summaries
    ]


def taxonomy_keys(ctx: Context, f: Filters) -> KeyQuery:
    conditions: list[ColumnElement[bool]] = [Vocabulary.deleted_at.is_(None)]
    if f.search:
        rows = ctx.session.execute(
            select(
                Vocabulary.id,
                Vocabulary.name,
                Vocabulary.label_en,
                Vocabulary.label_zh,
                Vocabulary.description_en,
                Vocabulary.description_zh,
            ).where(*conditions)
        ).all()
        conditions.append(Vocabulary.id.in_(_matching(list(rows), f.search)))
    return _single(ctx.session, Vocabulary, conditions, [Vocabulary.name])


def taxonomies(ctx: Context, ids: list[uuid.UUID]) -> list[HsdsTaxonomy]:
    found = {v.id: v for v in ctx.session.scalars(select(Vocabulary).where(Vocabulary.id.in_(ids)))}
    return [mapping.taxonomy(found[i], ctx) for i in ids]


def taxonomy_term_keys(ctx: Context, f: Filters) -> KeyQuery:
    term = VocabularyTerm
    conditions: list[ColumnElement[bool]] = [
        term.deleted_at.is_(None),
        Vocabulary.deleted_at.is_(None),
    ]
    if f.taxonomy_id is not None:
        conditions.append(term.vocabulary_id == f.taxonomy_id)
    if f.parent_id is not None:
        conditions.append(term.parent_id == f.parent_id)
    if f.search:
        rows = ctx.session.execute(
            select(
                term.id,
                term.code,
                term.label_en,
                term.label_zh,
                term.description_en,
                term.description_zh,
            )
            .join(Vocabulary, Vocabulary.id == term.vocabulary_id)
            .where(*conditions)
        ).all()
        conditions.append(term.id.in_(_matching(list(rows), f.search)))
    return _single(
        ctx.session,
        term,
        conditions,
        [Vocabulary.name, term.position, term.code],
        join=(Vocabulary, Vocabulary.id == term.vocabulary_id),
    )


def taxonomy_terms(ctx: Context, ids: list[uuid.UUID]) -> list[HsdsTaxonomyTerm]:
    found = mapping.load_terms(ctx.session, set(ids))
    metadata = mapping.load_metadata(ctx.session, "vocabulary_term", "taxonomy_term", ids)
    return [mapping.taxonomy_term(found[i], ctx, detail=True, metadata=metadata[i]) for i in ids]
