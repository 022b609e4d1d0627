"""/api/v1/import: bulk upsert of one entity type from a JSON or CSV upload (admin)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from registry.api.deps import reject_unknown_params
from registry.api.writing import WRITE_ERRORS, AdminDep, WriteContext, commit
from registry.entities import Entity
from registry.importing import RESOURCES, Importer, ImportReport, entity_for, import_failure, parse

router = APIRouter(tags=["import"], dependencies=[Depends(reject_unknown_params)])

Resource = Literal[tuple(RESOURCES)]  # type: ignore[valid-type]


@router.post(
    "/api/v1/import",
    operation_id="import_records",
    response_model=ImportReport,
    responses=WRITE_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A JSON list of records in the create schema's shape, or a CSV "
            "with one column per field (lists joined with `;`, partners as `org:role`).",
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_records(
    ctx: AdminDep,
    request: Request,
    entity: Annotated[Resource, Query(description="What the upload holds.")],  # type: ignore[valid-type]
    dry_run: Annotated[bool, Query(description="Report per row; write nothing.")] = False,
) -> ImportReport:
    """Upsert by natural key, all or nothing, every change in history. A dry run reports
    what each row would do (created, updated, unchanged, or its errors) and writes nothing."""
    target = entity_for(entity)
    content = await request.body()
    content_type = request.headers.get("content-type", "")
    # The database work is blocking: keep it off the event loop.
    return await run_in_threadpool(_run, ctx, target, content, content_type, dry_run)


def _run(
    ctx: WriteContext, target: Entity, content: bytes, content_type: str, dry_run: bool
) -> ImportReport:
    rows = parse(target, content, content_type)
    report = Importer(ctx.session, target, ctx.actor.name).run(rows)
    report.dry_run = dry_run
    if report.counts["error"]:
        ctx.session.rollback()
        if dry_run:
            return report
        raise import_failure(report)
    if dry_run:
        ctx.session.rollback()
        return report
    commit(ctx)
    report.written = True
    return report
