"""/api/v1/programs: programs run by organizations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy import select

from registry import readers
from registry.api.deps import ReadDep, reject_unknown_params
from registry.api.openapi import DETAIL_ERRORS, LIST_ERRORS
from registry.api.pagination import Page, PageParams, page_params
from registry.api.resources import get_one, list_page
from registry.models import Program
from registry.schemas.program import ProgramRead

router = APIRouter(
    prefix="/api/v1/programs", tags=["programs"], dependencies=[Depends(reject_unknown_params)]
)

Ref = Annotated[str, Path(description="UUID or slug.", max_length=120)]


@router.get(
    "", operation_id="list_programs", response_model=Page[ProgramRead], responses=LIST_ERRORS
)
def list_programs(
    ctx: ReadDep, request: Request, page: Annotated[PageParams, Depends(page_params)]
) -> Page[ProgramRead]:
    """List programs run by organizations."""
    stmt = select(Program)
    return list_page(ctx, request, stmt, [Program.name_en, Program.id], page, readers.program)


@router.get(
    "/{ref}", operation_id="get_program", response_model=ProgramRead, responses=DETAIL_ERRORS
)
def get_program(ctx: ReadDep, ref: Ref) -> ProgramRead:
    """One program by UUID or slug."""
    return get_one(ctx, Program, ref, readers.program)
