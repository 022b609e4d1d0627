"""Looking one record up by UUID or slug."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select

from registry import readers
from registry.api.deps import ReadContext
from registry.entities import by_ref
from registry.errors import Gone, NotFound

M = TypeVar("M", bound=Any)
R = TypeVar("R", bound=BaseModel)

Reader = Callable[[Any, Any, Any], R]


def get_one(ctx: ReadContext, model: type[M], ref: str, reader: Reader[R]) -> Response:
    condition = by_ref(model, model.slug, ref)
    obj = ctx.session.scalar(select(model).where(condition).options(*readers.LOAD_OPTIONS[model]))
    if obj is None:
        raise NotFound(f"No {model.__name__.lower()} with id or slug {ref!r}.")
    if obj.deleted_at is not None:
        raise Gone(f"{model.__name__.lower()} {ref!r} was deleted; an admin can restore it.")
    read = reader(obj, ctx.vocab, ctx.sources)
    return record_response(read, obj.version)


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
