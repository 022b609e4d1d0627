"""What every resource router is made of: its router and the parameters its routes share."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from registry.api.deps import reject_unknown_params
from registry.api.listing import ListParams, list_params
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
