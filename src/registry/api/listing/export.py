"""Exports: every matching row, read in keyset batches in a session of its own."""

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
from registry.api.listing.query import ListQuery, sql_rows
from registry.lists import exports
from registry.lists.exports import EXPORT_BATCH
from registry.models import Source
from registry.vocab import VocabIndex


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
    factory = request.app.state.sessionmaker

    def batches() -> Iterator[list[dict[str, Any]]]:
        # Keyset batches in a session of its own: memory stays flat however many rows match.
        session: Session = factory()
        try:
            vocab = VocabIndex.load(session, ctx.lang)
            sources = {s.id: s for s in session.scalars(select(Source))}
            own = ReadContext(session, vocab, sources, ctx.lang)
            values: list[Any] | None = None
            while True:
                rows = sql_rows(session, query, EXPORT_BATCH, 0, values)
                if not rows:
                    return
                items = render_items(own, fs, [r[0] for r in rows], params, enrich, columns)
                yield items  # JSON values; the formats write times as the JSON API does
                values = [rows[-1][i + 1] for i in range(len(query.keys))]
                if len(rows) < EXPORT_BATCH:
                    return
        finally:
            session.close()

    name = fs.entity.name.replace("_", "-")
    return exports.stream(batches(), columns, kind, f"{name}s.csv")
