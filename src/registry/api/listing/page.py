"""A list endpoint's answer: one page of rendered items as JSON, or the whole result as an
export stream."""

from __future__ import annotations

import orjson
from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import func, select

from registry.api.caching import snapshot, tagged_json
from registry.api.deps import ReadContext
from registry.api.filters import FilterSet, FilterValues
from registry.api.listing.export import export_columns, export_response
from registry.api.listing.indexed import indexed_rows, matched_rows
from registry.api.listing.items import Enricher, render_items
from registry.api.listing.params import ListParams, parse_fields, wants_export
from registry.api.listing.query import build_query, sql_rows
from registry.auth import authenticate
from registry.errors import invalid_param
from registry.lists.keyset import decode_cursor, encode_cursor
from registry.records import lean


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
    if params.labels and export != "csv":
        raise invalid_param("labels", "labels applies to CSV exports only; add format=csv")
    if export:
        paging = [p for p in ("limit", "offset", "cursor") if p in request.query_params]
        if paging:
            raise invalid_param(
                paging[0], "exports stream every matching row; drop paging parameters"
            )
        columns = fields or export_columns(item_model, params, enrich)
        return export_response(request, fs, query, params, columns, export, ctx, enrich)
    etag, unchanged = snapshot(ctx.head, ctx.lang, request)
    if unchanged is not None:
        return unchanged
    cursor_values = decode_cursor(query.keys, params.cursor) if params.cursor else None
    matched = matched_rows(ctx, fs, filters, params, query)
    rows = None
    if matched is not None:
        rows = indexed_rows(ctx.session, query, fs, matched, params, cursor_values)
    if rows is None:
        rows = sql_rows(ctx.session, query, params.limit + 1, params.offset or 0, cursor_values)
    page, more = rows[: params.limit], len(rows) > params.limit
    items = render_items(ctx, fs, [row[0] for row in page], params, enrich, fields)
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
    return tagged_json(orjson.dumps(body, option=lean.JSON_OPTIONS), etag)
