"""List items: records rendered from rows as their read schema's JSON, with a search
snippet and whatever an endpoint embeds (`include=`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from registry.api.deps import ReadContext
from registry.api.filters import FilterSet
from registry.api.listing.params import ListParams
from registry.records import lean
from registry.search import snippet

# Adds what `include=` embeds to each item (read JSON values; ids as UUIDs or as text, by
# backend: `lean.as_uuid`).
Enricher = Callable[[ReadContext, list[dict[str, Any]]], None]


def render_items(
    ctx: ReadContext,
    fs: FilterSet,
    ids: list[Any],
    params: ListParams,
    enrich: Enricher | None,
    fields: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The records with these ids, in their order, rendered from rows: values `orjson` dumps
    (with `lean.JSON_OPTIONS`) as the read schema's JSON."""
    only = None
    # An enricher may read any field, and a snippet may come from a code's label.
    if fields is not None and enrich is None and not (params.q and "snippet" in fields):
        only = set(fields)
    items = lean.by_id(ctx.session, fs.entity, ids, ctx.vocab, ctx.sources, only=only)
    if params.q and (fields is None or "snippet" in fields):
        for item in items:
            item["snippet"] = snippet(params.q, _texts(item, fs.entity.search_fields))
    if enrich:
        enrich(ctx, items)
    return items


def _texts(item: dict[str, Any], names: tuple[str, ...]) -> list[str | None]:
    texts: list[str | None] = []
    for name in names:
        value = item.get(name)
        texts.extend(value if isinstance(value, list) else [value])
    # Then what the record is known by through its links (its document holds them too):
    # the labels of its codes and the names of the records it points at.
    for value in item.values():
        for linked in value if isinstance(value, list) else [value]:
            if isinstance(linked, dict):
                if "label_en" in linked:
                    texts += [linked.get("label_zh"), linked["label_en"]]
                elif "name_en" in linked:
                    texts += [linked.get("name_zh"), linked.get("name_en")]
    return texts
