"""A record as an HTTP response: its JSON body with an ETag, for details and writes."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from fastapi.responses import Response
from pydantic import BaseModel

from registry.api.deps import ReadContext
from registry.entities import Entity
from registry.records.lookup import fetch
from registry.records.render import render


def get_one(ctx: ReadContext, entity: Entity[Any], ref: str) -> Response:
    obj = fetch(ctx.session, entity, ref)
    return record_response(render(entity, obj, ctx.vocab, ctx.sources), obj.version)


def etag(version: int, body: bytes) -> str:
    """Strong ETag: the record's version (for If-Match) and a hash of the body (for caches)."""
    return f'"{version}-{hashlib.sha256(body).hexdigest()[:16]}"'


def record_response(
    read: BaseModel, version: int, *, status: int = 200, location: str | None = None
) -> Response:
    body = orjson.dumps(read.model_dump(mode="json"))
    headers = {"ETag": etag(version, body)}
    if location:
        headers["Location"] = location
    return Response(body, status_code=status, media_type="application/json", headers=headers)
