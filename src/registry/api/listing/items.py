"""List items: records rendered by their read schema, with a search snippet and whatever an
endpoint embeds (`include=`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from registry.api.deps import ReadContext
from registry.api.filters import FilterSet
from registry.api.listing.params import ListParams
from registry.records.render import render
from registry.search import snippet

Enricher = Callable[[ReadContext, list[dict[str, Any]], list[Any]], None]


def render_items(
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


def _texts(item: dict[str, Any], names: tuple[str, ...]) -> list[str | None]:
    texts: list[str | None] = []
    for name in names:
        value = item.get(name)
        texts.extend(value if isinstance(value, list) else [value])
    return texts
