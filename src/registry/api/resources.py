"""Generic read helpers: look a record up by UUID or slug, and list a page of them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Select, select

from registry import readers
from registry.api.deps import ReadContext
from registry.api.pagination import Page, PageParams, fetch_page, make_page
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


def list_page(
    ctx: ReadContext,
    request: Request,
    stmt: Select[Any],
    order_by: Sequence[Any],
    params: PageParams,
    reader: Reader[R],
) -> Page[R]:
    model = stmt.column_descriptions[0]["entity"]
    rows, total = fetch_page(
        ctx.session, stmt.options(*readers.LOAD_OPTIONS[model]), order_by, params
    )
    return make_page([reader(r, ctx.vocab, ctx.sources) for r in rows], total, params, request)
