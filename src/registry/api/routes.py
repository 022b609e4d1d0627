"""What every resource router is made of: its router, the parameters its routes share and
its facet route.

No `from __future__ import annotations` here: FastAPI reads the annotations of the facet
handler, which name the resource's own filter dependency.
"""

import inspect
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from registry.api.deps import ReadDep, reject_unknown_params
from registry.api.facets import Facets, compute_facets, facet_names
from registry.api.filters import FilterSet, FilterValues
from registry.api.listing import ListParams, list_params
from registry.api.openapi import LIST_ERRORS
from registry.entities import Entity

Ref = Annotated[str, Path(description="UUID or slug.", max_length=120)]
Params = Annotated[ListParams, Depends(list_params)]
FacetSearch = Annotated[str | None, Query(max_length=200, description="Search, as on the list.")]


def resource_router(entity: Entity[Any]) -> APIRouter:
    """The router of `entity`'s collection, /api/v1/<resource>, tagged with it."""
    assert entity.resource is not None, f"{entity.name} has no collection"
    return APIRouter(
        prefix=f"/api/v1/{entity.resource}",
        tags=[entity.resource],
        dependencies=[Depends(reject_unknown_params)],
    )


def add_facets_route(router: APIRouter, fs: FilterSet, description: str) -> None:
    """GET /facets of a resource: counts per value of each facet under the list's filters.

    The same for every resource with facets but for the filter set and the description.
    """
    filters = Annotated[FilterValues, Depends(fs.dependency())]
    names = Annotated[list[str], Depends(facet_names(fs))]

    def facets(ctx: ReadDep, filters: filters, facet: names, q: FacetSearch = None) -> Facets:
        return compute_facets(ctx, fs, filters, facet, q)

    operation_id = f"{fs.entity.name}_facets"
    router.add_api_route(
        "/facets",
        facets,
        methods=["GET"],
        operation_id=operation_id,
        name=operation_id,
        response_model=Facets,
        responses=LIST_ERRORS,
        description=inspect.cleandoc(description),
    )
