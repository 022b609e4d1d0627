"""Looking one record up by UUID or slug."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select

from registry import readers
from registry.api.deps import ReadContext
from registry.errors import NotFound

M = TypeVar("M")
R = TypeVar("R")

Reader = Callable[[Any, Any, Any], R]


def get_one(ctx: ReadContext, model: type[M], ref: str, reader: Reader[R]) -> R:
    try:
        condition = model.id == uuid.UUID(ref)  # type: ignore[attr-defined]
    except ValueError:
        condition = model.slug == ref  # type: ignore[attr-defined]
    obj = ctx.session.scalar(select(model).where(condition).options(*readers.LOAD_OPTIONS[model]))
    if obj is None:
        raise NotFound(f"No {model.__name__.lower()} with id or slug {ref!r}.")
    return reader(obj, ctx.vocab, ctx.sources)
