"""A list's query parameters, checked once: search, sort, paging, counting, fields, format;
and with its filters, as one model (`ListRequestDependency`)."""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from pydantic import ConfigDict, create_model

from registry.api.deps import InThread, Language
from registry.api.filters import FilterDependency, FilterSet, FilterValues
from registry.errors import invalid_param
from registry.lists.exports import NDJSON_TYPE
from registry.search import MAX_QUERY_LENGTH

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass
class ListParams:
    q: str | None
    sort: str | None
    limit: int
    offset: int | None
    cursor: str | None
    count: str
    fields: str | None
    format: str | None
    deleted: str = "exclude"
    labels: str | None = None


async def list_params(
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY_LENGTH,
            description="Search names and descriptions, Chinese or English. Chinese matches "
            "one- and two-character words and folds traditional to simplified; English "
            "matches words by prefix. Sorts by relevance unless `sort` is given.",
            examples=["留守"],
        ),
    ] = None,
    sort: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=r"^-?[a-z_]+(,-?[a-z_]+)*$",
            description="Comma-separated sort keys; `-` sorts descending. Nulls sort last. "
            "`name_zh` and `title_zh` sort by pinyin.",
            examples=["-established_year,name_zh"],
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}.")
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int | None,
        Query(
            ge=0,
            le=1_000_000_000,
            description="Records to skip (page numbers); see `cursor`. Not with `cursor` "
            "(422 if both are given).",
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            max_length=2000,
            description="Opaque keyset cursor from a previous page's `next`; cheap at any depth. "
            "Not with `offset` (422 if both are given); 422 `invalid cursor` for one this API "
            "did not issue or one from another sort order.",
        ),
    ] = None,
    count: Annotated[
        Literal["exact", "none"],
        Query(description="`exact` counts the matches into `total`; `none` skips counting."),
    ] = "exact",
    fields: Annotated[
        str | None,
        Query(
            max_length=500,
            pattern=r"^[a-z_]+(,[a-z_]+)*$",
            description="Comma-separated fields to return for each item.",
            examples=["id,name_zh,intervention_type"],
        ),
    ] = None,
    format: Annotated[
        Literal["json", "csv", "ndjson"] | None,
        Query(
            description="`csv` (UTF-8 with BOM, lists joined with `;`) or `ndjson` stream every "
            "matching row; `Accept: text/csv` works too."
        ),
    ] = None,
    deleted: Annotated[
        Literal["exclude", "include", "only"],
        Query(description="Soft-deleted records: `only` or `include` them (admin token needed)."),
    ] = "exclude",
    labels: Annotated[
        Literal["zh", "en"] | None,
        Query(
            description="CSV for reading, in this language: each code written as its label, "
            "each linked record as its name, each text in this language only, and a "
            "partner as `name (role)`. Only with a CSV export; such a file is for people and "
            "does not import back (export without `labels` for that)."
        ),
    ] = None,
) -> ListParams:
    if offset is not None and cursor is not None:
        raise invalid_param("cursor", "use either offset or cursor, not both")
    return ListParams(q, sort, limit, offset, cursor, count, fields, format, deleted, labels)


def parse_fields(params: ListParams, allowed: list[str]) -> list[str] | None:
    if not params.fields:
        return None
    fields = params.fields.split(",")
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        raise invalid_param(
            "fields", f"unknown field(s) {', '.join(unknown)}; use {', '.join(allowed)}"
        )
    return fields


def wants_export(request: Request, params: ListParams) -> str | None:
    if params.format in ("csv", "ndjson"):
        return params.format
    if params.format is None:
        accept = request.headers.get("accept", "")
        if "text/csv" in accept:
            return "csv"
        if NDJSON_TYPE in accept:
            return "ndjson"
    return None


@dataclass(frozen=True)
class ListRequest:
    """A list request's query, parsed: its filters and the list's own parameters."""

    filters: FilterValues
    params: ListParams


# The list's own parameters, as `list_params` declares them (type, Query, default).
_LIST_HINTS = typing.get_type_hints(list_params, include_extras=True)
_LIST_PARAMETERS = [
    p.replace(annotation=_LIST_HINTS[p.name])
    for p in inspect.signature(list_params).parameters.values()
]


class ListRequestDependency:
    """A list's query parameters (its filters, `q`, sort, paging, `fields`, `format`,
    `deleted`) as one Pydantic model, so FastAPI validates a request in one step instead of
    one parameter at a time, and documents the model's fields as the list's parameters.
    `lang` stays the shared dependency (it reads Accept-Language too)."""

    def __init__(self, filterset: FilterSet) -> None:
        self.filterset = filterset
        self._parse_filters = FilterDependency(filterset)
        parameters = [p.parameter() for p in filterset.all_params()] + _LIST_PARAMETERS
        name = "".join(part.title() for part in filterset.entity.name.split("_"))
        definitions: dict[str, Any] = {p.name: (p.annotation, p.default) for p in parameters}
        self.model = create_model(
            f"{name}ListQuery",
            __config__=ConfigDict(extra="ignore"),  # unknown ones: `reject_unknown_params`
            **definitions,
        )
        self._filters = [p.name for p in filterset.all_params()]
        self.__signature__ = inspect.Signature(
            [
                inspect.Parameter("lang", inspect.Parameter.KEYWORD_ONLY, annotation=Language),
                inspect.Parameter(
                    "query",
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=Annotated[self.model, Query()],
                ),
            ]
        )

    async def __call__(self, lang: str, query: Any) -> InThread[ListRequest]:
        values = query.__dict__
        raw = {name: values[name] for name in self._filters}
        filters = await self._parse_filters(lang, **raw)
        params = await list_params(**{p.name: values[p.name] for p in _LIST_PARAMETERS})
        return InThread(lang, lambda ctx: ListRequest(filters.build(ctx), params))
