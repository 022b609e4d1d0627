"""/api/v1/import: bulk upsert of one entity type from a JSON or CSV upload (admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from registry.api.deps import reject_unknown_params
from registry.api.writing import WRITE_ERRORS, WriteContext, admin, commit, write_context
from registry.auth import Actor
from registry.entities import Entity
from registry.importing import RESOURCES, Importer, ImportReport, entity_for, import_failure, parse

router = APIRouter(tags=["import"], dependencies=[Depends(reject_unknown_params)])


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
    actor: Annotated[Actor, Depends(admin)],
    request: Request,
    entity: Annotated[
        str,
        # Checked by `entity_for`, which names the choices; listed here for the contract.
        Query(description="What the upload holds.", json_schema_extra={"enum": list(RESOURCES)}),
    ],
    dry_run: Annotated[bool, Query(description="Report per row; write nothing.")] = False,
) -> ImportReport:
    """Upsert by natural key, all or nothing, every change in history. A dry run reports
    what each row would do (created, updated, unchanged, or its errors) and writes nothing."""
    target = entity_for(entity)
    # The whole upload first: a slow client must not hold the write lock while it sends.
    content = await request.body()
    content_type = request.headers.get("content-type", "")
    rows = await run_in_threadpool(parse, target, content, content_type)
    async with request.app.state.write_gate.slot():
        # The database work is blocking: keep it off the event loop.
        return await run_in_threadpool(_run, request, actor, target, rows, dry_run)


def _run(
    request: Request, actor: Actor, target: Entity[Any], rows: list[dict[str, Any]], dry_run: bool
) -> ImportReport:
    with write_context(request, actor) as ctx:
        return _import(ctx, target, rows, dry_run)


def _import(
    ctx: WriteContext, target: Entity[Any], rows: list[dict[str, Any]], dry_run: bool
) -> ImportReport:
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
