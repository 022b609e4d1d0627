"""/api/v1/organizations: organizations working in the field."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy import select

from registry import readers
from registry.api.deps import ReadDep, reject_unknown_params
from registry.api.openapi import DETAIL_ERRORS, LIST_ERRORS
from registry.api.pagination import Page, PageParams, page_params
from registry.api.resources import get_one, list_page
from registry.models import Organization
from registry.schemas.organization import OrganizationRead

router = APIRouter(
    prefix="/api/v1/organizations",
    tags=["organizations"],
    dependencies=[Depends(reject_unknown_params)],
)

Ref = Annotated[str, Path(description="UUID or slug.", max_length=120)]


@router.get(
    "",
    operation_id="list_organizations",
    response_model=Page[OrganizationRead],
    responses=LIST_ERRORS,
)
def list_organizations(
    ctx: ReadDep, request: Request, page: Annotated[PageParams, Depends(page_params)]
) -> Page[OrganizationRead]:
    """List organizations working in the field."""
    stmt = select(Organization)
    return list_page(
        ctx, request, stmt, [Organization.name_en, Organization.id], page, readers.organization
    )


@router.get(
    "/{ref}",
    operation_id="get_organization",
    response_model=OrganizationRead,
    responses=DETAIL_ERRORS,
)
def get_organization(ctx: ReadDep, ref: Ref) -> OrganizationRead:
    """One organization by UUID or slug."""
    return get_one(ctx, Organization, ref, readers.organization)
