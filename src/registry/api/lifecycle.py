"""The lifecycle routes every record shares: PATCH, DELETE, restore, purge and history.

They are the same for every resource but for the entity, its read schema and its update
schema, so one helper registers them.
No `from __future__ import annotations` here: FastAPI reads the handlers' annotations,
which name the update schema passed in.
"""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from registry.api.deps import ReadDep, Ref, reads
from registry.api.history import history
from registry.api.openapi import DETAIL_ERRORS, add_route
from registry.api.responses import record_response
from registry.api.writing import (
    PATCH_ERRORS,
    WRITE_ERRORS,
    AdminDep,
    EditorDep,
    IfMatch,
    WriteContext,
    commit,
    matched_version,
    patch_fields,
)
from registry.entities import Entity
from registry.records import lifecycle, write
from registry.records.lookup import fetch
from registry.records.render import render
from registry.schemas.common import ChangeRead
from registry.vocab import VocabIndex


def add_lifecycle_routes(
    router: APIRouter, entity: Entity[Any], update_model: type[BaseModel]
) -> None:
    """Register the five lifecycle routes of `entity` on `router` (after its detail route,
    so `/{ref}` paths keep their order)."""
    read_model = entity.read
    noun = entity.label
    name = entity.name

    def _view(ctx: WriteContext, obj: Any) -> Callable[[VocabIndex], BaseModel]:
        return lambda vocab: render(entity, obj, vocab, ctx.sources)

    def _answer(ctx: WriteContext, obj: Any) -> Response:
        return record_response(render(entity, obj, ctx.vocab, ctx.sources), obj.version)

    def update(
        ctx: EditorDep,
        ref: Ref,
        body: BaseModel,
        if_match: IfMatch = None,
    ) -> Response:
        obj = fetch(ctx.session, entity, ref, for_update=True)
        version = matched_version(ctx, if_match, obj, _view(ctx, obj))
        write.update(
            ctx.session, entity, obj, patch_fields(body), ctx.vocab, ctx.actor.name, version
        )
        commit(ctx)
        return _answer(ctx, obj)

    update.__annotations__["body"] = update_model  # what FastAPI validates the body with

    def delete(ctx: AdminDep, ref: Ref, if_match: IfMatch = None) -> Response:
        obj = fetch(ctx.session, entity, ref, for_update=True)
        version = matched_version(ctx, if_match, obj, _view(ctx, obj))
        lifecycle.soft_delete(ctx.session, entity, obj, ctx.actor.name, version)
        commit(ctx)
        return Response(status_code=204)

    def restore(ctx: AdminDep, ref: Ref) -> Response:
        obj = fetch(ctx.session, entity, ref, deleted=True, for_update=True)
        lifecycle.restore(ctx.session, entity, obj, ctx.actor.name)
        commit(ctx)
        return _answer(ctx, obj)

    def purge(ctx: AdminDep, ref: Ref) -> Response:
        obj = fetch(ctx.session, entity, ref, deleted=True, for_update=True)
        lifecycle.purge(ctx.session, entity, obj, ctx.vocab, ctx.actor.name)
        commit(ctx)
        return Response(status_code=204)

    def versions(ctx: ReadDep, ref: Ref) -> list[ChangeRead]:
        return history(ctx.session, entity, ref)

    routes: list[tuple[str, str, Callable[..., Any], str, dict[str, Any]]] = [
        (
            "PATCH",
            "/{ref}",
            update,
            f"update_{name}",
            {
                "description": f"Change some fields of {entity.a_label}; needs its current "
                "ETag in If-Match.",
                "response_model": read_model,
                "responses": PATCH_ERRORS,
            },
        ),
        (
            "DELETE",
            "/{ref}",
            delete,
            f"delete_{name}",
            {
                "description": f"Soft-delete {entity.a_label}: it leaves lists and details "
                "(410) until restored or purged.",
                "status_code": 204,
                "responses": WRITE_ERRORS,
            },
        ),
        (
            "POST",
            "/{ref}/restore",
            restore,
            f"restore_{name}",
            {
                "description": f"Bring a soft-deleted {noun} back.",
                "response_model": read_model,
                "responses": WRITE_ERRORS,
            },
        ),
        (
            "POST",
            "/{ref}/purge",
            purge,
            f"purge_{name}",
            {
                "description": f"Remove a soft-deleted {noun} for good. Its history stays.",
                "status_code": 204,
                "responses": WRITE_ERRORS,
            },
        ),
        (
            "GET",
            "/{ref}/history",
            reads(versions),
            f"{name}_history",
            {
                "description": f"Every version of the {noun}: who changed what, and when. "
                "Deleted records too.",
                "response_model": list[ChangeRead],
                "responses": DETAIL_ERRORS,
            },
        ),
    ]

    for method, path, endpoint, operation_id, options in routes:
        add_route(router, method, path, endpoint, operation_id, **options)
