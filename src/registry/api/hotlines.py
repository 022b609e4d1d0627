"""/api/v1/hotlines: hotlines and who runs them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import ConfigDict

from registry import readers, services
from registry.api.deps import ReadContext, ReadDep, reject_unknown_params
from registry.api.filters import FilterSet, FilterValues, RangeFilter, ValueFilter
from registry.api.history import history
from registry.api.listing import ListParams, list_params, list_response
from registry.api.openapi import DETAIL_ERRORS, EXPORTABLE_LIST
from registry.api.resources import get_one, record_response
from registry.api.writing import (
    CREATE_ERRORS,
    WRITE_ERRORS,
    AdminDep,
    EditorDep,
    IdempotencyKeyHeader,
    IfMatch,
    commit,
    create_response,
    load,
    matched_version,
    patch_fields,
)
from registry.entities import ENTITIES
from registry.models import Hotline
from registry.schemas.common import ChangeRead
from registry.schemas.hotline import HotlineCreate, HotlineRead, HotlineUpdate
from registry.schemas.listing import SNIPPET, Page, only_id_required

FILTERS = FilterSet(
    entity=ENTITIES["hotline"],
    filters=[
        ValueFilter(
            "operator_id",
            Hotline.operator_id,
            "Operating organization's id.",
            "6b3aac07-8936-464e-b292-91b051c5c68e",
        ),
        ValueFilter(
            "program_id",
            Hotline.program_id,
            "Program the hotline belongs to.",
            "6b3aac07-8936-464e-b292-91b051c5c68e",
        ),
        RangeFilter("launch_year", Hotline.launch_year, "Year launched", 2021),
    ],
    sorts={
        "name_en": Hotline.name_en,
        "name_zh": Hotline.name_zh_sort,
        "launch_year": Hotline.launch_year,
        "created_at": Hotline.created_at,
        "updated_at": Hotline.updated_at,
    },
    default_sort=["name_en"],
)


class HotlineItem(HotlineRead):
    """A hotline in a list."""

    model_config = ConfigDict(json_schema_extra=only_id_required)
    snippet: str | None = SNIPPET


class HotlinePage(Page[HotlineItem]):
    """A page of hotlines."""


router = APIRouter(
    prefix="/api/v1/hotlines", tags=["hotlines"], dependencies=[Depends(reject_unknown_params)]
)
Ref = Annotated[str, Path(description="UUID or slug.", max_length=120)]


@router.get("", operation_id="list_hotlines", response_model=HotlinePage, responses=EXPORTABLE_LIST)
def list_hotlines(
    ctx: ReadDep,
    request: Request,
    filters: Annotated[FilterValues, Depends(FILTERS.dependency())],
    params: Annotated[ListParams, Depends(list_params)],
) -> Response:
    """Hotlines matching every filter."""
    return list_response(ctx, request, FILTERS, filters, params, readers.hotline, HotlineItem)


@router.get(
    "/{ref}", operation_id="get_hotline", response_model=HotlineRead, responses=DETAIL_ERRORS
)
def get_hotline(ctx: ReadDep, ref: Ref) -> Response:
    """One hotline by UUID or slug."""
    return get_one(ctx, Hotline, ref, readers.hotline)


ITEM = HotlineItem


# --- writes ------------------------------------------------------------------------------

ENTITY = ENTITIES["hotline"]


def _read(ctx: ReadContext, obj: Any) -> HotlineRead:
    return readers.hotline(obj, ctx.vocab, ctx.sources)


@router.post(
    "",
    operation_id="create_hotline",
    status_code=201,
    response_model=HotlineRead,
    responses=CREATE_ERRORS,
)
def create_hotline(
    ctx: EditorDep,
    request: Request,
    body: HotlineCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Create a hotline."""
    return create_response(
        ctx,
        request,
        ENTITY,
        body,
        idempotency_key,
        lambda: services.create(ctx.session, ENTITY, body, ctx.vocab, ctx.actor.name),
        lambda obj: _read(ctx, obj),
    )


@router.patch(
    "/{ref}", operation_id="update_hotline", response_model=HotlineRead, responses=WRITE_ERRORS
)
def update_hotline(
    ctx: EditorDep,
    ref: Ref,
    body: HotlineUpdate,  # type: ignore[valid-type]
    if_match: IfMatch = None,
) -> Response:
    """Change some fields of a hotline; needs its current ETag in If-Match."""
    obj = load(ctx.session, ENTITY, ref)
    version = matched_version(ctx, if_match, obj, _read)
    services.update(
        ctx.session, ENTITY, obj, patch_fields(body), ctx.vocab, ctx.actor.name, version
    )
    commit(ctx)
    return record_response(_read(ctx, obj), obj.version)


@router.delete("/{ref}", operation_id="delete_hotline", status_code=204, responses=WRITE_ERRORS)
def delete_hotline(ctx: AdminDep, ref: Ref, if_match: IfMatch = None) -> Response:
    """Soft-delete a hotline: it leaves lists and details (410) until restored or purged."""
    obj = load(ctx.session, ENTITY, ref)
    version = matched_version(ctx, if_match, obj, _read)
    services.soft_delete(ctx.session, ENTITY, obj, ctx.actor.name, version)
    commit(ctx)
    return Response(status_code=204)


@router.post(
    "/{ref}/restore",
    operation_id="restore_hotline",
    response_model=HotlineRead,
    responses=WRITE_ERRORS,
)
def restore_hotline(ctx: AdminDep, ref: Ref) -> Response:
    """Bring a soft-deleted hotline back."""
    obj = load(ctx.session, ENTITY, ref, deleted=True)
    services.restore(ctx.session, ENTITY, obj, ctx.actor.name)
    commit(ctx)
    return record_response(_read(ctx, obj), obj.version)


@router.post("/{ref}/purge", operation_id="purge_hotline", status_code=204, responses=WRITE_ERRORS)
def purge_hotline(ctx: AdminDep, ref: Ref) -> Response:
    """Remove a soft-deleted hotline for good. Its history stays."""
    obj = load(ctx.session, ENTITY, ref, deleted=True)
    services.purge(ctx.session, ENTITY, obj, ctx.vocab, ctx.actor.name)
    commit(ctx)
    return Response(status_code=204)


@router.get(
    "/{ref}/history",
    operation_id="hotline_history",
    response_model=list[ChangeRead],
    responses=DETAIL_ERRORS,
)
def hotline_history(ctx: ReadDep, ref: Ref) -> list[ChangeRead]:
    """Every version of the hotline: who changed what, and when. Deleted records too."""
    return history(ctx.session, ENTITY, ref)
