"""What every resource router is made of: its router, the parameters its routes share, and
the routes that are the same for every resource but for its schemas and descriptions
(list, facets, detail, create, and through `lifecycle` the rest).

A router calls these in path order, so fixed paths (`/facets`, `/series`) come before
`/{ref}`. Where a resource's route differs (an `include` on its list, a create that makes
children too), the router writes that route out itself.

No `from __future__ import annotations` here: FastAPI reads the annotations of the handlers
below, which name the resource's own filter dependency and create schema.
"""

import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from registry.api import details
from registry.api.caching import snapshot, tagged_json
from registry.api.deps import ReadDep, Ref, reads, reject_unknown_params
from registry.api.facets import Facets, compute_facets, facet_names
from registry.api.filters import FilterSet, FilterValues
from registry.api.lifecycle import add_lifecycle_routes
from registry.api.listing import list_response
from registry.api.listing.items import Enricher
from registry.api.listing.params import ListRequest, ListRequestDependency
from registry.api.openapi import DETAIL_ERRORS, EXPORTABLE_LIST, LIST_ERRORS, add_route
from registry.api.responses import get_one
from registry.api.writing import (
    CREATE_ERRORS,
    EditorDep,
    IdempotencyKeyHeader,
    WriteContext,
    create_record,
    create_response,
)
from registry.entities import Entity
from registry.schemas.common import RecordRead
from registry.schemas.listing import SNIPPET, Page, only_id_required

FacetSearch = Annotated[str | None, Query(max_length=200, description="Search, as on the list.")]


def resource_router(entity: Entity[Any]) -> APIRouter:
    """The router of `entity`'s collection, /api/v1/<resource>, tagged with it."""
    assert entity.resource is not None, f"{entity.name} has no collection"
    return APIRouter(
        prefix=f"/api/v1/{entity.resource}",
        tags=[entity.resource],
        dependencies=[Depends(reject_unknown_params)],
    )


def item_model(read: type[RecordRead]) -> type[RecordRead]:
    """`<Name>Item`: the read schema as a list shows it, every field but `id` optional
    (`fields=` may leave it out), plus the search snippet."""
    base = read.__name__.removesuffix("Read")
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", base).lower()
    article = "An" if words[0] in "aeiou" else "A"
    namespace = {
        "__doc__": f"{article} {words} in a list.",
        "__module__": read.__module__,
        "__annotations__": {"snippet": str | None},
        "model_config": ConfigDict(json_schema_extra=only_id_required),
        "snippet": SNIPPET,
    }
    return type(f"{base}Item", (read,), namespace)


def page_model(item: type[BaseModel], entity: Entity[Any]) -> type[Page[Any]]:
    """`<Name>Page`: the list envelope around `item`."""
    assert entity.resource is not None
    name = item.__name__.removesuffix("Item") + "Page"
    doc = f"A page of {entity.resource.replace('-', ' ')}."
    envelope = typing.cast(Any, Page)[item]
    return type(name, (envelope,), {"__doc__": doc, "__module__": item.__module__})


@dataclass(frozen=True)
class Include:
    """`include=<name>` on a list: `enrich` embeds more in each item (its item schema has
    the field)."""

    name: str
    description: str
    enrich: Enricher


def list_router(
    fs: FilterSet,
    description: str,
    *,
    item: type[BaseModel] | None = None,
    include: Include | None = None,
    facets: str | None = None,
) -> APIRouter:
    """The resource's router with its list (GET "") and, given their description, its facets.

    The list's filters are `fs`; its items are `item`, by default the read schema's
    `item_model`.
    """
    entity = fs.entity
    router = resource_router(entity)
    assert entity.read is not None
    item = item or item_model(entity.read)
    query = Annotated[ListRequest, Depends(ListRequestDependency(fs))]

    def listing(ctx: ReadDep, request: Request, query: query) -> Response:
        return list_response(ctx, request, fs, query.filters, query.params, item)

    endpoint: Callable[..., Any] = listing
    if include is not None:
        enrich = include.enrich

        def including(
            ctx: ReadDep, request: Request, query: query, include: list[str] | None = None
        ) -> Response:
            chosen = enrich if include else None
            return list_response(ctx, request, fs, query.filters, query.params, item, enrich=chosen)

        # The one value it takes, as an enum in the OpenAPI document.
        choices = typing.cast(Any, list)[typing.cast(Any, Literal)[include.name]]
        including.__annotations__["include"] = Annotated[
            choices | None, Query(description=include.description)
        ]
        endpoint = including

    add_route(
        router,
        "GET",
        "",
        reads(endpoint),
        f"list_{(entity.resource or '').replace('-', '_')}",
        response_model=page_model(item, entity),
        responses=EXPORTABLE_LIST,
        description=description,
    )
    if facets is not None:
        add_facets_route(router, fs, facets)
    return router


def add_facets_route(router: APIRouter, fs: FilterSet, description: str) -> None:
    """GET /facets of a resource: counts per value of each facet under the list's filters."""
    filters = Annotated[FilterValues, Depends(fs.dependency())]
    names = Annotated[list[str], Depends(facet_names(fs))]

    def facets(
        ctx: ReadDep, request: Request, filters: filters, facet: names, q: FacetSearch = None
    ) -> Response:
        etag, unchanged = snapshot(ctx.head, ctx.lang, request)
        if unchanged is not None:
            return unchanged
        body = compute_facets(ctx, fs, filters, facet, q).model_dump(mode="json")
        return tagged_json(orjson.dumps(body), etag)

    add_route(
        router,
        "GET",
        "/facets",
        reads(facets),
        f"{fs.entity.name}_facets",
        response_model=Facets,
        responses=LIST_ERRORS,
        description=inspect.cleandoc(description),
    )


def add_record_routes(
    router: APIRouter,
    entity: Entity[Any],
    create_model: type[BaseModel],
    update_model: type[BaseModel],
    *,
    detail: str | None = None,
    create: str | None = None,
    make: Callable[[WriteContext, Any], Any] | None = None,
) -> None:
    """GET /{ref}, POST "" and the lifecycle routes. `detail` and `create` override their
    descriptions; `make` replaces `write.create` for a create that does more."""

    def get(ctx: ReadDep, ref: Ref) -> Response:
        return get_one(ctx, entity, ref)

    def post(
        ctx: EditorDep,
        request: Request,
        body: BaseModel,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response:
        if make is None:
            return create_record(ctx, request, entity, body, idempotency_key)
        return create_response(ctx, request, entity, body, idempotency_key, lambda: make(ctx, body))

    post.__annotations__["body"] = create_model  # what FastAPI validates the body with

    detail_endpoint = reads(get)
    details.register(detail_endpoint, entity)
    add_route(
        router,
        "GET",
        "/{ref}",
        detail_endpoint,
        f"get_{entity.name}",
        response_model=entity.read,
        responses=DETAIL_ERRORS,
        description=detail or f"One {entity.label} by UUID or slug.",
    )
    add_route(
        router,
        "POST",
        "",
        post,
        f"create_{entity.name}",
        status_code=201,
        response_model=entity.read,
        responses=CREATE_ERRORS,
        description=create or f"Create {entity.a_label}.",
    )
    add_lifecycle_routes(router, entity, update_model)
