"""/api/v1/policies: policy documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy import select

from registry import readers
from registry.api.deps import ReadDep, reject_unknown_params
from registry.api.openapi import DETAIL_ERRORS, LIST_ERRORS
from registry.api.pagination import Page, PageParams, page_params
from registry.api.resources import get_one, list_page
from registry.models import Policy
from registry.schemas.policy import PolicyRead

router = APIRouter(
    prefix="/api/v1/policies", tags=["policies"], dependencies=[Depends(reject_unknown_params)]
)

Ref = Annotated[str, Path(description="UUID or slug.", max_length=120)]


@router.get(
    "", operation_id="list_policies", response_model=Page[PolicyRead], responses=LIST_ERRORS
)
def list_policies(
    ctx: ReadDep, request: Request, page: Annotated[PageParams, Depends(page_params)]
) -> Page[PolicyRead]:
    """List policy documents."""
    stmt = select(Policy)
    return list_page(ctx, request, stmt, [Policy.year, Policy.slug], page, readers.policy)


@router.get("/{ref}", operation_id="get_policy", response_model=PolicyRead, responses=DETAIL_ERRORS)
def get_policy(ctx: ReadDep, ref: Ref) -> PolicyRead:
    """One policy by UUID or slug."""
    return get_one(ctx, Policy, ref, readers.policy)
