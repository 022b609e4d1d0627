"""A resource's list endpoint: its query parameters, the query, counting, the page (off the
match index where it can), sparse fields and streamed exports. The generic pieces under it
are in `registry.lists`."""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import orjson
from fastapi import Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel
from pyroaring import BitMap
from sqlalchemy import (
    Select,
    func,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from registry.api.deps import ReadContext
from registry.api.filters import FilterSet, FilterValues
from registry.api.matchindex import FETCH_LIMIT, MatchIndex, State, rowid
from registry.auth import authenticate
from registry.errors import invalid_param
from registry.lists import exports
from registry.lists.exports import EXPORT_BATCH, NDJSON_TYPE
from registry.lists.fulltext import search_subquery
from registry.lists.keyset import SortKey, after, decode_cursor, encode_cursor, order_by, parse_sort
from registry.models import Source
from registry.records.render import render
from registry.search import MAX_QUERY_LENGTH, snippet
from registry.vocab import VocabIndex

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass
class ListParams:
    q: str | None
    sort: str | None
    limit: int
    offset: int | None
    cursor: str | None
    count: str
    fields: str | None
    format: str | None
    deleted: str = "exclude"


def list_params(
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY_LENGTH,
            description="Search names and descriptions, Chinese or English. Chinese matches "
            "one- and two-character words and folds traditional to simplified; English "
            "matches words by prefix. Sorts by relevance unless `sort` is given.",
            examples=["留守"],
        ),
    ] = None,
    sort: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=r"^-?[a-z_]+(,-?[a-z_]+)*$",
            description="Comma-separated sort keys; `-` sorts descending. Nulls sort last. "
            "`name_zh` and `title_zh` sort by pinyin.",
            examples=["-established_year,name_zh"],
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}.")
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int | None,
        Query(
            ge=0,
            le=1_000_000_000,
            description="Records to skip (page numbers); see `cursor`. Not with `cursor` "
            "(422 if both are given).",
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            max_length=2000,
            description="Opaque keyset cursor from a previous page's `next`; cheap at any depth. "
            "Not with `offset` (422 if both are given); 422 `invalid cursor` for one this API "
            "did not issue or one from another sort order.",
        ),
    ] = None,
    count: Annotated[
        Literal["exact", "none"],
        Query(description="`exact` counts the matches into `total`; `none` skips counting."),
    ] = "exact",
    fields: Annotated[
        str | None,
        Query(
            max_length=500,
            pattern=r"^[a-z_]+(,[a-z_]+)*$",
            description="Comma-separated fields to return for each item.",
            examples=["id,name_zh,intervention_type"],
        ),
    ] = None,
    format: Annotated[
        Literal["json", "csv", "ndjson"] | None,
        Query(
            description="`csv` (UTF-8 with BOM, lists joined with `;`) or `ndjson` stream every "
            "matching row; `Accept: text/csv` works too."
        ),
    ] = None,
    deleted: Annotated[
        Literal["exclude", "include", "only"],
        Query(description="Soft-deleted records: `only` or `include` them (admin token needed)."),
    ] = "exclude",
) -> ListParams:
    if offset is not None and cursor is not None:
        raise invalid_param("cursor", "use either offset or cursor, not both")
    return ListParams(q, sort, limit, offset, cursor, count, fields, format, deleted)


@dataclass
class ListQuery:
    stmt: Select[Any]
    keys: list[SortKey]
    search: Subquery | None


def build_query(
    ctx: ReadContext, fs: FilterSet, filters: FilterValues, params: ListParams
) -> ListQuery:
    model = fs.model
    stmt = select(model).where(*fs.conditions(filters, deleted=params.deleted))
    search = None
    if params.q:
        search = search_subquery(ctx.session, fs.entity.search_key, params.q)
        stmt = stmt.join(search, search.c.record_id == model.id)
    keys = parse_sort(fs.sorts, fs.default_sort, fs.model.id, params.sort, search)
    return ListQuery(stmt, keys, search)


def parse_fields(params: ListParams, allowed: list[str]) -> list[str] | None:
    if not params.fields:
        return None
    fields = params.fields.split(",")
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        raise invalid_param(
            "fields", f"unknown field(s) {', '.join(unknown)}; use {', '.join(allowed)}"
        )
    return fields


def _rows(
    session: Session,
    q: ListQuery,
    fs: FilterSet,
    limit: int,
    offset: int,
    cursor_values: list[Any] | None,
) -> list[Any]:
    stmt = q.stmt.add_columns(*(k.expr.label(f"k{i}") for i, k in enumerate(q.keys)))
    if cursor_values is not None:
        stmt = stmt.where(after(q.keys, cursor_values))
    stmt = stmt.options(*fs.entity.load).order_by(*order_by(q.keys))
    return list(session.execute(stmt.limit(limit).offset(offset)).all())


def wants_export(request: Request, params: ListParams) -> str | None:
    if params.format in ("csv", "ndjson"):
        return params.format
    if params.format is None:
        accept = request.headers.get("accept", "")
        if "text/csv" in accept:
            return "csv"
        if NDJSON_TYPE in accept:
            return "ndjson"
    return None


Enricher = Callable[[ReadContext, list[dict[str, Any]], list[Any]], None]


def list_response(
    ctx: ReadContext,
    request: Request,
    fs: FilterSet,
    filters: FilterValues,
    params: ListParams,
    item_model: type[BaseModel],
    *,
    enrich: Enricher | None = None,
) -> Response:
    """One page as JSON, or the whole result as a CSV or NDJSON stream."""
    if params.deleted != "exclude":
        authenticate(ctx.session, request.headers.get("authorization")).require("admin")
    query = build_query(ctx, fs, filters, params)
    fields = parse_fields(params, list(item_model.model_fields))
    export = wants_export(request, params)
    if export:
        paging = [p for p in ("limit", "offset", "cursor") if p in request.query_params]
        if paging:
            raise invalid_param(
                paging[0], "exports stream every matching row; drop paging parameters"
            )
        columns = fields or _export_columns(item_model, params, enrich)
        return export_response(request, fs, query, params, columns, export, ctx, enrich)
    cursor_values = decode_cursor(query.keys, params.cursor) if params.cursor else None
    matched = _matched(ctx, fs, filters, params, query)
    rows = None
    if matched is not None:
        rows = _indexed_rows(ctx.session, query, fs, matched, params, cursor_values)
    if rows is None:
        rows = _rows(ctx.session, query, fs, params.limit + 1, params.offset or 0, cursor_values)
    page, more = rows[: params.limit], len(rows) > params.limit
    items = _items(ctx, fs, [row[0] for row in page], params, enrich)
    if fields:
        items = [{f: item.get(f) for f in fields} for item in items]
    total = None
    if params.count == "exact" and matched is not None:
        total = len(matched.rows)
    elif params.count == "exact":
        counted = select(func.count()).select_from(query.stmt.order_by(None).subquery())
        total = ctx.session.scalar(counted) or 0
    next_url = None
    if more:
        last = page[-1]
        token = encode_cursor(query.keys, [last[i + 1] for i in range(len(query.keys))])
        next_url = str(
            request.url.remove_query_params(["offset", "cursor"]).include_query_params(cursor=token)
        )
    body = {
        "items": items,
        "total": total,
        "limit": params.limit,
        "offset": None if params.cursor else (params.offset or 0),
        "next": next_url,
    }
    return Response(orjson.dumps(body), media_type="application/json")


def match_index(ctx: ReadContext, fs: FilterSet) -> tuple[MatchIndex, State] | None:
    """The entity's match index, current for this request's snapshot, if it has one."""
    if ctx.cache is None or ctx.head is None:
        return None
    index = ctx.cache.indexes.get(fs.entity.name)
    state = index.current(ctx.session, ctx.head) if index is not None else None
    return None if index is None or state is None else (index, state)


def search_rowids(session: Session, fs: FilterSet, q: str) -> BitMap:
    """Rowids of every match, unscored: the search as one more bitmap to intersect."""
    search = search_subquery(session, fs.entity.search_key, q, ranked=False)
    query = (
        select(rowid(fs.model))
        .select_from(fs.model)
        .join(search, search.c.record_id == fs.model.id)
    )
    return BitMap(session.scalars(query))


@dataclass
class Matched:
    rows: BitMap
    population: int  # rows in the table, deleted ones included: what a walk passes over


def _matched(
    ctx: ReadContext, fs: FilterSet, filters: FilterValues, params: ListParams, query: ListQuery
) -> Matched | None:
    found = match_index(ctx, fs)
    if found is None:
        return None
    index, state = found
    hits = search_rowids(ctx.session, fs, params.q) if params.q else None
    rows = index.matches(state, filters, deleted=params.deleted, search=hits)
    return None if rows is None else Matched(rows, len(state.everything))


# Walk at most this many index entries for a page; beyond it SQL does better.
WALK_LIMIT = 50_000


def _indexed_rows(
    session: Session,
    q: ListQuery,
    fs: FilterSet,
    matched: Matched,
    params: ListParams,
    cursor_values: list[Any] | None,
) -> list[Any] | None:
    """The page's rows found through the match index, or None to let SQL find them.

    The sort key's index is walked: rowids come off it in order and the first members of the
    result are kept, so the cost follows the page's depth divided by the share of rows
    that match. When that share is too small for a walk, a small result is fetched by
    rowid and sorted by SQL, and a large one is left to SQL.
    """
    model = fs.model
    ids = rowid(model)
    found = matched.rows
    wanted, skip = params.limit + 1, params.offset or 0
    if skip >= len(found):
        return []
    if q.keys[0].name == "relevance":
        return None  # SQL ranks with a bounded sort; only it scores the matches
    keys = [k.expr.label(f"k{i}") for i, k in enumerate(q.keys)]
    walk = select(ids).select_from(model).order_by(*order_by(q.keys))
    if cursor_values is not None:
        walk = walk.where(after(q.keys, cursor_values))
    # Index entries a walk is expected to pass before it has the page.
    steps = (skip + wanted) * max(1, matched.population) / len(found)
    if steps <= WALK_LIMIT and _walkable(session, walk):
        picked: list[int] = []
        result = session.connection().execute(walk)
        try:
            for (row_id,) in result:
                if row_id in found:
                    if skip:
                        skip -= 1
                        continue
                    picked.append(row_id)
                    if len(picked) == wanted:
                        break
        finally:
            result.close()
        stmt = select(model, *keys).where(ids.in_(picked))
        skip = 0
    elif len(found) <= FETCH_LIMIT:
        stmt = select(model, *keys).where(ids.in_(list(found)))
    else:
        return None
    if cursor_values is not None:
        stmt = stmt.where(after(q.keys, cursor_values))
    stmt = stmt.options(*fs.entity.load).order_by(*order_by(q.keys))
    return list(session.execute(stmt.limit(wanted).offset(skip)).all())


def _walkable(session: Session, stmt: Any) -> bool:
    """Whether SQLite streams `stmt` in order from an index, without sorting the table."""
    compiled = stmt.compile(session.get_bind())
    sql = str(compiled)
    known = _WALKABLE.get(sql)
    if known is None:
        # Whether the plan sorts is a matter of the statement's shape, not of its values.
        blanks = (None,) * len(compiled.positiontup or ())
        plan = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, blanks).all()
        known = not any("B-TREE FOR ORDER BY" in str(step[-1]) for step in plan)
        _WALKABLE[sql] = known
    return known


_WALKABLE: dict[str, bool] = {}


def _items(
    ctx: ReadContext,
    fs: FilterSet,
    objects: list[Any],
    params: ListParams,
    enrich: Enricher | None,
) -> list[dict[str, Any]]:
    items = [
        render(fs.entity, obj, ctx.vocab, ctx.sources).model_dump(mode="json") for obj in objects
    ]
    if params.q:
        for item in items:
            item["snippet"] = snippet(params.q, _texts(item, fs.entity.search_fields))
    if enrich:
        enrich(ctx, items, objects)
    return items


def _export_columns(
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


def _texts(item: dict[str, Any], names: tuple[str, ...]) -> list[str | None]:
    texts: list[str | None] = []
    for name in names:
        value = item.get(name)
        texts.extend(value if isinstance(value, list) else [value])
    return texts


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
                rows = _rows(session, query, fs, EXPORT_BATCH, 0, values)
                if not rows:
                    return
                yield _items(own, fs, [r[0] for r in rows], params, enrich)
                values = [rows[-1][i + 1] for i in range(len(query.keys))]
                session.expunge_all()
                if len(rows) < EXPORT_BATCH:
                    return
        finally:
            session.close()

    name = fs.entity.name.replace("_", "-")
    return exports.stream(batches(), columns, kind, f"{name}s.csv")
