"""Typed errors and their RFC 9457 problem+json rendering."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from registry.schemas.common import CODE_PATTERN, SLUG_PATTERN

PROBLEM_JSON = "application/problem+json"
# RFC 9110's names; Python's HTTPStatus still has the older ones.
TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}
logger = logging.getLogger("registry")


class InvalidParam(BaseModel):
    name: str = Field(description="Query parameter, or JSON pointer into the body.")
    reason: str


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    invalid_params: list[InvalidParam] | None = Field(default=None, alias="invalid-params")

    model_config = {"populate_by_name": True}


class RegistryError(Exception):
    """An error the API answers as a problem; subclasses set only `status`."""

    status: int = 500
    title: str = "Internal Server Error"
    headers: dict[str, str] | None = None

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls.title = TITLES.get(cls.status) or HTTPStatus(cls.status).phrase

    def __init__(self, detail: str, *, invalid_params: list[InvalidParam] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.invalid_params = invalid_params


def invalid_param(name: str, reason: str) -> InvalidInput:
    """422 for one bad query parameter (or field), named in `invalid-params`."""
    return InvalidInput(
        f"{name}: {reason}", invalid_params=[InvalidParam(name=name, reason=reason)]
    )


def pointer(loc: tuple[Any, ...] | list[Any], prefix: str = "") -> str:
    """A Pydantic error location as a JSON pointer into the validated document."""
    return prefix + "/" + "/".join(str(p) for p in loc)


def validation_problems(exc: ValidationError, prefix: str = "") -> list[InvalidParam]:
    return [InvalidParam(name=pointer(e["loc"], prefix), reason=reason(e)) for e in exc.errors()]


_DATES = {"date_from_datetime_parsing", "date_parsing", "date_type", "date_from_datetime_inexact"}


def reason(err: Any) -> str:
    """A Pydantic error in words that say how to fix the value."""
    kind, ctx = err.get("type"), err.get("ctx") or {}
    if kind in _DATES:
        return "not a date: write it as YYYY-MM-DD, e.g. 2024-03-15"
    if kind == "string_pattern_mismatch":
        said = _PATTERNS.get(str(ctx.get("pattern")))
        if said:
            return said
    if kind == "value_error":  # a validator's own words, without Pydantic's prefix
        return str(err.get("msg")).removeprefix("Value error, ")
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        # Texts are stripped first, so "   " arrives here too.
        return "is empty or only spaces: write the text, or leave the field out"
    return str(err.get("msg"))


# Patterns the schemas and parameters use, in words.
_PATTERNS = {
    SLUG_PATTERN: "a slug is lower-case letters a-z and digits, in words joined "
    "by single hyphens, with no spaces, capitals or other characters: e.g. 'lianai-huxin'",
    CODE_PATTERN: "a code is letters, digits, '_' and '-', starting with a "
    "letter or digit; the codes are listed at /api/v1/vocabularies",
    r"^[0-9]{1,9}$": "a change number, a whole number such as 457: the `next` link of the "
    "change feed or a write's Registry-Change header gives one",
}


def invalid_input(errors: list[InvalidParam]) -> InvalidInput:
    """422 naming every bad field."""
    return InvalidInput("; ".join(f"{e.name}: {e.reason}" for e in errors), invalid_params=errors)


class NotFound(RegistryError):
    status = 404


class Conflict(RegistryError):
    status = 409


class InvalidInput(RegistryError):
    status = 422


class Unauthorized(RegistryError):
    status = 401
    headers = {"WWW-Authenticate": 'Bearer realm="registry"'}  # noqa: RUF012


class Forbidden(RegistryError):
    status = 403


class Gone(RegistryError):
    status = 410


class PreconditionFailed(RegistryError):
    status = 412


class PreconditionRequired(RegistryError):
    status = 428


class ServiceUnavailable(RegistryError):
    """The server cannot answer now for its own reasons; the client should retry."""

    status = 503

    def __init__(self, detail: str, *, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


def _unmigrated(exc: Exception) -> bool:
    """A table the app needs is missing (SQLite says so in words, PostgreSQL by SQLSTATE)."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) == "42P01" or "no such table" in str(orig).lower()


def database_unavailable(exc: Exception) -> ServiceUnavailable:
    """503 for a database that is down, locked past the busy timeout or out of connections."""
    if isinstance(exc, PoolTimeout):
        return ServiceUnavailable("every database connection is busy; retry shortly")
    message = str(getattr(exc, "orig", None) or exc).lower()
    if _unmigrated(exc):
        return ServiceUnavailable(
            "the database is not migrated: run `registry db upgrade`", retry_after=30
        )
    if "locked" in message or "busy" in message:
        return ServiceUnavailable("the database is busy with other writes; retry shortly")
    return ServiceUnavailable("the database is unreachable; retry shortly", retry_after=10)


def problem_response(
    status: int,
    detail: str | None,
    *,
    title: str | None = None,
    instance: str | None = None,
    invalid_params: list[InvalidParam] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    problem = Problem(
        title=title or TITLES.get(status) or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance,
        invalid_params=invalid_params,
    )
    return JSONResponse(
        problem.model_dump(mode="json", by_alias=True, exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _loc_to_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("query", "path", "header"):
        # The parameter's name, also for the n-th value of a repeated parameter.
        return str(parts[1]) if len(parts) > 1 else str(parts[0])
    if parts and parts[0] == "body":
        parts = parts[1:]
    return pointer(parts)


def _describe(err: Any) -> tuple[str, str]:
    if err.get("type") == "json_invalid":
        # The location is a character offset, not a pointer: the body as a whole is bad.
        offset = err.get("loc", ("body", "?"))[-1]
        return "/", f"not valid JSON (at character {offset}): {err.get('ctx', {}).get('error', '')}"
    return _loc_to_name(err.get("loc", ())), reason(err)


def _not_json(request: Request, exc: RequestValidationError) -> str | None:
    """Why a body was not read as JSON, when its Content-Type is the cause."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        return None
    whole = any(
        tuple(e.get("loc", ())) == ("body",)
        and e.get("type") in ("model_attributes_type", "dict_type", "missing")
        for e in exc.errors()
    )
    if not whole:
        return None
    got = f"it was {kind!r}" if kind else "there was none"
    return f"send the body as JSON with the header Content-Type: application/json ({got})"


def unreadable_body(cause: BaseException) -> InvalidInput:
    """422 for a body that cannot be read as JSON, saying why: the API's and imports'."""
    if isinstance(cause, UnicodeDecodeError):
        reason = f"the body is not valid UTF-8 (bad byte at position {cause.start}); send UTF-8"
    elif isinstance(cause, RecursionError):
        reason = "the JSON is nested too deeply; records nest a few levels at most"
    else:
        reason = f"the body could not be read as JSON ({cause}); send a JSON object"
    return InvalidInput(f"/: {reason}", invalid_params=[InvalidParam(name="/", reason=reason)])


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts) + "$")


def _allowed_methods(request: Request) -> list[str]:
    """The methods the resource at this path takes, as the OpenAPI document lists them.

    Where two templates match (`/programs/facets` and `/programs/{ref}`), the one with
    fewer parameters is the resource, as routing gives literal paths precedence.
    """
    paths: dict[str, Any] = request.app.openapi().get("paths", {})
    matches = [
        (template.count("{"), template)
        for template in paths
        if _template_regex(template).match(request.url.path)
    ]
    if matches:
        operations = paths[min(matches)[1]]
        methods = {m.upper() for m in operations if m.upper() in _METHODS}
    else:  # a route outside the document: ask the router
        methods = {
            method
            for method in _METHODS
            if any(
                route.matches({**request.scope, "method": method})[0] is Match.FULL
                for route in request.app.router.routes
            )
        }
    if "GET" in methods:
        methods.add("HEAD")  # answered like GET by the caching middleware
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RegistryError)
    async def _registry_error(request: Request, exc: RegistryError) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.detail,
            title=exc.title,
            instance=request.url.path,
            invalid_params=exc.invalid_params,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        wrong_type = _not_json(request, exc)
        if wrong_type is not None:
            return problem_response(
                415,
                wrong_type,
                instance=request.url.path,
                invalid_params=[InvalidParam(name="Content-Type", reason=wrong_type)],
            )
        # A value checked against a union (e.g. a choice or null) fails each branch.
        unique = {_describe(err): None for err in exc.errors()}
        params = [InvalidParam(name=name, reason=reason) for name, reason in unique]
        names = ", ".join(p.name for p in params)
        return problem_response(
            422, f"Invalid input: {names}", instance=request.url.path, invalid_params=params
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.__cause__ is not None:
            # FastAPI's "error parsing the body" for what its JSON decoding did not catch.
            return await _registry_error(request, unreadable_body(exc.__cause__))
        headers = dict(exc.headers) if exc.headers else {}
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return problem_response(
            exc.status_code,
            str(exc.detail) if exc.detail else None,
            instance=request.url.path,
            headers=headers or None,
        )

    @app.exception_handler(IntegrityError)
    async def _integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        # A constraint the schemas should have caught first; say so without internals.
        logger.warning("integrity error on %s: %s", request.url.path, exc.orig)
        return problem_response(
            409, "The write conflicts with a database constraint.", instance=request.url.path
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        logger.warning("database unavailable on %s: %s", request.url.path, exc)
        return await _registry_error(request, database_unavailable(exc))

    @app.exception_handler(ProgrammingError)
    async def _programming_error(request: Request, exc: ProgrammingError) -> JSONResponse:
        if _unmigrated(exc):
            return await _database_unavailable(request, exc)
        return await _unhandled(request, exc)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s", request.url.path)
        # The server closes the connection after a 500; tell the client not to reuse it.
        return problem_response(
            500,
            "The server failed to handle this request.",
            instance=request.url.path,
            headers={"Connection": "close"},
        )
