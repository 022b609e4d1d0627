"""Shared OpenAPI declarations."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from sqlalchemy import func, select

from registry.errors import PROBLEM_JSON, Problem
from registry.models import VocabularyTerm
from registry.vocab import VocabIndex

if TYPE_CHECKING:
    from registry.api.filters import FilterSet


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        400: "The body could not be read (for example, not UTF-8).",
        401: "No valid bearer token.",
        403: "The token's role may not do this.",
        404: "No record with that id or slug.",
        409: "Conflicts with existing records.",
        410: "The record was deleted.",
        412: "If-Match names none of the record's current ETags: GET it again.",
        413: "The body is too large.",
        415: "The body was not sent as JSON: send it with `Content-Type: application/json`.",
        422: "A parameter or field is invalid or unknown.",
        428: "If-Match is required: send the ETag from a GET of the record.",
        500: "Server error.",
        503: "The database is unreachable, or busy with other writes: retry after "
        "`Retry-After` seconds.",
    }
    return {
        status: {
            "model": Problem,
            "description": descriptions.get(status, "Error"),
            "content": {PROBLEM_JSON: {}},
        }
        for status in statuses
    }


def add_route(
    router: APIRouter,
    method: str,
    path: str,
    endpoint: Callable[..., Any],
    operation_id: str,
    **options: Any,
) -> None:
    """A route whose name (and so its summary) is its operation id, for routes the helpers
    register rather than a decorated function named after its operation."""
    router.add_api_route(
        path, endpoint, methods=[method], operation_id=operation_id, name=operation_id, **options
    )


LIST_ERRORS = problems(422, 503)
DETAIL_ERRORS = problems(404, 410, 422, 503)
# List endpoints also stream exports.
EXPORTABLE_LIST: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page of records, or with `format`/`Accept` a CSV or NDJSON export.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    },
    **LIST_ERRORS,
}


def install_openapi(app: FastAPI, lists: dict[str, tuple[FilterSet, type[BaseModel]]]) -> None:
    """Serve an OpenAPI document whose vocabulary parameters list the codes in the database.

    Codes live in tables that admins can extend, so the enums are read when the document is
    requested, and the document is cached until the vocabularies change.
    """
    cache: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        with app.state.sessionmaker() as session:
            state = session.execute(
                select(func.count(VocabularyTerm.id), func.max(VocabularyTerm.updated_at))
            ).one()
            if cache.get("state") == tuple(state):
                cached: dict[str, Any] = cache["schema"]
                return cached
            vocab = VocabIndex.load(session)
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        for path in schema["paths"].values():
            for operation in path.values():
                _annotate(operation, vocab, lists.get(operation.get("operationId", "")))
                _problem_content(operation)
        _enumerate_codes(schema.get("components", {}), vocab)
        _link_lifecycles(schema)
        cache.update(state=tuple(state), schema=schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _annotate(
    operation: dict[str, Any],
    vocab: VocabIndex,
    listing: tuple[FilterSet, type[BaseModel]] | None,
) -> None:
    if listing:
        # Lists are public, but `deleted=only|include` needs an admin token.
        operation["security"] = [{}, {"bearer": []}]
        for status, text in (
            (401, "`deleted` without a valid token."),
            (403, "`deleted` needs admin."),
        ):
            operation["responses"][str(status)] = {
                "description": text,
                "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            }
    for param in operation.get("parameters", []):
        if param["in"] == "header" and param["name"].lower() == "if-match":
            # Optional to FastAPI, so that a missing header gets 428 rather than 422.
            param["required"] = True
            param["description"] = (
                "The record's ETag from a GET. Required: without it 428; for a stale or "
                "unknown tag 412. `*` matches any current version."
            )
            param["schema"] = {"type": "string", "minLength": 1, "title": "If-Match"}
        schema = param.get("schema", {})
        vocabulary = _find(schema, "x-vocabulary")
        if vocabulary:
            codes = vocab.codes(vocabulary)
            target = schema
            for option in schema.get("anyOf", [schema]):
                if option.get("type") == "array":
                    target = option["items"]
            target["enum"] = codes
        if listing and param["name"] == "sort":
            keys = ", ".join(sorted(listing[0].sorts))
            param["description"] += f" Keys: {keys}, and `relevance` with `q`."
            schema["examples"] = [",".join(listing[0].default_sort)]
        if listing and param["name"] == "fields":
            names = ", ".join(listing[1].model_fields)
            param["description"] += f" Fields: {names}."
            schema["examples"] = [f"id,{listing[0].entity.key}"]


# How a record's lifecycle operations follow one another, as OpenAPI links: the record's
# key comes from the created record's body (or the request's path), If-Match from the ETag.
_KEY_FROM_BODY = {"ref": "$response.body#/id"}
_KEY_FROM_PATH = {"ref": "$request.path.ref"}
_TERM_FROM_BODY = {"name": "$request.path.name", "code": "$response.body#/code"}
_TERM_FROM_PATH = {"name": "$request.path.name", "code": "$request.path.code"}
_ETAG = {"header.If-Match": "$response.header.ETag"}
_FOLLOWS = {
    ("create", "201"): ("get", "update", "delete", "history"),
    ("get", "200"): ("update", "delete", "history"),
    ("update", "200"): ("get", "update", "delete"),
    ("delete", "204"): ("get", "restore", "purge", "history"),
    ("restore", "200"): ("get", "update", "delete"),
}


def _lifecycle_id(step: str, entity: str) -> str:
    return f"{entity}_history" if step == "history" else f"{step}_{entity}"


def _link_lifecycles(schema: dict[str, Any]) -> None:
    operations = {
        op["operationId"]: op
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    for operation_id, operation in operations.items():
        step, _, entity = operation_id.partition("_")
        for (source, status), targets in _FOLLOWS.items():
            response = operation.get("responses", {}).get(status)
            if source != step or response is None:
                continue
            term = entity == "vocabulary_term"
            if step == "create":
                key = _TERM_FROM_BODY if term else _KEY_FROM_BODY
            else:
                key = _TERM_FROM_PATH if term else _KEY_FROM_PATH
            links = response.setdefault("links", {})
            for target in targets:
                target_id = _lifecycle_id(target, entity)
                if target_id not in operations:
                    continue
                etag = _ETAG if target in ("update", "delete") and status != "204" else {}
                links[target_id] = {"operationId": target_id, "parameters": {**key, **etag}}


def _problem_content(operation: dict[str, Any]) -> None:
    """Document errors under application/problem+json, the type they are sent with.

    FastAPI files a response `model` under the route's media type (application/json), which
    left problem+json without a schema: typed clients saw errors as `unknown`.
    """
    for response in operation.get("responses", {}).values():
        content = response.get("content", {})
        if PROBLEM_JSON in content and "application/json" in content:
            content[PROBLEM_JSON] = content.pop("application/json")


def _enumerate_codes(node: Any, vocab: VocabIndex) -> None:
    """Give every body field marked x-vocabulary the codes its vocabulary holds."""
    if isinstance(node, dict):
        if "x-vocabulary" in node and node.get("type") == "string":
            node["enum"] = vocab.codes(node["x-vocabulary"])
        for value in node.values():
            _enumerate_codes(value, vocab)
    elif isinstance(node, list):
        for value in node:
            _enumerate_codes(value, vocab)


def _find(schema: dict[str, Any], key: str) -> Any:
    if key in schema:
        return schema[key]
    for option in schema.get("anyOf", []):
        if key in option:
            return option[key]
    return None
