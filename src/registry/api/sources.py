"""/api/v1/sources: the documents records are transcribed from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from registry.api.deps import ReadDep, reads, reject_unknown_params
from registry.api.openapi import DETAIL_ERRORS, LIST_ERRORS
from registry.errors import NotFound
from registry.schemas.source import SourceRead

router = APIRouter(
    prefix="/api/v1/sources", tags=["sources"], dependencies=[Depends(reject_unknown_params)]
)


@router.get("", operation_id="list_sources", response_model=list[SourceRead], responses=LIST_ERRORS)
@reads
def list_sources(ctx: ReadDep) -> list[SourceRead]:
    """Every source document."""
    return [SourceRead.model_validate(s) for s in sorted(ctx.sources.values(), key=lambda s: s.key)]


@router.get("/{key}", operation_id="get_source", response_model=SourceRead, responses=DETAIL_ERRORS)
@reads
def get_source(ctx: ReadDep, key: Annotated[str, Path(max_length=64)]) -> SourceRead:
    """One source by key."""
    for source in ctx.sources.values():
        if source.key == key or str(source.id) == key:
            return SourceRead.model_validate(source)
    raise NotFound(f"No source {key!r}.")
