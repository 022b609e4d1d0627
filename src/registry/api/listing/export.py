"""Exports: every matching row, read by one statement in a session of its own."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.api.deps import ReadContext
from registry.api.filters import FilterSet
from registry.api.listing.items import Enricher, render_items
from registry.api.listing.params import ListParams
from registry.api.listing.query import ListQuery, export_rows
from registry.api.replica import ReadRoute, min_change
from registry.lists import exports
from registry.lists.exports import EXPORT_BATCH
from registry.models import Source
from registry.records import lean
from registry.roundtrip import SERVER_OWNED
from registry.vocab import VocabIndex

_PAIR = ("_zh", "_en")


def export_columns(
    item_model: type[BaseModel], params: ListParams, enrich: Enricher | None
) -> list[str]:
    """The record's fields, plus the list-only ones that `q` or `include` fill in."""
    record_model = typing.cast(type[BaseModel], item_model.__mro__[1])  # the read schema
    record_fields = record_model.model_fields
    columns = list(record_fields)
    for name in item_model.model_fields:
        if name in record_fields:
            continue
        if (name == "snippet" and params.q) or (name != "snippet" and enrich is not None):
            columns.append(name)
    return columns


def export_response(
    request: Request,
    fs: FilterSet,
    query: ListQuery,
    params: ListParams,
    columns: list[str],
    kind: str,
    ctx: ReadContext,
    enrich: Enricher | None,
) -> StreamingResponse:
    route: ReadRoute = request.app.state.reads
    factory = route.factory(min_change(request))

    def batches(plan: lean.Plan | None) -> Iterator[tuple[ReadContext, list[Any]]]:
        """Batches of `export_rows` in a session of its own: memory stays flat however
        many rows match."""
        session: Session = factory()
        try:
            lang = params.labels or ctx.lang
            vocab = VocabIndex.load(session, lang)
            sources = {s.id: s for s in session.scalars(select(Source))}
            own = ReadContext(session, vocab, sources, lang)
            for rows in export_rows(session, query, plan, EXPORT_BATCH):
                yield own, rows
        finally:
            session.close()

    def items() -> Iterator[list[dict[str, Any]]]:
        for own, rows in batches(None):
            # JSON values; the formats write times as the JSON API does
            yield render_items(own, fs, [r[0] for r in rows], params, enrich, columns)

    if kind != "csv":
        return exports.ndjson_response(items(), columns)
    name = fs.entity.resource or fs.entity.name.replace("_", "-")
    if params.labels:
        # A person reads each text in one language, and a record by its slug, not its server
        # columns (unless `fields` asks for them).
        if not params.fields:
            columns = [
                c
                for c in columns
                if (c[:-3] not in columns or c[-3:] not in _PAIR) and c not in SERVER_OWNED
            ]

        def labelled() -> Iterator[list[list[str]]]:
            for own, rows in batches(None):
                values = render_items(own, fs, [r[0] for r in rows], params, enrich, columns)
                yield [
                    [cell for c in columns for cell in lean.labelled_cells(c, i.get(c), own.vocab)]
                    for i in values
                ]

        filename = f"{name}-{params.labels}.csv"
        return exports.csv_response(
            lean.header(columns, lean.LABELLED_PROVENANCE), labelled(), filename
        )
    plan = lean.plan(fs.entity)
    fields = [c for c in columns if c in plan.cells]
    extra = [c for c in columns if c not in plan.cells]

    def cells() -> Iterator[list[list[str]]]:
        # Record fields straight from rows; what a search or `include` adds, from its items.
        reader: lean.CellReader | None = None
        for own, rows in batches(plan):
            reader = reader or lean.CellReader(fs.entity, fields, own.vocab, own.sources)
            out = reader.cells(rows)
            if extra:
                ids = [row[plan.id_index] for row in rows]
                added = render_items(own, fs, ids, params, enrich, extra)
                pairs = zip(out, added, strict=True)
                out = [row + [lean.flat(i.get(c)) for c in extra] for row, i in pairs]
            yield out

    return exports.csv_response(lean.header(fields) + extra, cells(), f"{name}.csv")
