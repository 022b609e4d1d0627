"""A record as an HTTP response: its JSON body with an ETag, for details and writes."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from fastapi.responses import Response
from pydantic import BaseModel

from registry.api.deps import ReadContext
from registry.db import dbapi_cursor
from registry.entities import Entity
from registry.records import lean


def get_one(ctx: ReadContext, entity: Entity[Any], ref: str) -> Response:
    """A detail: rendered from one row (and one query per child table), with no ORM object."""
    with dbapi_cursor(ctx.session) as (cursor, dialect):
        values = lean.one_json(cursor, dialect, entity, ref, ctx.vocab, ctx.sources)
    return detail_response(values)


def detail_response(values: dict[str, Any]) -> Response:
    """A record's read JSON values as its detail response."""
    return json_response(orjson.dumps(values, option=lean.JSON_OPTIONS), values["version"])


def etag(version: int, body: bytes) -> str:
    """Strong ETag: the record's version (for If-Match) and a hash of the body (for caches)."""
    return f'"{version}-{hashlib.sha256(body).hexdigest()[:16]}"'


def record_response(
    read: BaseModel, version: int, *, status: int = 200, location: str | None = None
) -> Response:
    body = orjson.dumps(read.model_dump(mode="json"))
    return json_response(body, version, status=status, location=location)


def json_response(
    body: bytes, version: int, *, status: int = 200, location: str | None = None
) -> Response:
    headers = {"ETag": etag(version, body)}
    if location:
        headers["Location"] = location
    return Response(body, status_code=status, media_type="application/json", headers=headers)
